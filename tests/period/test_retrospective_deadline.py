"""`emergency_change.review_within_days` (default 5): an emergency merge whose deadline passes
without an independent approval becomes an exception entry (once, by the scheduled run), and so
does one whose approval comes after the deadline; export coverage and reconcile show them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from audit_helpers import BRANCH, run_cli
from period_world import World, export_json

from checker.evidence import read_entries

RUN_DAYS = ("02", "03", "04", "05", "06", "07", "08", "09", "10")


def git(repo: Path, *args: str, date: str = "2026-11-01T09:00:00Z") -> str:
    person = (("NAME", "Bob"), ("EMAIL", "bob@example.com"))
    who = {f"GIT_{r}_{k}": v for r in ("AUTHOR", "COMMITTER") for k, v in person}
    env = {**os.environ, **who, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def audited_repository(tmp: Path) -> tuple[Path, dict[int, tuple[str, str]]]:
    """A real history with four emergency hotfixes (PR -> (merge sha, merged_at))."""
    repo = tmp / "payments"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("payments\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "initial", date="2026-10-01T09:00:00Z")
    merges = {}
    for pr, day in ((3, "01"), (4, "02"), (5, "03"), (6, "04")):
        when = f"2026-11-{day}T10:00:00Z"
        (repo / f"fix{pr}").write_text(f"{pr}\n")
        git(repo, "add", f"fix{pr}")
        git(repo, "commit", "-q", "-m", f"PAY-{pr} hotfix (#{pr})", date=when)
        merges[pr] = (git(repo, "rev-parse", "HEAD"), when)
    return repo, merges


def test_late_and_missing_retrospectives_are_exceptions(world: World, tmp_path: Path) -> None:
    repo, merges = audited_repository(tmp_path)
    world.run("2026-11-01T06:00:00Z")
    for pr in (3,):
        world.emergency_merge(pr, merges[pr][1], merges[pr][0])
    runs = []
    for day in RUN_DAYS:
        runs.append(world.run(f"2026-11-{day}T06:00:00Z"))
        if day == "02":
            world.emergency_merge(4, merges[4][1], merges[4][0])
        if day == "03":
            world.emergency_merge(5, merges[5][1], merges[5][0])
        if day == "04":
            world.emergency_merge(6, merges[6][1], merges[6][0])
        if day == "05":
            world.approve(6, "carol", "2026-11-05T09:00:00Z", 9006)  # in time (deadline the 9th)
        if day == "07":
            world.approve(4, "carol", "2026-11-07T12:00:00Z", 9004)  # 2 h after its deadline
        if day == "08":
            world.approve(3, "carol", "2026-11-08T08:00:00Z", 9003)  # after its overdue exception
    scans = {day: r["retrospectives"] for day, r in zip(RUN_DAYS, runs, strict=True)}
    assert scans["07"]["exceptions"] == 1 and scans["08"]["exceptions"] == 1 and scans["09"]["exceptions"] == 1
    assert scans["10"]["exceptions"] == 0 and scans["10"]["overdue"] == [
        {"pr": 5, "merged_at": "2026-11-03T10:00:00Z", "deadline": "2026-11-08T10:00:00Z"}
    ]  # still overdue, but its exception was appended once, on the 9th

    entries = list(read_entries(str(world.ledger), BRANCH))
    flagged = [e.predicate for e in entries if e.predicate.get("source") == "retrospectives"]
    assert [(p["pr"], p["reason"], p["observed_at"], p["deadline"]) for p in flagged] == [
        (3, "emergency retrospective overdue", "2026-11-07T06:00:00Z", "2026-11-06T10:00:00Z"),
        (4, "emergency retrospective late", "2026-11-08T06:00:00Z", "2026-11-07T10:00:00Z"),
        (5, "emergency retrospective overdue", "2026-11-09T06:00:00Z", "2026-11-08T10:00:00Z"),
    ]
    assert flagged[1]["approval"]["reviewer"] == "carol" and flagged[0]["approval"] is None
    original = next(e for e in entries if e.predicate.get("kind") == "merge" and e.predicate.get("pr") == 3)
    assert flagged[0]["original"] == {"seq": original.seq, "entry_hash": original.entry_hash}
    assert flagged[0]["commits"] == [merges[3][0]]

    doc = export_json(world, tmp_path / "e.json", "2026-11-01", "2026-11-10")
    (cov,) = doc["coverage"]
    e = cov["emergencies"]
    assert (e["closed_in_time"], e["closed_late"], e["open"]) == (1, 2, 1)
    states = {i["pr"]: (i["state"], (i["exception"] or {}).get("reason")) for i in e["items"]}
    assert states == {
        3: ("closed_late", "emergency retrospective overdue"),
        4: ("closed_late", "emergency retrospective late"),
        5: ("open", "emergency retrospective overdue"),
        6: ("closed_in_time", None),
    }
    rows = [r for r in doc["rows"] if r["kind"] == "exception"]
    assert sorted((r["pr"], r["exception"]) for r in rows) == [
        (3, "emergency retrospective overdue"),
        (4, "emergency retrospective late"),
        (5, "emergency retrospective overdue"),
    ]

    reconciled = run_cli(
        "reconcile", "--repo", str(repo), "--branch", "main", "--ledger", str(world.ledger),
        "--ledger-branch", BRANCH, "--key", str(world.keys.public), "--from", "2026-11-01", "--to", "2026-11-10",
        "--out", str(tmp_path / "p.json"),
    )  # fmt: skip
    assert reconciled.returncode == 1, reconciled.stdout + reconciled.stderr  # exceptions found
    population = json.loads((tmp_path / "p.json").read_text())
    by_pr = {c["pr"]: c["exception"] for c in population["changes"] if c["emergency"]}
    assert by_pr[6] is None
    for pr, reason in ((3, "overdue"), (4, "late"), (5, "overdue")):
        assert by_pr[pr].startswith(f"emergency retrospective {reason} (recorded by the scheduled run, entry "), pr
