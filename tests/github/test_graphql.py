"""The gate's GraphQL read: valid against GitHub's schema, the same Facts as REST, fewer calls.

The fake answers GraphQL from the same scenario as REST (tests/fakegithub/graphql.py) and checks
every query and every answer against GitHub's official schema (npm @octokit/graphql-schema).
"""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fakegithub import graphql as fake_graphql
from fakegithub import scenario as scenario_mod
from fakegithub.server import FakeGitHub
from ghaction import FAST_ENV, pr_event

from checker.codeowners import CODEOWNERS_LOCATIONS
from checker.github.action import main
from checker.github.api import Api
from checker.github.collector import Collector, Target
from checker.github.graph import PULL_QUERY, PullGraph, graphql_url
from checker.model import Facts
from checker.policy import POLICY_PATH

REPO = scenario_mod.REPO


def _collect(fake: FakeGitHub, *, graph: bool, as_of: str | None = None) -> tuple[Facts, Api]:
    api = Api("ghs_token", fake.base_url, throttle=0, retries=0)
    collector = Collector(api, graph=PullGraph(api) if graph else None)
    facts = collector.collect(Target(REPO, 7, ledger_branch="changeproof-ledger"), as_of=as_of, observed_at="T")
    return facts, api


def _variants() -> dict[str, dict[str, Any]]:
    base = scenario_mod.typical()
    out = {"typical": base}
    bot = scenario_mod.clone(base)
    pull = bot["repos"][REPO]["pulls"]["7"]
    pull["reviews"].append(
        scenario_mod.review(6, "deploy-bot[bot]", "APPROVED", scenario_mod.HEAD_SHA, "2026-11-20T13:00:00Z", kind="Bot")
    )
    pull["pull"]["labels"] = [{"name": "emergency"}, {"name": "docs"}]
    pull["pull"]["draft"] = True
    out["bot review, labels, draft"] = bot
    failing = scenario_mod.clone(base)
    runs = failing["repos"][REPO]["check_runs"][scenario_mod.HEAD_SHA]
    runs[1]["conclusion"] = "failure"
    runs.append(scenario_mod.check_run(14, "e2e", scenario_mod.HEAD_SHA, conclusion=None, app="circleci"))
    failing["repos"][REPO]["statuses"][scenario_mod.HEAD_SHA] = [
        {
            "context": "ci/jenkins",
            "state": "failure",
            "created_at": "2026-11-20T10:00:00Z",
            "target_url": "https://ci.example/1",
            "creator": {"login": "jenkins"},
        }
    ]
    out["failing and running checks, a status"] = failing
    no_policy = scenario_mod.clone(base)
    contents = no_policy["repos"][REPO]["contents"][scenario_mod.BASE_SHA]
    contents.pop(POLICY_PATH)
    contents["docs/CODEOWNERS"] = contents.pop(".github/CODEOWNERS")
    no_policy["repos"][REPO]["permissions"].pop("carol")
    out["no policy file, CODEOWNERS in docs/, an approver without access"] = no_policy
    signed = scenario_mod.clone(base)
    for c in signed["repos"][REPO]["pulls"]["7"]["commits"]:
        c["commit"]["verification"] = {"verified": True, "reason": "valid", "signature": "x", "payload": "y"}
    out["signed commits"] = signed
    return out


def test_every_query_is_valid_against_githubs_schema() -> None:
    assert fake_graphql.check_query(PULL_QUERY) == []
    seen: list[str] = []

    class Recorder:
        api_url = "https://api.github.com"

        def request(self, verb: str, url: str, **kwargs: Any) -> tuple[dict[str, str], Any]:
            seen.append(kwargs["body"]["query"])
            return {}, {"data": {"repository": {}}}

    graph = PullGraph(Recorder())  # type: ignore[arg-type]
    graph.base(REPO, "a" * 40, [POLICY_PATH, *CODEOWNERS_LOCATIONS], ["erin", "Carol"])
    graph.base(REPO, "a" * 40, [POLICY_PATH], [])
    assert seen and all(fake_graphql.check_query(q) == [] for q in seen), [fake_graphql.check_query(q) for q in seen]
    assert fake_graphql.check_query("query { repository(owner: 1) { nope } }")  # the check is not vacuous


@pytest.mark.parametrize("name", list(_variants()))
def test_graphql_gives_the_facts_rest_gives(name: str) -> None:
    data = _variants()[name]
    rest_fake, graph_fake = FakeGitHub(data).start(), FakeGitHub(data).start()
    try:
        rest, rest_api = _collect(rest_fake, graph=False)
        graph, graph_api = _collect(graph_fake, graph=True)
    finally:
        rest_fake.stop()
        graph_fake.stop()
    assert graph_fake.violations == []
    assert graph_fake.calls("POST", "/graphql"), "GraphQL was not used"
    assert dataclasses.asdict(graph) == dataclasses.asdict(rest)
    assert graph_api.calls < rest_api.calls


def test_a_typical_gate_makes_at_most_ten_api_calls(tmp_path: Path) -> None:
    fake = FakeGitHub(scenario_mod.typical()).start()
    try:
        (tmp_path / "event.json").write_text(json.dumps(pr_event()))
        for n in ("output", "summary"):
            (tmp_path / n).write_text("")
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": fake.base_url,
            "GITHUB_SERVER_URL": f"file://{tmp_path}/none",
            "GITHUB_OUTPUT": str(tmp_path / "output"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
            "INPUT_GITHUB-TOKEN": "ghs_faketoken1234567890",
            **FAST_ENV,
            "CHANGEPROOF_GRAPHQL": "1",
        }
        out = io.StringIO()
        assert main(env, out=out) == 0, out.getvalue()
    finally:
        fake.stop()
    assert "verdict=pass" in out.getvalue()
    assert len(fake.requests) <= 10, [f"{r['method']} {r['path']}" for r in fake.requests]
    assert fake.violations == []


def test_graphql_errors_fall_back_to_rest_with_the_same_verdict() -> None:
    data = scenario_mod.typical()
    fake = FakeGitHub(data).start()
    fake.add_fault(
        method="POST", path=r"/graphql$", status=200, body={"errors": [{"type": "FORBIDDEN", "message": "no"}]}
    )
    try:
        facts, _ = _collect(fake, graph=True)
        rest, _ = _collect(fake, graph=False)
    finally:
        fake.stop()
    assert dataclasses.asdict(facts) == dataclasses.asdict(rest)
    assert fake.calls("GET", "/pulls/7/reviews")  # read through REST instead


def test_a_renamed_file_is_read_through_rest_because_graphql_omits_the_old_name() -> None:
    data = scenario_mod.typical()
    data["repos"][REPO]["pulls"]["7"]["files"][0] = scenario_mod.file_entry(
        "src/new.py", "renamed", previous="src/old.py"
    )
    fake = FakeGitHub(data).start()
    try:
        facts, _ = _collect(fake, graph=True)
    finally:
        fake.stop()
    assert facts.files[0].previous_path == "src/old.py"
    assert fake.calls("GET", "/pulls/7/files")


def test_the_record_job_reads_rest_as_of_the_merge() -> None:
    data = scenario_mod.typical()
    fake = FakeGitHub(data).start()
    try:
        _collect(fake, graph=True, as_of="2026-11-20T12:35:00Z")
    finally:
        fake.stop()
    assert not fake.calls("POST", "/graphql")


def test_graphql_endpoint_of_github_and_of_enterprise_server() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"
