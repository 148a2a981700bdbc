"""What reached a branch, read from the REST API: pushed ranges, their merge commits' PRs.

For a push the compare API lists `before...after` (the payload's own list is capped); each commit
on the first-parent line is mapped to its pull request with `GET /repos/{o}/{r}/commits/{sha}/pulls`,
retried while GitHub has not linked a merge yet.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from checker.defaults import PLATFORM_COMMITTERS
from checker.errors import ChangeproofError
from checker.github.api import Api
from checker.github.events import ZERO_SHA

_PR_HINT = re.compile(r"\(#\d+\)|^Merge pull request #\d+", re.MULTILINE)


def first_parent_line(after: str, by_sha: dict[str, dict[str, Any]]) -> list[str]:
    """The first-parent line from `after` back to the start of the range, oldest first."""
    line: list[str] = []
    sha: str | None = after
    while sha in by_sha and sha not in line:
        line.append(sha)
        parents = by_sha[sha].get("parents") or []
        sha = parents[0]["sha"] if parents else None
    return list(reversed(line))


def looks_merged(commit: dict[str, Any]) -> bool:
    """A merge, squash or rebase made on GitHub: worth waiting for GitHub to link its PR."""
    return (
        len(commit.get("parents") or []) > 1
        or bool(_PR_HINT.search((commit.get("commit") or {}).get("message") or ""))
        or ((commit.get("committer") or {}).get("login") or "") in PLATFORM_COMMITTERS
    )


class PushHistory:
    """REST reads about one repository's branches and merges."""

    def __init__(
        self,
        api: Api,
        repository: str,
        *,
        link_retries: int,
        link_delay: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api = api
        self.repo = repository
        self.link_retries = link_retries
        self.link_delay = link_delay
        self.sleep = sleep

    def default_branch(self) -> str:
        data = self.api.get(f"/repos/{self.repo}", what=f"repository {self.repo}", permission="contents: read")
        return str(data.get("default_branch") or "main")

    def pushed_range(self, before: str, after: str, *, forced: bool) -> list[dict[str, Any]]:
        """The commits of `before...after` (just `after` for a new branch, or a force push that dropped `before`)."""
        if before == ZERO_SHA or not before:
            return [self._commit(after)]
        try:
            return self.api.paginate(
                f"/repos/{self.repo}/compare/{before}...{after}",
                key="commits",
                what=f"the pushed range {before[:12]}...{after[:12]}",
                permission="contents: read",
            )
        except ChangeproofError as error:
            if getattr(error.__cause__, "status", None) != 404 or not forced:
                raise
            return [self._commit(after)]

    def _commit(self, sha: str) -> dict[str, Any]:
        data: dict[str, Any] = self.api.get(
            f"/repos/{self.repo}/commits/{sha}", what=f"commit {sha[:12]}", permission="contents: read"
        )
        return data

    def merged_pulls_of(self, commit: dict[str, Any], branch: str) -> list[dict[str, Any]]:
        """Merged PRs into `branch` that GitHub links to this commit (retried while unlinked)."""
        sha = commit["sha"]
        attempts = 1 + (self.link_retries if looks_merged(commit) else 0)
        for attempt in range(attempts):
            pulls = self.api.paginate(
                f"/repos/{self.repo}/commits/{sha}/pulls",
                what=f"the PR of {sha[:12]}",
                permission="pull-requests: read",
            )
            merged = [p for p in pulls if p.get("merged_at") and (p.get("base") or {}).get("ref") == branch]
            if merged:
                return merged
            if attempt + 1 < attempts:
                self.sleep(self.link_delay * (attempt + 1))
        return []

    def merged_since(self, branch: str, since: str) -> list[dict[str, Any]]:
        """PRs merged into `branch` at or after `since` (RFC 3339), from the recently updated closed ones."""
        pulls = self.api.paginate(
            f"/repos/{self.repo}/pulls",
            what="recently closed pull requests",
            params={"state": "closed", "base": branch, "sort": "updated", "direction": "desc"},
            permission="pull-requests: read",
            limit=1000,
        )
        return [p for p in pulls if p.get("merged_at") and p["merged_at"] >= since]
