"""Fake GitHub endpoints for posture collection: rulesets and their history, rule suites,
environments, users by id and organisation repositories, in GitHub's documented shapes.

Scenario data, per repository (`scenario["repos"][name]`):
- `rulesets`: {id: {"versions": [{"version_id", "actor": {"id", "type"}, "updated_at", "state"}]}}
  where `state` is the full ruleset object (as `GET .../rulesets/{id}` returns it); the last
  version is the current one. `"deleted": true` removes it (404 everywhere, history too).
- `rule_suites`: rule suite objects (`GET .../rulesets/rule-suites`), filtered here by ref,
  result and `time_period` back from `scenario["now"]`.
- `environments`: {name: {"environment": {...}, "branch_policies": [...]}}.
Scenario-wide: `users` {id: login}, `orgs` {org: [full names]}, `now` (RFC 3339) and
`token_access` {token: "read"}: a read-level token (the workflow's GITHUB_TOKEN) gets no
`bypass_actors` and a 403 from ruleset history and rule suites, as GitHub answers it.
`_touch(repo, "...")` lets tests add versions between simulated days (see tests/period).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

API = "https://api.github.com"
PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
R = r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)"
POSTURE_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", R + r"/rules/branches/(?P<b>.+)$", "posture_branch_rules"),
    ("GET", R + r"/branches/(?P<b>.+)/protection$", "posture_protection"),
    ("GET", R + r"/rulesets$", "list_rulesets"),
    ("GET", R + r"/rulesets/rule-suites$", "rule_suites"),
    ("GET", R + r"/rulesets/(?P<id>\d+)$", "get_ruleset"),
    ("GET", R + r"/rulesets/(?P<id>\d+)/history$", "ruleset_history"),
    ("GET", R + r"/rulesets/(?P<id>\d+)/history/(?P<version>\d+)$", "ruleset_version"),
    ("GET", R + r"/environments/(?P<env>[^/]+)/deployment-branch-policies$", "branch_policies"),
    ("GET", R + r"/environments/(?P<env>[^/]+)$", "get_environment"),
    ("GET", r"^/user/(?P<account>\d+)$", "user_by_id"),
    ("GET", r"^/orgs/(?P<org>[^/]+)/repos$", "org_repos"),
)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def public_user(login: str, id_: int, kind: str = "User") -> dict[str, Any]:
    """Every field the public-user schema requires."""
    url = f"{API}/users/{login}"
    return {
        "login": login,
        "id": id_,
        "node_id": f"U_{id_}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{id_}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "site_admin": False,
        "name": None,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
    }


REPO_URLS = (
    "archive_url", "assignees_url", "blobs_url", "branches_url", "collaborators_url", "comments_url", "commits_url",
    "compare_url", "contents_url", "contributors_url", "deployments_url", "downloads_url", "events_url", "forks_url",
    "git_commits_url", "git_refs_url", "git_tags_url", "hooks_url", "issue_comment_url", "issue_events_url",
    "issues_url", "keys_url", "labels_url", "languages_url", "merges_url", "milestones_url", "notifications_url",
    "pulls_url", "releases_url", "stargazers_url", "statuses_url", "subscribers_url", "subscription_url", "tags_url",
    "teams_url", "trees_url",
)  # fmt: skip


def minimal_repository(repo: dict[str, Any]) -> dict[str, Any]:
    """A scenario repository with every field GitHub's minimal-repository schema requires."""
    url = f"{API}/repos/{repo['full_name']}"
    owner = repo["owner"]
    out = {k: f"{url}/{k[: -len('_url')]}" for k in REPO_URLS}
    out.update({"node_id": f"R_{repo['id']}", "description": None, "fork": False, **repo})
    out["owner"] = {**public_user(owner["login"], int(owner.get("id") or 1), str(owner.get("type") or "User"))}
    for key in ("name", "company", "blog", "location", "email", "hireable", "bio", "public_repos", "public_gists",
                "followers", "following", "created_at", "updated_at"):  # fmt: skip
        out["owner"].pop(key, None)
    return out


