"""Reading GitHub Deployments: what reached an environment, and who approved the release.

Read-only (GET) calls, per in-scope environment:
`GET /repos/{o}/{r}/deployments?environment=E` (newest first; only ids above the last one the
ledger recorded), `GET .../deployments/{id}/statuses` (recorded only once a status is `success`;
the success's time is the deployment time), the run that deployed, its id taken from the success
status's `log_url` / `target_url`, `GET .../actions/runs/{run_id}/approvals` (who approved the
environment gate), and `GET .../environments/{E}` (required reviewers, `prevent_self_review`).

Anything unreadable (403/404) is `unobservable`, never approved and never traced. A deployment
still in progress stops the listing there, so the next run picks it up once it has finished
(ids only grow, and the next run starts after the last recorded id).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote

from checker.deploy.model import SOURCE_GITHUB, Approval, Collected, Deployment, ReleaseApproval
from checker.errors import ChangeproofError
from checker.github.api import Api, status_of

RUN_URL = re.compile(r"/actions/runs/(\d+)(?:/|$|\?|#)")
IN_PROGRESS = frozenset({"queued", "pending", "in_progress"})
T = TypeVar("T")


class _Unreadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read(what: str, permission: str, call: Callable[[], T]) -> T:
    """The call's result; a 403/404 becomes _Unreadable (unobservable), anything else propagates."""
    try:
        return call()
    except ChangeproofError as error:
        code = status_of(error.__cause__) if error.__cause__ else None
        if code in (403, 404):
            raise _Unreadable(f"{what}: GitHub answered {code} (needs `{permission}`)") from error
        raise


def run_id_of(status: dict[str, Any]) -> str:
    for key in ("log_url", "target_url"):
        match = RUN_URL.search(str(status.get(key) or ""))
        if match:
            return match.group(1)
    return ""


def _login(user: Any) -> str:
    return str(user.get("login") or "") if isinstance(user, dict) else ""


def release_rules(api: Api, repository: str, environment: str) -> ReleaseApproval:
    """The environment's required reviewers and prevent_self_review (no approvals yet)."""
    try:
        env = _read(
            f"environment {environment}",
            "actions: read",
            lambda: api.get(f"/repos/{repository}/environments/{quote(environment, safe='')}"),
        )
    except _Unreadable as unreadable:
        return ReleaseApproval(unobservable=(unreadable.reason,))
    rules = [r for r in env.get("protection_rules") or [] if isinstance(r, dict)]
    reviewers_rule = next((r for r in rules if r.get("type") == "required_reviewers"), None)
    if reviewers_rule is None:
        return ReleaseApproval(required=False)
    reviewers = []
    for item in reviewers_rule.get("reviewers") or []:
        who = item.get("reviewer") or {}
        reviewers.append(f"@{who.get('slug')}" if item.get("type") == "Team" else _login(who))
    prevent = reviewers_rule.get("prevent_self_review")
    return ReleaseApproval(
        required=True,
        prevent_self_review=prevent if isinstance(prevent, bool) else None,
        reviewers=tuple(r for r in reviewers if r),
    )


def _approvals(api: Api, repository: str, environment: str, run_id: str, rules: ReleaseApproval) -> ReleaseApproval:
    base = ReleaseApproval(rules.required, rules.prevent_self_review, rules.reviewers, run_id, (), rules.unobservable)
    if not run_id:
        if rules.required is False:
            return base
        return ReleaseApproval(
            base.required,
            base.prevent_self_review,
            base.reviewers,
            "",
            (),
            (*base.unobservable, "the success status names no GitHub Actions run, so its approvals cannot be read"),
        )
    try:
        items = _read(
            f"approvals of run {run_id}",
            "actions: read",
            lambda: api.get(f"/repos/{repository}/actions/runs/{run_id}/approvals"),
        )
    except _Unreadable as unreadable:
        return ReleaseApproval(
            base.required, base.prevent_self_review, base.reviewers, run_id, (), (*base.unobservable, unreadable.reason)
        )
    approvals = tuple(
        Approval(_login(a.get("user")), str(a.get("state") or ""), str(a.get("comment") or ""))
        for a in items or []
        if isinstance(a, dict) and any(e.get("name") == environment for e in a.get("environments") or [])
    )
    return ReleaseApproval(
        base.required, base.prevent_self_review, base.reviewers, run_id, approvals, base.unobservable
    )


def collect_deployments(api: Api, repository: str, environment: str, *, after_id: int | None) -> Collected:
    """Successful deployments to `environment` with an id above `after_id`, oldest first."""
    out = Collected()
    try:
        listed = _read(
            f"deployments to {environment}",
            "deployments: read",
            lambda: api.paginate(f"/repos/{repository}/deployments", params={"environment": environment}),
        )
    except _Unreadable as unreadable:
        out.unobservable.append(unreadable.reason)
        return out
    fresh = sorted(
        (d for d in listed if isinstance(d, dict) and (after_id is None or int(d["id"]) > after_id)),
        key=lambda d: int(d["id"]),
    )
    rules: ReleaseApproval | None = None
    for item in fresh:
        dep_id = str(item["id"])
        try:
            statuses = _read(
                f"statuses of deployment {dep_id}",
                "deployments: read",
                partial(api.paginate, f"/repos/{repository}/deployments/{dep_id}/statuses"),
            )
        except _Unreadable as unreadable:
            out.unobservable.append(unreadable.reason)
            break  # do not record later ones past an unread one: the next run starts after them
        success = next((s for s in statuses if isinstance(s, dict) and s.get("state") == "success"), None)
        if success is None:
            latest = str(statuses[0].get("state")) if statuses else "none"
            if not statuses or latest in IN_PROGRESS:
                out.skipped.append((dep_id, f"not finished (latest status: {latest}); recorded once it succeeds"))
                break
            out.skipped.append((dep_id, f"no successful status (latest: {latest}); not a deployment to record"))
            continue
        rules = rules or release_rules(api, repository, environment)
        out.deployments.append(
            Deployment(
                source=SOURCE_GITHUB,
                repository=repository,
                environment=environment,
                id=dep_id,
                sha=str(item.get("sha") or ""),
                ref=str(item.get("ref") or ""),
                creator=_login(item.get("creator")),
                deployed_at=str(success.get("created_at") or ""),
                approval=_approvals(api, repository, environment, run_id_of(success), rules),
            )
        )
    return out
