"""The one door to GitHub's REST API: PyGithub's transport with bounded retries and clear errors.

PyGithub supplies authentication, `base_url` (github.com or a GitHub Enterprise Server), its
GitHub-aware urllib3 retry (5xx, secondary rate limits) and its exception types. On top of that
this module adds: a hard bound on how long a rate limit may make us wait, `per_page=100` with
pagination followed to the end through `Link` headers, a count of every HTTP call (the
`GITHUB_TOKEN` budget is 1,000 requests per hour per repository), and the translation of every
failure into a `ChangeproofError` that says which input or token permission is wrong. Nothing here
ever turns an API failure into a pass: callers either get data or an exception.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import BadCredentialsException, RateLimitExceededException

from checker.defaults import DEFAULT_API_URL as DEFAULT_API_URL
from checker.errors import ChangeproofError, InfrastructureError, UsageError

PER_PAGE = 100
#: GitHub's guidance for mutative requests (POST, PATCH, PUT, DELETE); reads are not paced.
WRITE_INTERVAL_S = 1.0
# PyGithub logs every retried 403 (e.g. unreadable branch protection, which is expected) on stderr.
logging.getLogger("github").setLevel(logging.ERROR)
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class RateLimitTooLong(InfrastructureError):
    """GitHub asked us to wait longer than the run may wait."""


class _BoundedRetry(GithubRetry):
    """GithubRetry that refuses to sleep longer than `max_wait` for any single Retry-After."""

    def __init__(self, max_wait: float = 60.0, **kwargs: Any) -> None:
        self.max_wait = max_wait
        kwargs.setdefault("max_rate_limit_wait", max_wait)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> _BoundedRetry:
        kw["max_wait"] = self.max_wait
        retry: _BoundedRetry = super().new(**kw)
        return retry

    def get_retry_after(self, response: Any) -> float | None:
        wait: float | None = super().get_retry_after(response)
        if wait is not None and wait > self.max_wait:
            raise RateLimitTooLong(
                f"GitHub asked to retry after {wait:.0f}s, longer than the {self.max_wait:.0f}s this run may wait",
                fix="Re-run the job later; other workflows are using this repository's API quota.",
            )
        return wait


class Api:
    """A counted, paginating JSON client over PyGithub's requester."""

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        retries: int = 5,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        throttle: float | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        retry = _BoundedRetry(
            max_wait=max_wait,
            total=retries,
            backoff_factor=backoff,
            backoff_max=max_wait,
            secondary_rate_wait=min(60.0, max_wait),
        )
        # GitHub asks integrations to make requests serially (this client is single-threaded) and
        # to wait at least a second between mutative requests; it asks for no pause between reads.
        # PyGithub's default also sleeps 0.25 s before every read, most of a gate's wall time, so
        # reads go unpaced and only writes are spaced. Tests against the local server turn the
        # write spacing off with throttle=0 (CHANGEPROOF_API_THROTTLE=0).
        # The spacing is ours, not PyGithub's: PyGithub counts every POST as a write, and a GraphQL
        # query is a POST that mutates nothing.
        self.write_interval = WRITE_INTERVAL_S if throttle is None else throttle
        self.github = Github(
            base_url=self.api_url,
            auth=Auth.Token(token) if token else None,
            per_page=PER_PAGE,
            retry=retry,
            timeout=int(timeout),
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self.calls = 0
        self._last_write = 0.0
        self._sleep = time.sleep
        self._clock = time.monotonic

    # ----------------------------------------------------------------------------- requests
    def request(
        self,
        verb: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        what: str = "",
        permission: str = "",
        mutative: bool | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """One API call; `what`/`permission` make the error message say what was being read.

        Mutative requests (every verb but GET, unless `mutative=False`, as for a GraphQL query)
        are spaced `write_interval` apart, as GitHub asks; reads are not paced.
        """
        url = path if path.startswith("http") else f"{self.api_url}{path}"
        writes = verb != "GET" if mutative is None else mutative
        if writes and self._last_write and self.write_interval:
            wait = self._last_write + self.write_interval - self._clock()
            if wait > 0:
                self._sleep(wait)
        self.calls += 1
        try:
            with translate(what or f"{verb} {path}", permission, self.api_url):
                headers, data = self.github.requester.requestJsonAndCheck(verb, url, parameters=params, input=body)
        finally:
            if writes:
                self._last_write = self._clock()
        # PyGithub wraps a body that is not JSON as {"data": text, "url": ...}.
        if isinstance(data, dict) and isinstance(data.get("data"), str) and set(data) <= {"data", "url"}:
            raise InfrastructureError(
                f"GitHub answered {what or path} with a body that is not JSON",
                fix=f"Check that the API URL {self.api_url} points at GitHub's REST API (for GitHub Enterprise "
                "Server: https://HOST/api/v3), then re-run the job.",
            )
        return headers, data

    def get(self, path: str, *, params: dict[str, Any] | None = None, what: str = "", permission: str = "") -> Any:
        return self.request("GET", path, params=params, what=what, permission=permission)[1]

    def paginate(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        key: str | None = None,
        what: str = "",
        permission: str = "",
        limit: int | None = None,
    ) -> list[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` to the end (or `limit`)."""
        items: list[Any] = []
        url: str | None = path
        query: dict[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
        while url:
            headers, data = self.request("GET", url, params=query, what=what, permission=permission)
            page = data.get(key) if key and isinstance(data, dict) else data
            if not isinstance(page, list):
                raise InfrastructureError(
                    f"GitHub answered {what or path} with an unexpected shape",
                    fix="Re-run the job; if it persists, report it with the run log.",
                )
            items.extend(page)
            if limit is not None and len(items) >= limit:
                return items[:limit]
            match = _NEXT.search(headers.get("link", "") or headers.get("Link", ""))
            url = self._same_origin(match.group(1)) if match else None
            query = None  # the next URL carries its own query
        return items

    def _same_origin(self, url: str) -> str:
        """Follow a `Link` only to our own API host (never send the token elsewhere)."""
        ours, theirs = urlparse(self.api_url), urlparse(url)
        if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
            raise InfrastructureError(
                f"GitHub's pagination link points at another host ({theirs.netloc})", fix="Check the api-url input."
            )
        return url


def status_of(error: BaseException) -> int | None:
    return error.status if isinstance(error, GithubException) else None


def message_of(error: GithubException) -> str:
    data = error.data
    if isinstance(data, dict):
        return str(data.get("message") or data.get("data") or "")[:300]
    return str(data)[:300]


@contextmanager
def translate(what: str, permission: str, api_url: str) -> Iterator[None]:
    """Turn transport and HTTP failures into ChangeproofErrors that name the fix."""
    try:
        yield
    except ChangeproofError:
        raise
    except BadCredentialsException as exc:
        raise UsageError(
            f"GitHub rejected the token (401 Bad credentials) while reading {what}",
            fix="Pass a valid token in the github-token input (the default is ${{ github.token }}); "
            "a personal token may have expired or been revoked.",
        ) from exc
    except RateLimitExceededException as exc:
        raise InfrastructureError(
            f"GitHub's rate limit stopped the run while reading {what}: {message_of(exc)}",
            fix="Re-run the job later; the repository's GITHUB_TOKEN quota is shared by all workflows.",
        ) from exc
    except GithubException as exc:
        code = exc.status
        text = message_of(exc)
        if code in (403, 404) and permission:
            raise UsageError(
                f"GitHub answered {code} ({text}) while reading {what}",
                fix=f"Give the workflow the `{permission}` permission, and check the repository and "
                "pull request inputs.",
            ) from exc
        if code == 404:
            raise UsageError(
                f"{what} was not found (404)", fix="Check the repository and number, and that the token can read it."
            ) from exc
        if code == 422:
            raise UsageError(f"GitHub refused {what} (422): {text}") from exc
        raise InfrastructureError(
            f"GitHub answered {code} while reading {what}: {text or 'no message'}",
            fix="GitHub may be having an outage (https://www.githubstatus.com); re-run the job.",
        ) from exc
    except (requests.exceptions.RetryError, requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        raise InfrastructureError(
            f"could not reach GitHub at {api_url} while reading {what}: {_short(exc)}",
            fix="Check the api-url input and the runner's network; re-run the job.",
        ) from exc
    except (requests.exceptions.RequestException, json.JSONDecodeError, ValueError) as exc:
        raise InfrastructureError(
            f"GitHub's answer to {what} could not be read: {_short(exc)}",
            fix="Re-run the job; if it persists, report it with the run log.",
        ) from exc


def _short(exc: BaseException) -> str:
    text = str(exc)
    reason = re.search(r"Caused by (\w+)\(", text) or re.search(r"(too many \d+ error responses)", text)
    if reason:
        return reason.group(1)
    return text[:200]
