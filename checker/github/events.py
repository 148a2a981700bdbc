"""Read the triggering event: which job runs, which pull requests to evaluate, where to report.

The gate always evaluates `pull_request.head.sha` (never the test merge commit); for a merge
group it evaluates the PR named by the queue branch and reports on the merge group's head sha.
Check-completion events carry the head sha; their PRs come from the payload's `pull_requests`,
but only entries whose base repository is the event's repository (GitHub lists PRs of other
repositories that share the head branch, as its own example `workflow_run` payload shows). When
none is left, and always for fork heads (GitHub sends an empty list then), `find_pull_requests`
asks `GET /repos/{o}/{r}/pulls?head=owner:branch&state=open`, then
`GET /repos/{o}/{r}/commits/{sha}/pulls`, keeping open PRs whose head is that sha.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.errors import ChangeproofError, UsageError
from checker.github.api import status_of
from checker.github.payload import check_payload

if TYPE_CHECKING:
    from checker.github.api import Api

GATE_EVENTS = frozenset(
    {
        "pull_request",
        "pull_request_target",
        "pull_request_review",
        "merge_group",
        "workflow_run",
        "check_suite",
        "check_run",
        "workflow_dispatch",
        "issue_comment",
    }
)
RECORD_EVENTS = frozenset({"push", "schedule", "branch_protection_rule", "repository_ruleset"})
_QUEUE_REF = re.compile(r"^(?:refs/heads/)?gh-readonly-queue/(?P<base>.+)/pr-(?P<n>\d+)-(?P<sha>[0-9a-f]{40})$")
ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class Event:
    name: str
    job: str  # gate / record
    numbers: tuple[int, ...] = ()  # PRs to evaluate (gate)
    head_sha: str = ""  # for check-completion events whose PRs must be looked up
    head_branch: str = ""  # check-completion events: the head branch and its owner, to look the PR up
    head_owner: str = ""
    report_sha: str = ""  # where the commit status goes when it is not the PR head (merge groups)
    action: str = ""
    before: str = ""  # push
    after: str = ""
    ref: str = ""
    forced: bool = False
    default_branch: str = ""
    fork: bool = False  # the PR comes from another repository (read-only token, no secrets)
    payload: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def load_payload(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(
            f"the event file {path} does not exist",
            fix="Run inside GitHub Actions, or set GITHUB_EVENT_PATH to an event JSON file.",
        ) from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"the event file {path} is not valid JSON: {str(exc)[:300]}") from None
    except RecursionError:
        raise UsageError(f"the event file {path} is nested too deeply to be a GitHub event") from None
    if not isinstance(data, dict):
        raise UsageError(f"the event file {path} is not a JSON object")
    return data


def _based_here(pull: dict[str, Any], repository: dict[str, Any]) -> bool:
    """True when a check event's `pull_requests` entry targets the event's own repository.

    GitHub gives these entries' repositories as `{id, url, name}` only (no `full_name`).
    """
    base = (pull.get("base") or {}).get("repo") or {}
    if base.get("id") is not None and repository.get("id") is not None:
        return bool(base["id"] == repository["id"])
    full_name = str(repository.get("full_name") or "").lower()
    url = str(base.get("url") or "").lower()
    return bool(full_name) and url.endswith(f"/repos/{full_name}")


def find_pull_requests(api: Api, repository: str, event: Event) -> tuple[int, ...]:
    """Open PRs of `repository` whose head is the event's head commit (check-completion events)."""

    def open_with_head(pulls: list[dict[str, Any]]) -> tuple[int, ...]:
        return tuple(
            int(p["number"])
            for p in pulls
            if p.get("state") == "open" and (p.get("head") or {}).get("sha") == event.head_sha
        )

    if event.head_branch and event.head_owner:
        found = open_with_head(
            api.paginate(
                f"/repos/{repository}/pulls",
                params={"head": f"{event.head_owner}:{event.head_branch}", "state": "open"},
                what=f"the open pull requests from {event.head_owner}:{event.head_branch}",
                permission="pull-requests: read",
            )
        )
        if found:
            return found
    try:
        linked = api.paginate(
            f"/repos/{repository}/commits/{event.head_sha}/pulls",
            what=f"the pull requests of {event.head_sha[:12]}",
            permission="pull-requests: read",
        )
    except ChangeproofError as error:
        if error.__cause__ is not None and status_of(error.__cause__) in (404, 422):
            return ()  # a fork's head commit is not in this repository: GitHub answers 422
        raise
    return open_with_head(linked)


