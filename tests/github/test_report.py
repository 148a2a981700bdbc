"""Reporting limits: check-run annotations in batches of 50, the 1 MiB step summary, the verdict."""

from __future__ import annotations

import io
from pathlib import Path

from fakegithub.server import FakeGitHub

from checker.github.api import Api
from checker.github.report import MAX_SUMMARY_BYTES, Reporter, build_annotations, exit_code, status_state
from checker.model import ControlResult, Evaluation, Location, Mode, PolicyMode, Status, Verdict


def evaluation(
    results: tuple[ControlResult, ...], verdict: Verdict = Verdict.FAIL, mode: PolicyMode = PolicyMode.ENFORCE
) -> Evaluation:
    return Evaluation(
        repository="acme/web",
        number=7,
        head_sha="c" * 40,
        base_sha="b" * 40,
        evaluated_at="2026-11-20T10:00:00Z",
        policy_mode=mode,
        verdict=verdict,
        results=results,
        facts_digest="0" * 64,
        policy_digest="1" * 64,
        tool_version="test",
        summary="1 failing",
    )


IAC = ControlResult(
    "iac_misconfig",
    "No new infrastructure misconfigurations",
    Status.FAIL,
    Mode.ENFORCE,
    "120 findings",
    "fix them",
    locations=tuple(Location(f"infra/m{i}.tf", i + 1, i + 2, f"CKV_{i}") for i in range(120)),
)
WARNED = ControlResult("signed_commits", "Verified commit signatures", Status.WARN, Mode.WARN, "unsigned")


def test_check_run_annotations_go_in_batches_of_50(fake: FakeGitHub) -> None:
    reporter = Reporter(Api("t", fake.base_url), "acme/web", out=io.StringIO())
    reporter.check_run("c" * 40, evaluation((IAC,)), "summary")
    run = fake.writes("check_runs")[0]
    assert len(run["annotations"]) == 120 and run["conclusion"] == "failure"
    assert [
        len(r["body"]["output"]["annotations"])
        for r in fake.requests
        if r["path"].endswith("check-runs") or "/check-runs/" in r["path"]
    ] == [50, 50, 20]


def test_runner_annotations_most_important_first_and_capped() -> None:
    out = io.StringIO()
    items = build_annotations(evaluation((WARNED, IAC)))
    assert items[0].level == "error" and items[-1].level == "warning"
    Reporter(None, "acme/web", out=out).annotate(items)
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("::error") for line in lines) == 10
    assert sum(line.startswith("::warning") for line in lines) == 1


def test_summary_stays_within_github_limit(tmp_path: Path) -> None:
    path = tmp_path / "summary"
    path.write_text("x" * (MAX_SUMMARY_BYTES - 5000))
    Reporter(None, "acme/web", out=io.StringIO(), summary_path=str(path)).summary("line\n" * 10000)
    assert path.stat().st_size <= MAX_SUMMARY_BYTES
    assert path.read_text().rstrip().endswith("_Summary truncated at GitHub's 1 MiB limit._")


def test_exit_code_and_status_follow_the_policy_mode() -> None:
    failing = evaluation((IAC,))
    advisory = evaluation((IAC,), mode=PolicyMode.ADVISORY)
    pending = evaluation((), verdict=Verdict.PENDING)
    assert exit_code([failing]) == 1 and status_state(failing)[0] == "failure"
    assert exit_code([advisory]) == 0 and status_state(advisory)[0] == "success"
    assert exit_code([pending]) == 1 and status_state(pending)[0] == "pending"
