"""The two GitHub REST calls reconcile makes: the repository activity list and a commit's pull requests.

Plain HTTP (urllib) rather than PyGithub: PyGithub has no binding for the activity endpoint, and
these are two read-only, paginated GETs. The token is passed in (the CLI reads GITHUB_TOKEN
through click's `envvar=`) and is only ever sent in the Authorization header.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from checker.errors import InfrastructureError

MAX_PAGES = 1000


class NotAvailable(Exception):
    """The endpoint does not exist or is not readable here (404/403/410): fall back, say so."""


class Api:
    def __init__(self, base_url: str, repository: str, token: str = "", timeout: float = 30) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(base_url)
        self.base = base_url.rstrip("/")
        self.repository = repository
        self.token = token
        self.timeout = timeout

    def _get(self, url: str) -> tuple[Any, str | None]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "changeproof-audit",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) checked in __init__
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                body = json.loads(resp.read() or b"null")
                link = resp.headers.get("Link")
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404, 410, 422):
                raise NotAvailable(f"HTTP {exc.code}") from None
            raise InfrastructureError(
                f"GitHub API {self._path(url)} answered HTTP {exc.code}",
                fix="retry later; check --api-url and the token",
            ) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise InfrastructureError(
                f"GitHub API at {self.base} is unreachable ({exc})",
                fix="check --api-url, or omit it to reconcile from commit dates",
            ) from None
        match = re.search(r'<([^>]+)>;\s*rel="next"', link or "")
        return body, match.group(1) if match else None

    def _path(self, url: str) -> str:
        return urllib.parse.urlsplit(url).path

    def _pages(self, url: str | None) -> list[Any]:
        out: list[Any] = []
        pages = 0
        while url and pages < MAX_PAGES:
            body, url = self._get(url)
            pages += 1
            if not isinstance(body, list):
                raise InfrastructureError(
                    f"GitHub API {self._path(str(url))} returned {type(body).__name__}, not a list",
                    fix="check --api-url",
                )
            out.extend(body)
        return out

    def activity(self, branch: str) -> list[dict[str, Any]]:
        """Every push-like event on the branch (push, force_push, pr_merge, merge_queue_merge, ...)."""
        query = urllib.parse.urlencode({"ref": f"refs/heads/{branch}", "per_page": 100, "direction": "asc"})
        return [a for a in self._pages(f"{self.base}/repos/{self.repository}/activity?{query}") if isinstance(a, dict)]

    def pulls_of_commit(self, sha: str) -> list[dict[str, Any]]:
        """Pull requests associated with a commit (works for squash and rebase merges too)."""
        try:
            items = self._pages(f"{self.base}/repos/{self.repository}/commits/{sha}/pulls?per_page=100")
        except NotAvailable:
            return []
        return [p for p in items if isinstance(p, dict)]
