"""Export requires the witnesses to cover the period it lists, not entries appended after it."""

from __future__ import annotations

from pathlib import Path

from audit_helpers import BRANCH, Keys, Recorder, pr_facts, run_cli


def test_export_needs_witnesses_through_the_end_of_its_period(recorder: Recorder, keys: Keys, tmp_path: Path) -> None:
    for n in (1, 2):
        recorder.record(pr_facts(n, f"PAY-{n}", merged_at=f"2026-11-1{n}T10:00:00Z", merge_sha=f"{n}" * 40))
    wkeys, state = tmp_path / "wk", tmp_path / "state"
    assert run_cli("keygen", "--witness", "--name", "w.example", "--out", str(wkeys)).returncode == 0
    proc = run_cli(
        "witness", "--ledger", str(recorder.ledger), "--branch", BRANCH, "--log-key", str(keys.public),
        "--state", str(state), "--key", str(wkeys / "witness.key"), "--name", "w.example",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    recorder.record(pr_facts(3, "PAY-3", merged_at="2026-12-02T10:00:00Z", merge_sha="3" * 40))  # not yet witnessed

    def export(end: str) -> object:
        return run_cli(
            "export", "--ledger", str(recorder.ledger), "--branch", BRANCH, "--key", str(keys.public),
            "--from", "2026-11-01", "--to", end, "--format", "json", "--out", str(tmp_path / f"{end}.json"),
            "--witness-key", str(wkeys / "witness.vkey"), "--witness-state", str(state),
        )  # fmt: skip

    november = export("2026-11-30")
    assert november.returncode == 0, november.stderr  # type: ignore[attr-defined]
    december = export("2026-12-31")
    assert december.returncode == 1 and "Traceback" not in december.stderr  # type: ignore[attr-defined]
    assert "entry 2, the last of the period, is not covered" in december.stderr  # type: ignore[attr-defined]
