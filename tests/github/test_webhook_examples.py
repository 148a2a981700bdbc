"""GitHub's example payloads of every event the README's workflows subscribe to, through entrypoint.py.

Each run ends in a verdict for the right PR of the fake's repository, or in one clear line (no
traceback). The fake validates every request and response against GitHub's REST description.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import run_action
from webhooks import Example, retarget, scenario_for, subscribed_examples

from checker.github import events

EXAMPLES = subscribed_examples()


def test_every_subscribed_event_has_examples() -> None:
    assert {e.event for e in EXAMPLES} >= {
        "pull_request",
        "pull_request_review",
        "merge_group",
        "workflow_run",
        "check_suite",
        "workflow_dispatch",
        "push",
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_payload_ends_in_a_verdict_for_the_right_pr_or_one_clear_line(example: Example, tmp_path: Path) -> None:
    fake = FakeGitHub(scenario_for(example)).start()
    try:
        run = run_action(tmp_path, fake.base_url, example.event, example.payload)
    finally:
        fake.stop()
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.commands("error") + run.commands("warning") + run.commands("notice")
    if example.event in ("push", "workflow_dispatch"):
        # The record job for a tag or a branch creation, a dispatch without the pr input: one clear line.
        assert run.code in (0, 2), run.stdout + run.stderr
        assert lines, run.stdout
        assert all("\n" not in line and len(line) < 600 for line in lines)
        return
    assert run.code in (0, 1), run.stdout + run.stderr
    report = run.report()
    assert [e["number"] for e in report["evaluations"]] == [example.number], run.stdout
    assert report["evaluations"][0]["head_sha"] == sc.HEAD_SHA
    assert run.code == 0 and run.outputs["verdict"] == "pass", run.summary  # the typical PR passes


def test_workflow_run_example_with_a_foreign_pr_is_not_evaluated_as_ours() -> None:
    """GitHub's example lists Codertocat/Hello-World#2 for a run in octo-org/octo-repo."""
    from fakegithub.openapi import webhook_examples

    raw = next(
        x
        for x in webhook_examples()["workflow_run"]
        if x["workflow_run"]["pull_requests"] and x["repository"]["full_name"] == "octo-org/octo-repo"
    )
    assert raw["workflow_run"]["pull_requests"][0]["base"]["repo"]["url"].endswith("/Codertocat/Hello-World")
    parsed = events.parse("workflow_run", raw)
    assert parsed.numbers == () and parsed.head_branch == "master" and parsed.head_owner == "octo-org"
    example = retarget("workflow_run", 0, raw)
    assert example.number == 7  # found by head branch and sha, never octo-org/octo-repo#2


def test_fork_head_finds_the_pr_by_head_owner_and_branch(tmp_path: Path) -> None:
    """For a fork head GitHub sends no pull_requests; the gate asks pulls?head=owner:branch."""
    from fakegithub.openapi import webhook_examples

    raw = next(x for x in webhook_examples()["workflow_run"] if x["action"] == "completed")
    raw["workflow_run"]["pull_requests"] = []
    raw["workflow_run"]["head_repository"]["owner"]["login"] = "mallory"
    raw["workflow_run"]["head_repository"]["full_name"] = "mallory/octo-repo"
    example = retarget("workflow_run", 0, raw)
    assert example.head_owner == "mallory"
    data = scenario_for(example)
    data["repos"][sc.REPO]["commit_pulls"] = {}  # only the head lookup can find it
    fake = FakeGitHub(data).start()
    try:
        run = run_action(tmp_path, fake.base_url, "workflow_run", example.payload)
    finally:
        fake.stop()
    assert [e["number"] for e in run.report()["evaluations"]] == [7], run.stdout + run.stderr
    lookups = fake.calls("GET", "/repos/acme/web/pulls")
    assert any(f"head=mallory%3A{example.head_branch}" in r["query"] for r in lookups), lookups


def test_a_head_commit_github_does_not_know_here_finds_no_pr_in_one_line(tmp_path: Path) -> None:
    """A fork's head commit is not in the base repository: GitHub answers 422 to commits/{sha}/pulls."""
    from fakegithub.openapi import webhook_examples

    raw = next(x for x in webhook_examples()["workflow_run"] if x["action"] == "completed")
    raw["workflow_run"]["pull_requests"] = []
    example = retarget("workflow_run", 0, raw)
    data = scenario_for(example)
    data["repos"][sc.REPO]["pulls"] = {}  # no open PR from that head
    fake = FakeGitHub(data).start()
    fake.add_fault(
        path=f"/commits/{sc.HEAD_SHA}/pulls$",
        status=422,
        body={
            "message": f"No commit found for SHA: {sc.HEAD_SHA}",
            "documentation_url": "https://docs.github.com/rest",
        },
        times=5,
    )
    try:
        run = run_action(tmp_path, fake.base_url, "workflow_run", example.payload)
    finally:
        fake.stop()
    assert run.code == 0, run.stdout + run.stderr
    assert run.commands("notice") == [f"::notice title=changeproof::no open pull request has head {sc.HEAD_SHA[:12]}"]
