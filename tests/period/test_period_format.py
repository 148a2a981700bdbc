"""Period entries (posture, bypass, retrospective) append as entry format 2 where that makes them
smaller; a ledger whose first postures are format 1 (an earlier release) and whose later ones
are format 2 verifies, re-performs and exports the same figures."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import BRANCH, run_cli
from period_world import POSTURE_RUN, World, export_json

from checker.evidence import posture_record, read_entries
from checker.evidence.blobs import FORMAT_FIELD, PLACEHOLDER

IMAGE = "sha256:" + "ab" * 32  # the action image's digest: every entry's evaluator names it


def raw_statement(entry: Any) -> dict[str, Any]:
    """The statement as signed (format 2: blob references, not values)."""
    return json.loads(base64.b64decode(entry.bundle["dsseEnvelope"]["payload"]))  # type: ignore[no-any-return]


def test_mixed_formats_verify_and_export(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world.context = dataclasses.replace(POSTURE_RUN, image_digest=IMAGE)
    with monkeypatch.context() as old_release:  # an earlier release appended every value inline
        old_release.setattr(posture_record, "compact", lambda statement, pointers: (statement, {}))
        world.run("2026-11-01T06:00:00Z")
    world.bypass_push(7001, "2026-11-01T12:00:00Z", "mallory", "a" * 40, "b" * 40)
    world.emergency_merge(3, "2026-11-01T13:00:00Z")
    world.approve(3, "carol", "2026-11-02T08:00:00Z", 9001)
    world.run("2026-11-02T06:00:00Z")
    world.run("2026-11-03T06:00:00Z")

    entries = list(read_entries(str(world.ledger), BRANCH))
    period = [e for e in entries if e.predicate.get("kind") in ("posture", "exception", "retrospective")]
    raws = [raw_statement(e)["predicate"] for e in period]
    kinds = [(e.predicate["kind"], p.get(FORMAT_FIELD, 1)) for e, p in zip(period, raws, strict=True)]
    assert kinds == [("posture", 1), ("exception", 2), ("retrospective", 2), ("posture", 2), ("posture", 2)]
    first, bypass, retro, second, third = raws
    assert "blobs" not in first and first["posture"]["config"]["rulesets"]["11"]["id"] == 11
    assert sorted(second["blobs"]) == sorted(
        [*(f"/posture/config/{k}" for k in ("rulesets", "effective_rules", "ledger", "files", "environment")),
         "/posture/config/merge_settings", "/posture/unobservable", "/results", "/evaluator"]
    )  # fmt: skip
    assert second["posture"]["config"]["rulesets"] == PLACEHOLDER
    assert third["blobs"] == second["blobs"]  # an unchanged day shares every blob with the day before
    assert bypass["blobs"] == retro["blobs"] == {"/evaluator": second["blobs"]["/evaluator"]}
    sizes = [len(base64.b64decode(e.bundle["dsseEnvelope"]["payload"])) for e in period]
    assert sizes[3] < sizes[0] / 2 and sizes[4] < sizes[0] / 2, sizes
    # readers see the same statement whatever the format
    assert period[4].predicate["posture"]["config"] == period[0].predicate["posture"]["config"]
    assert period[1].predicate["rule_suite_id"] == 7001 and period[2].predicate["approval"]["reviewer"] == "carol"

    verified = run_cli(
        "verify", "--ledger", str(world.ledger), "--branch", BRANCH, "--key", str(world.keys.public),
        "--posture-key", str(world.keys.public), "--reperform", "--format", "json",
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["period"]["reperformed"] == 3 and report["period"]["problems"] == []
    assert report["period"]["trusted"] == 5 and report["period"]["untrusted"] == []

    doc = export_json(world, tmp_path / "e.json", "2026-11-01", "2026-11-03")
    (cov,) = doc["coverage"]
    assert (cov["days_in_period"], cov["days_observed"], cov["days_self_asserted"]) == (3, 0, 3)
    assert [b["rule_suite_id"] for b in cov["bypasses"]] == [7001]
    e = cov["emergencies"]
    assert (e["closed_in_time"], e["closed_late"], e["open"]) == (1, 0, 0)
