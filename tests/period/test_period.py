"""Ten simulated days against the local GitHub: one weakening restored two days later, one bypass
push, one emergency closed in time and one left open, one day without a run. The export's
coverage figures are checked exactly, from the signed ledger alone."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from audit_helpers import BRANCH, make_keys, run_cli
from period_world import READ_TOKEN, World

from checker.evidence import load_signer

PERIOD = ("--from", "2026-11-01", "--to", "2026-11-10")
RUN_DAYS = ("01", "02", "03", "04", "05", "07", "08", "09", "10")  # no run on the 6th


def simulate(world: World, token: str | None = None) -> list[dict[str, Any]]:
    """The period's events between the daily 06:00 runs; returns each run's summary."""
    out = []
    record_key = make_keys(world.tmp / "keys", "record")
    world.recorder.signer = load_signer("key", str(record_key.private))  # the record job's own key
    for day in RUN_DAYS:
        out.append(world.run(f"2026-11-{day}T06:00:00Z", token=token))
        if day == "02":
            world.emergency_merge(3, "2026-11-02T10:00:00Z")
        if day == "03":
            world.update_ruleset(11, "2026-11-03T10:00:00Z", 502, approvals=1)  # mallory lowers approvals
            world.emergency_merge(4, "2026-11-03T10:00:00Z")
        if day == "04":
            world.approve(3, "carol", "2026-11-04T08:00:00Z", 9001)
            world.bypass_push(7001, "2026-11-04T12:00:00Z", "mallory", "a" * 40, "b" * 40)
        if day == "05":
            world.update_ruleset(11, "2026-11-05T09:00:00Z", 501, approvals=2)  # ops-admin restores them
    return out


def export(world: World, tmp: Path, fmt: str = "json", *extra: str) -> Any:
    out = tmp / f"export.{fmt}"
    result = run_cli(
        "export",
        "--ledger",
        str(world.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(world.tmp / "keys" / "record.pub"),
        "--posture-key",
        str(world.keys.public),
        *PERIOD,
        "--format",
        fmt,
        "--out",
        str(out),
        *extra,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(out.read_text()) if fmt == "json" else out


def test_period_coverage_exact_figures(world: World, tmp_path: Path) -> None:
    runs = simulate(world)
    assert [r["posture"]["results"]["branch_rules"] for r in runs] == ["pass"] * 9
    assert runs[3]["posture"]["weakenings"][0]["actor"] == "mallory"
    assert world.mutating_requests() == []  # collection made GET requests only

    doc = export(world, tmp_path)
    (cov,) = doc["coverage"]
    assert cov["repository"] == "acme/payments"
    assert (cov["days_in_period"], cov["days_observed"], cov["days_self_asserted"]) == (10, 0, 9)
    assert cov["posture_changes"] == [
        {
            "at": "2026-11-03T10:00:00Z",
            "ruleset_id": 11,
            "field": "rules.pull_request.required_approving_review_count",
            "before": 2,
            "after": 1,
            "actor": "mallory",
        },
        {
            "at": "2026-11-05T09:00:00Z",
            "ruleset_id": 11,
            "field": "rules.pull_request.required_approving_review_count",
            "before": 1,
            "after": 2,
            "actor": "ops-admin",
        },
    ]
    assert cov["weakenings"] == [{**cov["posture_changes"][0], "why": "fewer required approvals (2 -> 1)"}]
    assert cov["bypasses"] == [
        {
            "at": "2026-11-04T12:00:00Z",
            "actor": "mallory",
            "ref": "refs/heads/main",
            "before_sha": "a" * 40,
            "after_sha": "b" * 40,
            "rule_suite_id": 7001,
        }
    ]
    emergencies = cov["emergencies"]
    assert (emergencies["closed_in_time"], emergencies["closed_late"], emergencies["open"]) == (1, 0, 1)
    closed = next(i for i in emergencies["items"] if i["pr"] == 3)
    assert closed["approval"]["reviewer"] == "carol" and closed["approval"]["submitted_at"] == "2026-11-04T08:00:00Z"
    assert cov["gate_integrity_changes"] == []
    assert cov["unobservable"] == [
        {
            "what": "posture",
            "why": "no posture entry from the trusted posture key on these days (no run, or another key)",
            "from": "2026-11-06T00:00:00Z",
            "to": "2026-11-06T23:59:59Z",
        },
        {
            "what": "admin bypass of environment changeproof-evidence",
            "why": "GitHub does not return whether administrators may bypass an environment's protection",
            "from": "2026-11-01T06:00:00Z",
            "to": "2026-11-10T06:00:00Z",
        },
        {
            "what": "who changed environment changeproof-evidence",
            "why": "GitHub keeps no history of environment changes: a change is seen at the next run, "
            "without its author",
            "from": "2026-11-01T06:00:00Z",
            "to": "2026-11-10T06:00:00Z",
        },
    ]
    assert cov["untrusted_period_entries"] == []

    path = export(world, tmp_path, "csv")
    rows = list(csv.DictReader((path.parent / "export-coverage.csv").open()))
    assert [(r["repository"], r["days_in_period"], r["days_self_asserted"], r["emergencies_open"]) for r in rows] == [
        ("acme/payments", "10", "9", "1")
    ]
    assert json.loads(rows[0]["bypasses"])[0]["rule_suite_id"] == 7001

    html = export(world, tmp_path, "html").read_text()
    timeline = html.split('<svg xmlns="http://www.w3.org/2000/svg" class="coverage-timeline"', 1)[1].split("</svg>")[0]
    assert timeline.count("<rect") == 10 and "2026-11-06: gap" in timeline and "2026-11-05: self-asserted" in timeline
    assert "fewer required approvals (2 -&gt; 1) by mallory" in timeline  # a weakening marker, escaped


def test_retrospective_entry_names_the_original_entry_and_the_approval(world: World) -> None:
    simulate(world)
    from checker.evidence import read_entries

    entries = list(read_entries(str(world.ledger), BRANCH))
    (retro,) = [e for e in entries if e.predicate_type.endswith("/retrospective/v1")]
    original = next(e for e in entries if e.predicate.get("kind") == "merge" and e.predicate.get("pr") == 3)
    assert retro.predicate["original"] == {"seq": original.seq, "entry_hash": original.entry_hash}
    assert retro.predicate["approval"]["reviewer"] == "carol"
    assert retro.predicate["in_time"] is True and retro.predicate["deadline"] == "2026-11-07T10:00:00Z"
    bypasses = [e for e in entries if e.predicate.get("reason") == "bypass"]
    assert len(bypasses) == 1  # seen by three runs (the 5th, 7th, 8th ...), recorded once


def test_github_token_cannot_read_bypasses_so_they_are_null_not_none(world: World, tmp_path: Path) -> None:
    simulate(world, token=READ_TOKEN)
    (cov,) = export(world, tmp_path)["coverage"]
    assert cov["bypasses"] is None
    what = {u["what"]: (u["from"], u["to"]) for u in cov["unobservable"]}
    for gap in ("rule suites (bypasses)", "ruleset history", "bypass actors of ruleset 11"):
        assert what[gap] == ("2026-11-01T06:00:00Z", "2026-11-10T06:00:00Z"), gap
    # without history the weakening is still seen, at the next run and without an actor
    assert [(w["at"], w["actor"], w["before"], w["after"]) for w in cov["weakenings"]] == [
        ("2026-11-04T06:00:00Z", None, 2, 1)
    ]


def test_posture_entries_signed_by_another_key_count_for_nothing(world: World, tmp_path: Path) -> None:
    world.run("2026-11-01T06:00:00Z")
    other = make_keys(tmp_path / "other", "repo-admin")
    world.keys, real = other, world.keys  # the audited repository's admin signs a posture
    world.run("2026-11-02T06:00:00Z")
    world.keys = real
    result = run_cli(
        "verify", "--ledger", str(world.ledger), "--branch", BRANCH, "--key", str(other.public),
        "--posture-key", str(real.public),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not counted: entry 1 (posture, 2026-11-02T06:00:00Z)" in result.stdout
    out = tmp_path / "e.json"
    result = run_cli(
        "export", "--ledger", str(world.ledger), "--branch", BRANCH, "--key", str(other.public),
        "--posture-key", str(real.public), "--from", "2026-11-01", "--to", "2026-11-02", "--format", "json",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (cov,) = json.loads(out.read_text())["coverage"]
    assert (cov["days_in_period"], cov["days_observed"], cov["days_self_asserted"]) == (2, 0, 1)
    assert [u["seq"] for u in cov["untrusted_period_entries"]] == [1]


def test_verify_reperforms_posture_entries(world: World) -> None:
    simulate(world)
    result = run_cli(
        "verify", "--ledger", str(world.ledger), "--branch", BRANCH, "--key", str(world.tmp / "keys" / "record.pub"),
        "--posture-key", str(world.keys.public), "--reperform", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    period = json.loads(result.stdout)["period"]
    assert period["reperformed"] == 9 and period["problems"] == [] and period["untrusted"] == []