class PostureRoutes:
    """Mixed into FakeGitHub; uses its `_page`, `_error` and `scenario`."""

    scenario: dict[str, Any]

    def _page(self, request: Any, items: list[Any], wrap: str | None = None, extra: Any = None) -> Any:
        raise NotImplementedError

    def branch_rules(self, request: Any, repo: dict[str, Any], b: str) -> Any:
        raise NotImplementedError

    def _fail(self, status: int, message: str) -> Exception:
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def _reads_only(self, request: Any) -> bool:
        token = (request.headers.get("Authorization") or "").split(" ")[-1]
        return str(self.scenario.get("token_access", {}).get(token, "app")) == "read"

    def _forbid_read_token(self, request: Any) -> None:
        if self._reads_only(request):
            raise self._fail(403, "Resource not accessible by integration")

    def _ruleset(self, repo: dict[str, Any], id_: str) -> dict[str, Any]:
        entry = repo.get("rulesets", {}).get(str(id_))
        if entry is None or entry.get("deleted") or not entry.get("versions"):
            raise self._fail(404, "Not Found")
        return entry  # type: ignore[no-any-return]

    def _current(self, request: Any, repo: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
        state = copy.deepcopy(entry["versions"][-1]["state"])  # responses never share the scenario's objects
        full = repo["repo"]["full_name"]
        state.setdefault("source_type", "Repository")
        state.setdefault("source", full)
        state.setdefault("target", "branch")
        state.setdefault("node_id", f"RRS_{state['id']}")
        state["updated_at"] = entry["versions"][-1]["updated_at"]
        state.setdefault("created_at", entry["versions"][0]["updated_at"])
        state["_links"] = {
            "self": {"href": f"{API}/repos/{full}/rulesets/{state['id']}"},
            "html": {"href": f"https://github.com/{full}/rules/{state['id']}"},
        }
        if self._reads_only(request):
            state.pop("bypass_actors", None)
            state["current_user_can_bypass"] = "never"
        else:
            state.setdefault("current_user_can_bypass", "never")
        return state

    def _live(self, repo: dict[str, Any]) -> list[dict[str, Any]]:
        return [e for e in repo.get("rulesets", {}).values() if not e.get("deleted") and e.get("versions")]

    # ------------------------------------------------------------------ handlers
    def posture_branch_rules(self, request: Any, repo: dict[str, Any], b: str) -> Any:
        """Effective rules computed from the active rulesets whose conditions match the branch."""
        if "rulesets" not in repo:
            return self.branch_rules(request, repo, b)
        default = repo["repo"]["default_branch"]
        out = []
        for entry in self._live(repo):
            state = entry["versions"][-1]["state"]
            if state.get("enforcement") != "active" or state.get("target", "branch") != "branch":
                continue
            names = ((state.get("conditions") or {}).get("ref_name")) or {}
            wanted = {f"refs/heads/{b}", "~ALL"} | ({"~DEFAULT_BRANCH"} if b == default else set())
            if not wanted & set(names.get("include") or []) or f"refs/heads/{b}" in (names.get("exclude") or []):
                continue
            for rule in state.get("rules") or []:
                out.append(
                    {
                        **copy.deepcopy(rule),
                        "ruleset_source_type": "Repository",
                        "ruleset_source": repo["repo"]["full_name"],
                        "ruleset_id": state["id"],
                    }
                )
        return self._page(request, out)

    def protection(self, request: Any, repo: dict[str, Any], b: str) -> Any:
        raise NotImplementedError

    def posture_protection(self, request: Any, repo: dict[str, Any], b: str) -> Any:
        """Classic protection needs administration: read, which a read-level token never has."""
        self._forbid_read_token(request)
        return self.protection(request, repo, b)

    def list_rulesets(self, request: Any, repo: dict[str, Any]) -> Any:
        keep = ("id", "name", "target", "source_type", "source", "enforcement", "node_id", "_links")
        items = []
        for entry in self._live(repo):
            state = self._current(request, repo, entry)
            items.append({k: state[k] for k in (*keep, "created_at", "updated_at") if k in state})
        return self._page(request, sorted(items, key=lambda s: s["id"]))

    def get_ruleset(self, request: Any, repo: dict[str, Any], id: str) -> Any:
        return 200, self._current(request, repo, self._ruleset(repo, id)), {}

    def ruleset_history(self, request: Any, repo: dict[str, Any], id: str) -> Any:
        self._forbid_read_token(request)
        entry = self._ruleset(repo, id)
        versions = [copy.deepcopy({k: v[k] for k in ("version_id", "actor", "updated_at")}) for v in entry["versions"]]
        return self._page(request, list(reversed(versions)))  # newest first

    def ruleset_version(self, request: Any, repo: dict[str, Any], id: str, version: str) -> Any:
        self._forbid_read_token(request)
        for v in self._ruleset(repo, id)["versions"]:
            if str(v["version_id"]) == version:
                return 200, copy.deepcopy({k: v[k] for k in ("version_id", "actor", "updated_at", "state")}), {}
        raise self._fail(404, "Not Found")

    def rule_suites(self, request: Any, repo: dict[str, Any]) -> Any:
        self._forbid_read_token(request)
        now = _parse(self.scenario.get("now") or datetime.now(UTC).isoformat())
        since = now - PERIODS[request.args.get("time_period", "day")]
        ref, result = request.args.get("ref"), request.args.get("rule_suite_result", "all")
        items = [
            s
            for s in repo.get("rule_suites", [])
            if (not ref or s["ref"] == ref)
            and (result == "all" or s["result"] == result)
            and since <= _parse(s["pushed_at"]) <= now
        ]
        return self._page(request, copy.deepcopy(sorted(items, key=lambda s: s["pushed_at"], reverse=True)))

    def get_environment(self, request: Any, repo: dict[str, Any], env: str) -> Any:
        found = repo.get("environments", {}).get(env)
        if found is None:
            raise self._fail(404, "Not Found")
        return 200, copy.deepcopy(found["environment"]), {}

    def branch_policies(self, request: Any, repo: dict[str, Any], env: str) -> Any:
        found = repo.get("environments", {}).get(env)
        if found is None:
            raise self._fail(404, "Not Found")
        return self._page(request, copy.deepcopy(found.get("branch_policies", [])), wrap="branch_policies")

    def user_by_id(self, request: Any, account: str) -> Any:
        login = self.scenario.get("users", {}).get(str(account))
        if login is None:
            raise self._fail(404, "Not Found")
        return 200, public_user(login, int(account)), {}

    def org_repos(self, request: Any, org: str) -> Any:
        names = self.scenario.get("orgs", {}).get(org)
        if names is None:
            raise self._fail(404, "Not Found")
        repos = [minimal_repository(self.scenario["repos"][n]["repo"]) for n in names]
        return self._page(request, repos)