def parse(name: str, payload: dict[str, Any], *, job: str = "", pr_input: str = "") -> Event:
    """The Event for `GITHUB_EVENT_NAME` and its payload; `job` and `pr_input` come from inputs."""
    check_payload(name, payload)
    if job and job not in ("gate", "record"):
        raise UsageError(f"the job input is '{job}'", fix="Set job to 'gate' or 'record', or leave it empty.")
    default_branch = str((payload.get("repository") or {}).get("default_branch") or "")
    action = str(payload.get("action") or "")
    chosen = job or ("record" if name in RECORD_EVENTS else "gate")
    base: dict[str, Any] = {
        "name": name,
        "job": chosen,
        "action": action,
        "default_branch": default_branch,
        "payload": payload,
    }
    if chosen == "record":
        if name == "push":
            return Event(
                **base,
                before=str(payload.get("before") or ""),
                after=str(payload.get("after") or ""),
                ref=str(payload.get("ref") or ""),
                forced=bool(payload.get("forced")),
            )
        return Event(**base)  # schedule / dispatch: backfill
    if name in ("pull_request", "pull_request_target", "pull_request_review"):
        pr = payload.get("pull_request") or {}
        if not pr.get("number"):
            raise UsageError(f"the {name} event has no pull_request.number")
        head_repo = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
        base_repo = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
        return Event(
            **base,
            numbers=(int(pr["number"]),),
            head_sha=str((pr.get("head") or {}).get("sha") or ""),
            fork=bool(head_repo and base_repo and head_repo.lower() != base_repo.lower()),
        )
    if name == "issue_comment":  # comment approvals: only comments on pull requests re-evaluate
        issue = payload.get("issue") or {}
        if not issue.get("pull_request") or not issue.get("number"):
            return Event(**base)  # a plain issue: nothing to evaluate
        return Event(**base, numbers=(int(issue["number"]),))
    if name == "merge_group":
        group = payload.get("merge_group") or {}
        match = _QUEUE_REF.match(str(group.get("head_ref") or ""))
        if not match:
            raise UsageError(
                f"merge group head ref '{group.get('head_ref')}' is not a merge-queue branch",
                fix="Expected gh-readonly-queue/<base>/pr-<number>-<sha>.",
            )
        return Event(**base, numbers=(int(match.group("n")),), report_sha=str(group.get("head_sha") or ""))
    if name in ("workflow_run", "check_suite", "check_run"):
        key = {"workflow_run": "workflow_run", "check_suite": "check_suite", "check_run": "check_run"}[name]
        obj = payload.get(key) or {}
        sha = str(obj.get("head_sha") or "")
        repository = payload.get("repository") or {}
        numbers = tuple(
            int(p["number"])
            for p in obj.get("pull_requests") or []
            if isinstance(p, dict) and p.get("number") and _based_here(p, repository)
        )
        if not sha and not numbers:
            raise UsageError(f"the {name} event names no head commit")
        suite = obj.get("check_suite") or {} if name == "check_run" else obj
        head_repo = obj.get("head_repository") or {}
        owner = (head_repo.get("owner") or {}).get("login") or (repository.get("owner") or {}).get("login") or ""
        return Event(
            **base,
            numbers=numbers,
            head_sha=sha,
            head_branch=str(suite.get("head_branch") or ""),
            head_owner=str(owner),
            fork=bool(head_repo.get("full_name"))
            and str(head_repo.get("full_name")).lower() != str(repository.get("full_name") or "").lower(),
        )
    if name == "workflow_dispatch" or pr_input:
        raw = pr_input or str((payload.get("inputs") or {}).get("pr") or "")
        if not (raw.strip().lstrip("#").isascii() and raw.strip().lstrip("#").isdigit()):
            raise UsageError(
                f"workflow_dispatch needs a pull request number in the `pr` input, got '{raw}'",
                fix="Run the workflow with the pr input set, for example 42.",
            )
        return Event(**base, numbers=(int(raw.strip().lstrip("#")),))
    raise UsageError(
        f"changeproof does not handle the '{name}' event in the {chosen} job",
        fix="Trigger the gate on pull_request, pull_request_review, merge_group, workflow_run, "
        "check_suite or workflow_dispatch, and the record job on push and schedule.",
    )
