"""`org plan`: every in-scope repository of an organisation as matrix chunks, which is also the manifest.

GitHub Actions caps a matrix at 256 jobs, so the list is cut into chunks of at most that many;
each chunk is `{"include": [{"repository": "owner/name", "ledger_branch": "ledger/name"}, ...]}`.
Archived repositories are left out (nothing can change in them), and so is anything the
auditor excludes by name. The same JSON is what `reconcile --manifest` reads, so the scope the
evidence was collected for and the scope the auditor checks are one list.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from checker.errors import UsageError
from checker.github.api import Api

MAX_MATRIX = 256


@dataclass(frozen=True)
class Scope:
    org: str
    topics: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # names or globs, with or without the owner
    chunk: int = MAX_MATRIX


def ledger_branch(full_name: str) -> str:
    """`ledger/<name>` (the owner is the organisation's, so it is left out)."""
    return f"ledger/{full_name.split('/', 1)[-1]}"


def select(repos: list[dict[str, Any]], scope: Scope) -> list[str]:
    """The full names in scope, sorted: not archived, carrying every topic asked for, not excluded."""
    out = []
    for repo in repos:
        name = str(repo.get("full_name") or "")
        if not name or repo.get("archived") or repo.get("disabled"):
            continue
        if scope.topics and not set(scope.topics) <= set(repo.get("topics") or []):
            continue
        short = name.split("/", 1)[-1]
        if any(fnmatch.fnmatchcase(name, x) or fnmatch.fnmatchcase(short, x) for x in scope.exclude):
            continue
        out.append(name)
    return sorted(out, key=str.lower)


def chunks(names: list[str], size: int) -> list[dict[str, list[dict[str, str]]]]:
    if not 1 <= size <= MAX_MATRIX:
        raise UsageError(f"--chunk {size} is out of range", fix=f"use 1..{MAX_MATRIX} (GitHub's matrix limit)")
    return [
        {"include": [{"repository": n, "ledger_branch": ledger_branch(n)} for n in names[i : i + size]]}
        for i in range(0, len(names), size)
    ] or [{"include": []}]


def plan(api: Api, scope: Scope) -> list[dict[str, list[dict[str, str]]]]:
    repos = api.paginate(
        f"/orgs/{scope.org}/repos",
        params={"type": "all"},
        what=f"the repositories of {scope.org}",
        permission="metadata: read",
    )
    return chunks(select(repos, scope), scope.chunk)


def rate_limit(api: Api) -> dict[str, Any]:
    """What this run used of the installation's shared rate limit (from GitHub's own headers)."""
    requester = api.github.requester
    remaining, limit = getattr(requester, "rate_limiting", (-1, -1))
    reset = getattr(requester, "rate_limiting_resettime", 0)
    return {"calls": api.calls, "remaining": remaining, "limit": limit, "reset": reset}
