"""Reads go unpaced, writes are spaced a second apart (GitHub's guidance for mutative requests)."""

from __future__ import annotations

from typing import Any

import github.Requester
import pytest
from fakegithub.server import FakeGitHub

from checker.github.api import WRITE_INTERVAL_S, Api


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every pause PyGithub's requester takes before a request (recorded, not slept)."""
    taken: list[float] = []
    monkeypatch.setattr(github.Requester.time, "sleep", taken.append)
    return taken


def _status(api: Api, sha: str) -> Any:
    body = {"state": "success", "context": "changeproof", "description": "ok"}
    return api.request("POST", f"/repos/acme/web/statuses/{sha}", body=body)


def test_reads_are_not_paced_and_writes_wait_a_second(fake: FakeGitHub, sleeps: list[float]) -> None:
    api = Api("ghs_token", fake.base_url, retries=0)  # the production default
    pull = api.get("/repos/acme/web/pulls/7")
    for _ in range(5):
        api.get("/repos/acme/web/pulls/7/files")
    assert sleeps == [], "a read waited"
    sha = pull["head"]["sha"]
    _status(api, sha)
    assert sleeps == [], "the first write waited although nothing was written before"
    _status(api, sha)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= WRITE_INTERVAL_S
    api.get("/repos/acme/web/pulls/7")
    assert len(sleeps) == 1, "a read after a write waited"
    assert len(fake.writes("statuses")) == 2


def test_write_spacing_can_be_turned_off_for_local_servers(fake: FakeGitHub, sleeps: list[float]) -> None:
    api = Api("ghs_token", fake.base_url, retries=0, throttle=0)  # CHANGEPROOF_API_THROTTLE=0
    sha = api.get("/repos/acme/web/pulls/7")["head"]["sha"]
    _status(api, sha)
    _status(api, sha)
    assert sleeps == []


def test_a_graphql_query_is_a_read_not_a_write(fake: FakeGitHub, sleeps: list[float]) -> None:
    """PyGithub would count the query's POST as a write and make the next status wait a second."""
    from checker.github.graph import PullGraph

    api = Api("ghs_token", fake.base_url, retries=0)  # the production default
    snapshot = PullGraph(api).pull("acme/web", 7)
    _status(api, snapshot.pr["head"]["sha"])
    assert sleeps == [], "the write after a GraphQL query waited"
    _status(api, snapshot.pr["head"]["sha"])
    assert len(sleeps) == 1
