"""The collector against the fake GitHub over real HTTP: budget, pagination, trust boundaries."""

from __future__ import annotations

from typing import Any

import pytest
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub

from checker.errors import ChangeproofError
from checker.evaluate import evaluate
from checker.github.api import Api
from checker.github.collector import Collector, Target
from checker.model import Status, Verdict
from checker.policy import policy_for_facts

TARGET = Target("acme/web", 7, ledger_branch="changeproof-ledger")


def collect(fake: FakeGitHub, target: Target = TARGET, **kwargs: Any) -> Any:
    api = Api("ghs_token", fake.base_url)
    return Collector(api).collect(target, **kwargs), api


def test_typical_pr_costs_at_most_15_calls(fake: FakeGitHub) -> None:
    facts, api = collect(fake)
    get_calls = fake.calls("GET")
    assert len(facts.files) == 20 and len(facts.reviews) == 5 and len(facts.checks) == 3
    assert len(get_calls) == len(fake.requests) == api.calls
    assert len(get_calls) <= 15, [r["path"] for r in get_calls]
    # Every list endpoint asked for 100 items per page.
    for r in get_calls:
        if r["path"].endswith(("/files", "/commits", "/reviews", "/check-runs", "/members")):
            assert "per_page=100" in r["query"]
    assert all(r["authorization"] for r in fake.requests)
    evaluation = evaluate(policy_for_facts(facts), facts)
    assert evaluation.verdict is Verdict.PASS, evaluation.summary


def test_policy_and_codeowners_are_read_at_the_base_sha(fake: FakeGitHub) -> None:
    facts, _ = collect(fake)
    contents = fake.calls("GET", "/contents/")
    assert contents and all(f"ref={sc.BASE_SHA}" in r["query"] for r in contents)
    assert facts.policy.base.state == "present" and "min_approvals: 2" in facts.policy.base.content
    assert facts.policy.head is None  # the PR does not touch the policy: no head read
    assert facts.codeowners.path == ".github/CODEOWNERS"


def test_every_list_is_paginated_to_the_end(scenario: dict[str, Any]) -> None:
    pr = scenario["repos"]["acme/web"]["pulls"]["7"]
    pr["files"] = [sc.file_entry(f"docs/page_{i}.md") for i in range(250)] + pr["files"]
    pr["pull"]["changed_files"] = len(pr["files"])
    server = FakeGitHub(scenario).start()
    try:
        facts, _ = collect(server)
    finally:
        server.stop()
    assert len(facts.files) == 270 and not facts.files_truncated
    pages = [r["query"] for r in server.calls("GET", "/pulls/7/files")]
    assert len(pages) == 3 and "page=3" in pages[-1]


def test_files_beyond_the_api_limit_are_flagged_truncated(scenario: dict[str, Any]) -> None:
    pr = scenario["repos"]["acme/web"]["pulls"]["7"]
    pr["files"] = [sc.file_entry(f"f/{i}.txt") for i in range(3005)]
    pr["pull"]["changed_files"] = 3005
    server = FakeGitHub(scenario).start()
    try:
        facts, _ = collect(server)
    finally:
        server.stop()
    assert len(facts.files) == 3000 and facts.files_truncated
    evaluation = evaluate(policy_for_facts(facts), facts)
    assert next(r for r in evaluation.results if r.control == "policy_change").status is Status.UNOBSERVABLE


def test_classic_protection_403_is_unobservable_with_the_permission(fake: FakeGitHub) -> None:
    facts, _ = collect(fake)
    rules = facts.branch_rules
    assert rules.sources_read == ("rulesets",)
    assert rules.required_approvals == 2 and rules.blocks_force_push and rules.requires_code_owner_review
    assert "administration" in rules.unreadable[0].permission_needed
    # The token's refusal is remembered: the ledger branch does not ask again.
    assert len(fake.calls("GET", "/protection")) == 1
    assert facts.ledger_rules.restricts_updates and facts.ledger_rules.unreadable


def test_a_merged_pr_is_judged_as_it_stood_at_merge(scenario: dict[str, Any]) -> None:
    repo = scenario["repos"]["acme/web"]
    pr = repo["pulls"]["7"]
    merge_sha = sc.sha("merge7")
    pr["pull"].update(merged=True, merged_at="2026-11-20T13:00:00Z", merge_commit_sha=merge_sha, state="closed")
    pr["reviews"].append(sc.review(9, "erin", "CHANGES_REQUESTED", sc.HEAD_SHA, "2026-11-21T09:00:00Z"))
    repo["commits"] = {merge_sha: sc.commit(merge_sha, login="carol", parents=(sc.BASE_SHA, sc.HEAD_SHA))}
    server = FakeGitHub(scenario).start()
    try:
        facts, _ = collect(server, as_of="2026-11-20T13:00:00Z")
    finally:
        server.stop()
    assert 9 not in {r.id for r in facts.reviews}
    assert facts.observed_at == "2026-11-20T13:00:00Z" and facts.merge.merged
    assert evaluate(policy_for_facts(facts), facts).verdict is Verdict.PASS


def test_team_membership_needing_read_org_is_unobservable(scenario: dict[str, Any]) -> None:
    scenario["teams"]["acme/core"] = "forbidden"
    server = FakeGitHub(scenario).start()
    try:
        facts, _ = collect(server)
    finally:
        server.stop()
    team = facts.teams[0]
    assert not team.observable and "read:org" in team.reason
    result = next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "code_owners")
    assert result.status is not Status.PASS


def test_unknown_pr_names_the_permission(fake: FakeGitHub) -> None:
    with pytest.raises(ChangeproofError) as info:
        collect(fake, Target("acme/web", 999))
    assert info.value.exit_code == 2 and "pull-requests: read" in info.value.fix


def test_cli_collect_writes_facts_that_evaluate(fake: FakeGitHub, tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "facts.json"
    env = {**os.environ, "GITHUB_TOKEN": "ghs_token", "CHANGEPROOF_API_THROTTLE": "0"}
    cli = [sys.executable, "-c", "from checker.cli import main; main()"]
    collected = subprocess.run(
        [*cli, "github", "collect", "acme/web", "7", "--api-url", fake.base_url, "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collected.returncode == 0, collected.stderr
    evaluated = subprocess.run(
        [*cli, "evaluate", "--facts", str(out)], env=env, capture_output=True, text=True, timeout=120
    )
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    missing = subprocess.run(
        [*cli, "github", "collect", "acme/web", "7", "--api-url", fake.base_url],
        env={k: v for k, v in env.items() if k != "GITHUB_TOKEN"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "GITHUB_TOKEN" in missing.stderr


def test_commits_beyond_the_api_limit_are_flagged_truncated(scenario: dict[str, Any]) -> None:
    pr = scenario["repos"]["acme/web"]["pulls"]["7"]
    first = pr["commits"][0]
    pr["commits"] = [dict(first, sha=sc.sha(f"c{i}")) for i in range(259)] + [pr["commits"][-1]]
    pr["pull"]["commits"] = 260
    server = FakeGitHub(scenario).start()
    try:
        facts, _ = collect(server)
    finally:
        server.stop()
    assert len(facts.commits) == 250 and facts.commits_truncated
    result = next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "peer_review")
    assert result.status is Status.UNOBSERVABLE and "250" in result.message
