"""Fake GitHub endpoints for the approval policy: repository activity, workflow runs, organization
membership checks, collaborators and review requests, in the shapes of GitHub's REST API.

Scenario data: `repos[R]["activity"]` (activity items), `repos[R]["workflow_runs"]` (workflow runs),
`repos[R]["requested_reviewers"]` (logins already requested; the POST adds to it),
`repos[R]["deny_review_requests"]` (answer 403, as for a read-only token), `orgs[O]` (member logins,
or "outside" to answer 302 as GitHub does for a token outside the organization),
and (read by fakegithub/graphql.py) `repos[R]["pulls"][N]["signatures"]`: sha -> the GraphQL
`GitSignature` (`__typename`, `isValid`, `state`, `signer`, `keyId`) a commit's signature resolves to.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

API = "https://api.github.com"

ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/activity$", "repo_activity"),
    ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/actions/runs$", "workflow_runs"),
    ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/collaborators$", "collaborators"),
    ("POST", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)/requested_reviewers$", "request_reviewers"),
    ("GET", r"^/orgs/(?P<org>[^/]+)/members/(?P<user>[^/]+)$", "org_member"),
)


class ApprovalEndpoints:
    """Mixed into FakeGitHub; relies on its `scenario`, `_page`, `_pull`, `_record` and `_Error`."""

    scenario: dict[str, Any]

    def repo_activity(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        items = list(repo.get("activity", []))
        ref = request.args.get("ref")
        if ref:
            items = [a for a in items if a.get("ref") == ref]
        items.sort(key=lambda a: a.get("timestamp") or "", reverse=request.args.get("direction", "desc") == "desc")
        return self._page(request, items)  # type: ignore[attr-defined,no-any-return]

    def workflow_runs(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        runs = list(repo.get("workflow_runs", []))
        head_sha = request.args.get("head_sha")
        if head_sha:
            runs = [r for r in runs if r.get("head_sha") == head_sha]
        if repo.get("actions") == "forbidden":
            from fakegithub.server import _Error

            raise _Error(403, "Resource not accessible by integration")
        return self._page(request, runs, wrap="workflow_runs")  # type: ignore[attr-defined,no-any-return]

    def collaborators(self, request: Request, repo: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        people = [
            {
                "login": login,
                "id": abs(hash(login)) % 10**7,
                "type": "User",
                "role_name": role,
                "permissions": {
                    "admin": role == "admin",
                    "maintain": role in ("admin", "maintain"),
                    "push": role in ("admin", "maintain", "write"),
                    "triage": role in ("admin", "maintain", "write", "triage"),
                    "pull": True,
                },
            }
            for login, role in sorted(repo.get("permissions", {}).items())
        ]
        return self._page(request, people)  # type: ignore[attr-defined,no-any-return]

    def request_reviewers(self, request: Request, repo: dict[str, Any], n: str) -> tuple[int, Any, dict[str, str]]:
        from fakegithub.server import _Error

        if repo.get("deny_review_requests"):
            raise _Error(403, "Resource not accessible by integration")
        body = request.get_json()
        pull = self._pull(repo, n)  # type: ignore[attr-defined]
        self._record("requested_reviewers", {"number": int(n), **body})  # type: ignore[attr-defined]
        requested = pull["pull"].setdefault("requested_reviewers", [])
        for login in body.get("reviewers", []):
            requested.append({"login": login, "id": abs(hash(login)) % 10**7, "type": "User"})
        teams = pull["pull"].setdefault("requested_teams", [])
        for slug in body.get("team_reviewers", []):
            teams.append({"slug": slug, "name": slug, "id": abs(hash(slug)) % 10**7})
        return 201, pull["pull"], {}

    def org_member(self, request: Request, org: str, user: str) -> tuple[int, Any, dict[str, str]]:
        members = self.scenario.get("orgs", {}).get(org)
        if members == "outside":
            return 302, None, {"Location": f"{API}/orgs/{org}/public_members/{user}"}
        if members is None or user.lower() not in {m.lower() for m in members}:
            return 404, None, {}  # documented without a body
        return 204, None, {}
