"""entrypoint.py as a subprocess with an Actions-like environment, one test per gate event type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import pr_event, run_action

MERGE_GROUP_SHA = "d" * 40


def assert_passed(run: Any, fake: FakeGitHub, shas: tuple[str, ...] = (sc.HEAD_SHA,)) -> None:
    assert run.code == 0, run.stdout + run.stderr
    assert "changeproof: PASS" in run.summary and "Independent peer review" in run.summary
    assert run.outputs["verdict"] == "pass"
    report = run.report()
    assert report["verdict"] == "pass" and report["evaluations"][0]["head_sha"] == sc.HEAD_SHA
    assert run.commands("error") == []
    statuses = fake.writes("statuses")
    assert {s["sha"] for s in statuses} == set(shas)
    assert all(s["state"] == "success" and s["context"] == "changeproof" for s in statuses)


def test_pull_request(fake: FakeGitHub, tmp_path: Path) -> None:
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert_passed(run, fake)
    assert "::add-mask::ghs_faketoken1234567890" in run.stdout
    # The head sha is evaluated, never the test merge commit; the report is in the workspace.
    assert Path(run.outputs["report-json"]).parent == run.workspace / ".changeproof"


def test_pull_request_review(fake: FakeGitHub, tmp_path: Path) -> None:
    payload = {**pr_event(action="submitted"), "review": {"id": 2, "state": "approved"}}
    assert_passed(run_action(tmp_path, fake.base_url, "pull_request_review", payload), fake)


def test_merge_group_reports_on_the_group_head(fake: FakeGitHub, tmp_path: Path) -> None:
    payload = {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": MERGE_GROUP_SHA,
            "base_ref": "refs/heads/main",
            "head_ref": f"refs/heads/gh-readonly-queue/main/pr-7-{sc.BASE_SHA}",
        },
        "repository": {"default_branch": "main"},
    }
    run = run_action(tmp_path, fake.base_url, "merge_group", payload)
    assert_passed(run, fake, shas=(sc.HEAD_SHA, MERGE_GROUP_SHA))


def test_workflow_run_finds_the_pr_by_head_sha(scenario: dict[str, Any], tmp_path: Path) -> None:
    scenario["repos"]["acme/web"]["commit_pulls"] = {sc.HEAD_SHA: [7]}
    fake = FakeGitHub(scenario).start()
    try:
        payload = {"action": "completed", "workflow_run": {"head_sha": sc.HEAD_SHA, "pull_requests": []}}
        run = run_action(tmp_path, fake.base_url, "workflow_run", payload)
        assert_passed(run, fake)
        assert fake.calls("GET", f"/commits/{sc.HEAD_SHA}/pulls")
    finally:
        fake.stop()


def test_check_suite_with_pr_in_payload(fake: FakeGitHub, tmp_path: Path) -> None:
    here = {"id": 4242, "url": "https://api.github.com/repos/acme/web", "name": "web"}
    entry = {"number": 7, "head": {"ref": "feature", "sha": sc.HEAD_SHA, "repo": here}, "base": {"repo": here}}
    payload = {
        "action": "completed",
        "check_suite": {"head_sha": sc.HEAD_SHA, "head_branch": "feature", "pull_requests": [entry]},
        "repository": {"id": 4242, "full_name": "acme/web", "owner": {"login": "acme"}},
    }
    assert_passed(run_action(tmp_path, fake.base_url, "check_suite", payload), fake)


def test_workflow_dispatch_with_pr_input(fake: FakeGitHub, tmp_path: Path) -> None:
    payload = {"inputs": {"pr": "7"}, "repository": {"default_branch": "main"}}
    assert_passed(run_action(tmp_path, fake.base_url, "workflow_dispatch", payload), fake)


def test_workflow_dispatch_without_pr_is_a_usage_error(fake: FakeGitHub, tmp_path: Path) -> None:
    run = run_action(tmp_path, fake.base_url, "workflow_dispatch", {"inputs": {}})
    assert run.code == 2 and run.outputs["verdict"] == "error"
    assert "pr input" in run.summary and fake.writes("statuses") == []


def test_failing_pr_blocks_with_annotations(scenario: dict[str, Any], tmp_path: Path) -> None:
    reviews = scenario["repos"]["acme/web"]["pulls"]["7"]["reviews"]
    reviews[:] = [r for r in reviews if r["user"]["login"] != "carol"]
    fake = FakeGitHub(scenario).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
        assert run.code == 1 and run.outputs["verdict"] == "fail"
        errors = run.commands("error")
        assert any(e.startswith("::error title=changeproof%3A Independent peer review (fail)::") for e in errors)
        # A finding with a location becomes a file annotation (carol owns /infra/ and did not approve).
        assert any("file=infra/deploy.sh" in e and "Code owner approval" in e for e in errors)
        assert "1 of 2 required approvals" in run.summary
        assert fake.writes("statuses")[-1]["state"] == "failure"
    finally:
        fake.stop()


def test_a_pr_cannot_weaken_its_own_policy(scenario: dict[str, Any], tmp_path: Path) -> None:
    repo = scenario["repos"]["acme/web"]
    pr = repo["pulls"]["7"]
    pr["files"].append(sc.file_entry(".github/changeproof.yml"))
    pr["pull"]["changed_files"] += 1
    pr["reviews"] = [r for r in pr["reviews"] if r["user"]["login"] != "carol"]  # one approval left
    repo["contents"][sc.HEAD_SHA][".github/changeproof.yml"] = (
        "version: 1\nmode: advisory\ncontrols:\n  peer_review:\n    mode: off\n  policy_change:\n    mode: off\n"
    )
    fake = FakeGitHub(scenario).start()
    try:
        run = run_action(
            tmp_path, fake.base_url, "pull_request", pr_event(), inputs={"check-run": "true"}
        )  # inputs cannot change the mode either
        assert run.code == 1, run.stdout
        report = run.report()["evaluations"][0]
        assert report["policy_mode"] == "enforce"
        controls = {r["control"]: r["status"] for r in report["results"]}
        # The head policy turned both off; the base policy keeps them on (erin, a code owner, approved
        # the governance change, so policy_change itself passes; the second approval is still missing).
        assert controls["peer_review"] == "fail" and controls["policy_change"] == "pass"
        assert f".github/changeproof.yml@{sc.BASE_SHA[:12]}" in run.summary.replace("\\", "").replace("\u2060", "")
        assert any(f"ref={sc.HEAD_SHA}" in r["query"] for r in fake.calls("GET", "/contents/.github/changeproof.yml"))
    finally:
        fake.stop()


def test_advisory_mode_from_the_base_policy_never_blocks(scenario: dict[str, Any], tmp_path: Path) -> None:
    repo = scenario["repos"]["acme/web"]
    repo["contents"][sc.BASE_SHA][".github/changeproof.yml"] = sc.POLICY.replace(
        "mode: enforce\ncontrols", "mode: advisory\ncontrols"
    )
    repo["pulls"]["7"]["reviews"] = []
    fake = FakeGitHub(scenario).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
        assert run.code == 0 and run.outputs["verdict"] == "fail"
        assert "advisory" in run.summary
        assert run.commands("error") == [] and run.commands("warning")
        assert fake.writes("statuses")[-1]["state"] == "success"
    finally:
        fake.stop()


def test_check_run_and_sticky_comment_are_updated_in_place(fake: FakeGitHub, tmp_path: Path) -> None:
    inputs = {"check-run": "true", "comment": "true"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = run_action(tmp_path / "a", fake.base_url, "pull_request", pr_event(), inputs=inputs)
    second = run_action(tmp_path / "b", fake.base_url, "pull_request", pr_event(), inputs=inputs)
    assert first.code == second.code == 0
    comments = fake.writes("comments")
    assert [c["action"] for c in comments] == ["create", "update"]
    assert comments[0]["id"] == comments[1]["id"] and "changeproof: PASS" in comments[1]["body"]
    runs = fake.writes("check_runs")
    assert len(runs) == 2 and runs[0]["conclusion"] == "success" and runs[0]["head_sha"] == sc.HEAD_SHA


def test_fork_pr_evaluates_reports_and_appends_nothing(scenario: dict[str, Any], tmp_path: Path) -> None:
    scenario["repos"]["acme/web"]["deny_writes"] = True  # a fork's token is read-only
    fake = FakeGitHub(scenario).start()
    try:
        run = run_action(
            tmp_path,
            fake.base_url,
            "pull_request",
            pr_event(fork=True),
            inputs={"signing-mode": "key", "ledger-repository": str(tmp_path / "no-ledger")},
        )
        assert run.code == 0 and run.outputs["verdict"] == "pass"
        assert "ledger-entry" not in run.outputs
        assert "Fork pull request" in run.summary
        assert any("statuses" in w or "commit status" in w for w in run.commands("warning"))
    finally:
        fake.stop()


def test_report_json_is_owned_like_the_workspace(fake: FakeGitHub, tmp_path: Path) -> None:
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    report = Path(run.outputs["report-json"])
    assert report.stat().st_uid == run.workspace.stat().st_uid
    assert json.loads(report.read_text())["api_calls"] <= 15


@pytest.mark.parametrize("job", ["bogus"])
def test_invalid_job_input(fake: FakeGitHub, tmp_path: Path, job: str) -> None:
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event(), inputs={"job": job})
    assert run.code == 2 and "gate" in run.stdout
