"""Fake GitHub Deployments, environments and run approvals, in the shapes of GitHub's REST description
(npm `@octokit/openapi`, `generated/api.github.com.json`: `deployment`, `deployment-status`,
`environment`, `environment-approvals`).

Scenario data, per repository:
`deployments`: [deployment], `deployment_statuses`: {id: [status, newest first]},
`environments`: {name: {"environment": environment}} (served by posture.py),
`run_approvals`: {run_id: [environment-approvals]}.
The routes are mixed into `FakeGitHub` (server.py) by `DeploymentRoutes`.
"""

from __future__ import annotations

from typing import Any

API = "https://api.github.com"
Handled = tuple[int, Any, dict[str, str]]


def simple_user(login: str, id_: int = 1, kind: str = "User") -> dict[str, Any]:
    base = f"{API}/users/{login}"
    return {
        "login": login,
        "id": id_,
        "node_id": f"MDQ6VXNlcj{id_}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{id_}",
        "gravatar_id": "",
        "url": base,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": kind,
        "site_admin": False,
    }


def deployment(
    repo: str, id_: int, sha: str, environment: str, creator: str, created_at: str, ref: str = "main"
) -> dict[str, Any]:
    url = f"{API}/repos/{repo}/deployments/{id_}"
    return {
        "url": url,
        "id": id_,
        "node_id": f"DE_kwDO{id_}",
        "sha": sha,
        "ref": ref,
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": "",
        "creator": simple_user(creator, 100 + len(creator)),
        "created_at": created_at,
        "updated_at": created_at,
        "statuses_url": f"{url}/statuses",
        "repository_url": f"{API}/repos/{repo}",
        "transient_environment": False,
        "production_environment": environment == "production",
    }


def status(
    repo: str, deployment_id: int, id_: int, state: str, created_at: str, run_id: int | None, environment: str
) -> dict[str, Any]:
    """A deployment status as GitHub Actions posts it: target_url and log_url name the run's job."""
    run = f"https://github.com/{repo}/actions/runs/{run_id}/job/{run_id * 10}" if run_id else ""
    return {
        "url": f"{API}/repos/{repo}/deployments/{deployment_id}/statuses/{id_}",
        "id": id_,
        "node_id": f"DES_kwDO{id_}",
        "state": state,
        "creator": simple_user("github-actions[bot]", 41898282, "Bot"),
        "description": "",
        "environment": environment,
        "target_url": run,
        "created_at": created_at,
        "updated_at": created_at,
        "deployment_url": f"{API}/repos/{repo}/deployments/{deployment_id}",
        "repository_url": f"{API}/repos/{repo}",
        "environment_url": "",
        "log_url": run,
    }


def environment(repo: str, name: str, reviewers: list[str], prevent_self_review: bool) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    if reviewers:
        rules.append(
            {
                "id": 3755,
                "node_id": "MDQ6R2F0ZTM3NTU=",
                "prevent_self_review": prevent_self_review,
                "type": "required_reviewers",
                "reviewers": [{"type": "User", "reviewer": simple_user(r, 200 + i)} for i, r in enumerate(reviewers)],
            }
        )
    return {
        "id": 161088068,
        "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
        "name": name,
        "url": f"{API}/repos/{repo}/environments/{name}",
        "html_url": f"https://github.com/{repo}/deployments/activity_log?environments_filter={name}",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "protection_rules": rules,
        "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False},
    }


def approval(repo: str, environment_name: str, login: str, state: str = "approved", comment: str = "") -> dict:
    return {
        "environments": [
            {
                "id": 161088068,
                "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
                "name": environment_name,
                "url": f"{API}/repos/{repo}/environments/{environment_name}",
                "html_url": f"https://github.com/{repo}/deployments/activity_log?environments_filter={environment_name}",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
        ],
        "state": state,
        "user": simple_user(login, 300 + len(login)),
        "comment": comment,
    }


DEPLOYMENT_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/deployments$", "list_deployments"),
    ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/deployments/(?P<id>\d+)/statuses$", "deployment_statuses"),
    ("GET", r"^/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/actions/runs/(?P<run_id>\d+)/approvals$", "run_approvals"),
)


class DeploymentRoutes:
    """Handlers; `_page` and `_not_found` come from FakeGitHub."""

    def _page(self, request: Any, items: list[Any]) -> Handled:
        raise NotImplementedError

    def _not_found(self) -> Exception:
        raise NotImplementedError

    def list_deployments(self, request: Any, repo: dict[str, Any]) -> Handled:
        items = sorted(repo.get("deployments", []), key=lambda d: -int(d["id"]))  # newest first, as GitHub does
        for key in ("environment", "sha", "ref", "task"):
            if request.args.get(key):
                items = [d for d in items if d[key] == request.args[key]]
        return self._page(request, items)

    def deployment_statuses(self, request: Any, repo: dict[str, Any], id: str) -> Handled:
        if not any(str(d["id"]) == id for d in repo.get("deployments", [])):
            raise self._not_found()
        return self._page(request, repo.get("deployment_statuses", {}).get(id, []))

    def run_approvals(self, request: Any, repo: dict[str, Any], run_id: str) -> Handled:
        return 200, repo.get("run_approvals", {}).get(run_id, []), {}
