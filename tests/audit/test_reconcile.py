"""Reconcile against a real git repository: a direct push, a failed evaluation merged anyway, an admin
bypass and a rebase merge of three commits."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from audit_fakeapi import FakeGitHub, serve
from audit_helpers import ALICE, BRANCH, Keys, Recorder, pr_facts, run_cli

from checker.model import Commit


def git(
    repo: Path,
    *args: str,
    date: str = "2026-11-01T10:00:00Z",
    author: str = "Alice Liddell",
    email: str = "alice@example.com",
) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": email,
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def commit(repo: Path, name: str, message: str, **kw: str) -> str:
    (repo / name).write_text(message + "\n")
    git(repo, "add", name, **kw)
    git(repo, "commit", "-q", "-m", message, **kw)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def history(tmp_path: Path, recorder: Recorder) -> dict[str, Any]:
    repo = tmp_path / "payments"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    h: dict[str, Any] = {"repo": repo}
    h["c0"] = commit(repo, "README", "initial", date="2026-10-01T09:00:00Z")
    # PR 1: a well-run PR, merge commit
    git(repo, "checkout", "-q", "-b", "f1")
    commit(repo, "a.py", "PAY-1 feature", date="2026-11-02T09:00:00Z")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "f1", date="2026-11-03T09:00:00Z")
    h["m1"] = git(repo, "rev-parse", "HEAD")
    # a direct push whose commit date is forged to lie before the period
    h["d"] = commit(
        repo,
        "b.py",
        "hotfix straight to main",
        date="2026-09-15T09:00:00Z",
        author="Mallory",
        email="mallory@example.com",
    )
    # PR 2: the gate passed, the merge-time evaluation failed, merged anyway
    git(repo, "checkout", "-q", "-b", "f2")
    commit(repo, "c.py", "PAY-2 change", date="2026-11-04T09:00:00Z")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge pull request #2", "f2", date="2026-11-05T09:00:00Z")
    h["m2"] = git(repo, "rev-parse", "HEAD")
    # PR 3: squash-merged by an admin while failing, no gate pass
    h["s3"] = commit(repo, "d.py", "PAY-3 risky (#3)", date="2026-11-06T09:00:00Z")
    # PR 4: rebase-merged, three commits
    h["r"] = [commit(repo, f"e{n}.py", f"PAY-4 part {n}", date="2026-11-07T09:00:00Z") for n in (1, 2, 3)]

    pr4_commits = tuple(
        Commit(f"{n}" * 40, ALICE, ALICE, (f"{n - 1}" * 40,), f"PAY-4 part {n}", True, "valid") for n in (1, 2, 3)
    )
    recorder.record(pr_facts(1, "PAY-1 feature", merged_at=None), "gate")
    recorder.record(pr_facts(1, "PAY-1 feature", merged_at="2026-11-03T09:00:00Z", merge_sha=h["m1"]))
    recorder.record(pr_facts(2, "PAY-2 change", merged_at=None), "gate")
    recorder.record(pr_facts(2, "PAY-2 change", merged_at="2026-11-05T09:00:00Z", merge_sha=h["m2"], approved=False))
    recorder.record(pr_facts(3, "PAY-3 risky", merged_at=None, approved=False), "gate")
    recorder.record(
        pr_facts(
            3,
            "PAY-3 risky",
            merged_at="2026-11-06T09:00:00Z",
            merge_sha=h["s3"],
            approved=False,
            merged_by="root-admin",
        )
    )
    recorder.record(
        pr_facts(4, "PAY-4 in parts", merged_at="2026-11-07T09:00:00Z", merge_sha=h["r"][2], commits=pr4_commits)
    )
    return h


def activity(h: dict[str, Any]) -> list[dict[str, Any]]:
    def event(n: int, before: str, after: str, at: str, kind: str, actor: str = "alice") -> dict[str, Any]:
        return {
            "id": n,
            "before": before,
            "after": after,
            "ref": "refs/heads/main",
            "timestamp": at,
            "activity_type": kind,
            "actor": {"login": actor},
        }

    return [
        event(1, "0" * 40, h["c0"], "2026-10-01T09:00:05Z", "push"),
        event(2, h["c0"], h["m1"], "2026-11-03T09:00:05Z", "pr_merge"),
        event(3, h["m1"], h["d"], "2026-11-04T12:00:00Z", "push", "mallory"),
        event(4, h["d"], h["m2"], "2026-11-05T09:00:05Z", "pr_merge"),
        event(5, h["m2"], h["s3"], "2026-11-06T09:00:05Z", "pr_merge", "root-admin"),
        event(6, h["s3"], h["r"][2], "2026-11-07T09:00:05Z", "pr_merge"),
    ]


def pulls(h: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    def pr(n: int) -> list[dict[str, Any]]:
        return [{"number": n, "state": "closed", "merged_at": "2026-11-07T09:00:00Z"}]

    return {h["m1"]: pr(1), h["m2"]: pr(2), h["s3"]: pr(3), **{sha: pr(4) for sha in h["r"]}}


def reconcile(
    h: dict[str, Any], recorder: Recorder, keys: Keys, out: Path, *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = run_cli(
        "reconcile",
        "--repo",
        str(h["repo"]),
        "--branch",
        "main",
        "--ledger",
        str(recorder.ledger),
        "--ledger-branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        str(out),
        *extra,
    )
    return proc, json.loads(out.read_text()) if out.exists() else {}


def test_exactly_the_three_gaps_and_the_rebase_merge_as_one_change(
    history: dict[str, Any], recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    app = FakeGitHub("acme/payments", activity(history), pulls(history))
    with serve(app) as url:
        proc, population = reconcile(history, recorder, keys, tmp_path / "population.json", "--api-url", url)
    assert proc.returncode == 1, proc.stderr
    assert population["time_source"] == "activity"
    exceptions = {c["tip"]: c["exception"] for c in population["changes"] if c["exception"]}
    assert set(exceptions) == {history["d"], history["m2"], history["s3"]}
    assert exceptions[history["d"]].startswith("direct push")
    assert "merge-time evaluation was fail" in exceptions[history["m2"]]
    assert exceptions[history["s3"]].startswith("admin bypass") and "root-admin" in exceptions[history["s3"]]
    rebase = [c for c in population["changes"] if c["pr"] == 4]
    assert len(rebase) == 1 and rebase[0]["commits"] == history["r"] and rebase[0]["exception"] is None
    assert rebase[0]["record"]["verdict"] == "pass"
    assert [c["id"] for c in population["changes"]] == [
        "acme/payments#1",
        f"acme/payments@{history['d']}",
        "acme/payments#2",
        "acme/payments#3",
        "acme/payments#4",
    ]
    direct = population["changes"][1]
    assert direct["pushed_at"] == "2026-11-04T12:00:00Z" and direct["time_source"] == "activity"
    assert population["total"] == 5 and population["exceptions"] == 3
    assert any("page=2" in r for r in app.requests), "the activity list is paginated"
    assert "EXCEPTION" in proc.stdout and "GAPS: 3 exception(s)" in proc.stdout
    assert "commit(s), pushed 2026-11-04T12:00:00Z)" in proc.stdout


def test_without_the_activity_api_it_falls_back_to_commit_dates_and_says_so(
    history: dict[str, Any], recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    proc, population = reconcile(history, recorder, keys, tmp_path / "population.json")
    assert population["time_source"] == "commit date"
    assert "forge" in population["time_source_note"] and "commit date" in proc.stdout
    assert "commit(s), committed " in proc.stdout and ", pushed " not in proc.stdout  # a commit date is no push time
    # the forged commit date hides the direct push from the period: exactly why push times matter
    tips = {c["tip"] for c in population["changes"] if c["exception"]}
    assert tips == {history["m2"], history["s3"]}
    assert [c["commits"] for c in population["changes"] if c["pr"] == 4] == [history["r"]]


def test_activity_api_missing_falls_back(
    history: dict[str, Any], recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    app = FakeGitHub("other/repo", [], {})  # every acme/payments path answers 404
    with serve(app) as url:
        proc, population = reconcile(history, recorder, keys, tmp_path / "p.json", "--api-url", url)
    assert proc.returncode == 1
    assert population["time_source"] == "commit date"
    assert "not available (HTTP 404)" in population["time_source_note"]


def test_force_push_in_the_activity_is_an_exception(
    history: dict[str, Any], recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    events = activity(history)
    events.append(
        {
            "id": 7,
            "before": "9" * 40,
            "after": history["r"][2],
            "ref": "refs/heads/main",
            "timestamp": "2026-11-08T10:00:00Z",
            "activity_type": "force_push",
            "actor": {"login": "mallory"},
        }
    )
    with serve(FakeGitHub("acme/payments", events, pulls(history))) as url:
        _, population = reconcile(history, recorder, keys, tmp_path / "p.json", "--api-url", url)
    forced = [c for c in population["changes"] if c["kind"] == "force_push"]
    assert len(forced) == 1 and "mallory" in forced[0]["title"] and forced[0]["exception"].startswith("force push")


def test_clean_history_exits_zero(tmp_path: Path, recorder: Recorder, keys: Keys) -> None:
    repo = tmp_path / "clean"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    sha = commit(repo, "x", "PAY-9 squash (#9)", date="2026-11-02T09:00:00Z")
    recorder.record(pr_facts(9, "PAY-9", merged_at="2026-11-02T09:00:00Z", merge_sha=sha))
    proc = run_cli(
        "reconcile",
        "--repo",
        str(repo),
        "--ledger",
        str(recorder.ledger),
        "--ledger-branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--out",
        str(tmp_path / "p.json"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RECONCILED" in proc.stdout
