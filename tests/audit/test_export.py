"""Export of a ledger built by the real append path, checked row by row (CSV, JSON, HTML, CLI)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from audit_helpers import BRANCH, Keys, Recorder, make_keys, pr_facts, review, run_cli

from checker.audit.population import AWAITING


@pytest.fixture
def ledger(recorder: Recorder) -> dict[str, object]:
    """A small but varied history; returns what was recorded, to compare the export against."""
    head = "9f1c2e7a4b5d6c8e0f1a2b3c4d5e6f708192a3b4"
    rec: dict[str, object] = {}
    rec["gate1"], _ = recorder.record(pr_facts(1, "PAY-1 first", merged_at=None, approved=False), "gate")
    rec["merge1"], rec["eval1"] = recorder.record(
        pr_facts(1, "PAY-1 first", merged_at="2026-11-10T10:00:00Z", merge_sha="a" * 40)
    )
    rec["merge2"], _ = recorder.record(
        pr_facts(
            2, '=HYPERLINK("http://evil","x")', merged_at="2026-11-11T10:00:00Z", merge_sha="b" * 40, approved=False
        )
    )
    rec["merge3"], _ = recorder.record(
        pr_facts(
            3, "PAY-3 hotfix", merged_at="2026-11-12T10:00:00Z", merge_sha="c" * 40, approved=False, emergency=True
        )
    )
    rec["merge4"], _ = recorder.record(
        pr_facts(
            4, "PAY-4 hotfix", merged_at="2026-11-13T10:00:00Z", merge_sha="d" * 40, approved=False, emergency=True
        )
    )
    rec["exc"] = recorder.exception("direct push", ("e" * 40,), "d" * 40, "e" * 40, "2026-11-14T10:00:00Z")
    # retrospective review of PR 3: erin approves after the merge; the record job re-records the PR
    late = (review("erin", head, "2026-11-15T09:00:00Z", permission="maintain"),)
    rec["retro3"], _ = recorder.record(
        pr_facts(
            3,
            "PAY-3 hotfix",
            merged_at="2026-11-12T10:00:00Z",
            merge_sha="c" * 40,
            emergency=True,
            reviews=late,
            observed_at="2026-11-15T10:00:00Z",
        )
    )
    # a later approval of PR 4 by its own co-author does not close it
    selfish = (review("dinah", head, "2026-11-15T09:00:00Z"),)
    recorder.record(
        pr_facts(
            4,
            "PAY-4 hotfix",
            merged_at="2026-11-13T10:00:00Z",
            merge_sha="d" * 40,
            emergency=True,
            reviews=selfish,
            observed_at="2026-11-15T10:00:00Z",
        )
    )
    rec["merge5"], _ = recorder.record(
        pr_facts(5, "PAY-5 outside", merged_at="2026-12-20T10:00:00Z", merge_sha="f" * 40)
    )
    return rec


def export(recorder: Recorder, keys: Keys, out: Path, fmt: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "export",
        "--ledger",
        str(recorder.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        fmt,
        "--out",
        str(out),
        *extra,
    )


def test_csv_rows_match_the_recorded_entries(recorder: Recorder, keys: Keys, ledger: dict, tmp_path: Path) -> None:
    out = tmp_path / "population.csv"
    proc = export(recorder, keys, out, "csv")
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["kind"], r["pr"]) for r in rows] == [
        ("pr", "1"),
        ("pr", "2"),
        ("pr", "3"),
        ("pr", "4"),
        ("exception", ""),
    ]
    one, two, three, four, exc = rows
    # PR 1: merge-time record beside the failing gate evaluation that preceded it
    assert one["title"] == "PAY-1 first" and one["author"] == "alice" and one["merged_by"] == "bob"
    assert one["approvals"] == "bob at 2026-11-27T13:40:00Z on 9f1c2e7a4b5d"
    assert one["merged_at"] == "2026-11-10T10:00:00Z" and one["merge_sha"] == "a" * 40
    assert one["required_checks"] == "build=success; unit-tests=success"
    assert one["verdict"] == "pass" and one["gate_verdict"] == "fail" and one["gate_seq"] == str(ledger["gate1"].seq)
    assert one["seq"] == str(ledger["merge1"].seq) and one["entry_hash"] == ledger["merge1"].entry_hash
    for result in ledger["eval1"].results:
        assert one[f"control:{result.control}"] == result.status.value
    assert one["ledger_status"] == "valid"
    # PR 2: failed evaluation, formula title neutralised for spreadsheets
    assert two["title"] == "'" + '=HYPERLINK("http://evil","x")'
    assert two["verdict"] == "fail" and two["approvals"] == "" and two["control:peer_review"] == "fail"
    assert two["gate_verdict"] == "none" and two["entry_hash"] == ledger["merge2"].entry_hash
    # PR 3: emergency closed by the independent later approval; PR 4 still awaiting (co-author approval)
    assert three["verdict"] == "emergency"
    assert three["emergency"] == (
        f"closed: retrospective approval by erin at 2026-11-15T09:00:00Z (entry {ledger['retro3'].seq})"
    )
    assert three["seq"] == str(ledger["merge3"].seq), "the merge-time record, not the later re-record"
    assert four["emergency"] == AWAITING
    # the direct push recorded by the record job
    assert exc["exception"] == "direct push" and exc["merge_sha"] == "e" * 40 and exc["verdict"] == "exception"
    assert exc["entry_hash"] == ledger["exc"].entry_hash
    # PR 5 merged after --to: not in the period
    assert all(r["pr"] != "5" for r in rows)


def test_formula_injection_cells_are_neutralised() -> None:
    from checker.audit.export import neutralise

    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("PAY-1 fine") == "PAY-1 fine"
    assert neutralise(12) == 12


def test_json_export_carries_summary_and_verification(
    recorder: Recorder, keys: Keys, ledger: dict, tmp_path: Path
) -> None:
    out = tmp_path / "population.json"
    assert export(recorder, keys, out, "json").returncode == 0
    doc = json.loads(out.read_text())
    assert doc["summary"]["changes"] == 5 and doc["summary"]["exceptions"] == 1
    assert doc["summary"]["emergency_awaiting_review"] == 1 and doc["summary"]["emergency_closed"] == 1
    assert doc["summary"]["verdicts"] == {"emergency": 2, "fail": 1, "pass": 1}
    assert doc["summary"]["controls"]["peer_review"]["passed"] == 1
    assert doc["ledgers"][0]["ok"] is True and doc["ledgers"][0]["entries"] == 9
    assert doc["ledgers"][0]["checkpoint_note"].startswith("changeproof.dev/ledger/acme/payments\n9\n")
    assert doc["rows"][1]["title"] == '=HYPERLINK("http://evil","x")', "JSON keeps the exact text"


def test_invalid_ledger_is_refused_unless_allowed(recorder: Recorder, keys: Keys, ledger: dict, tmp_path: Path) -> None:
    stranger = make_keys(tmp_path / "stranger")
    out = tmp_path / "x.csv"
    proc = run_cli(
        "export",
        "--ledger",
        str(recorder.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(stranger.public),
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert proc.returncode == 1
    assert "does not verify" in proc.stderr and "--allow-invalid" in proc.stderr and not out.exists()
    proc = run_cli(
        "export",
        "--ledger",
        str(recorder.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(stranger.public),
        "--format",
        "csv",
        "--out",
        str(out),
        "--allow-invalid",
    )
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6 and all(r["ledger_status"].startswith("INVALID") for r in rows)


def test_several_ledgers_make_one_population(tmp_path: Path, keys: Keys, recorder: Recorder) -> None:
    from audit_helpers import bare_repo

    from checker.evidence import load_signer

    recorder.record(pr_facts(1, "payments change", merged_at="2026-11-10T10:00:00Z", merge_sha="a" * 40))
    other = Recorder(bare_repo(tmp_path / "other.git"), load_signer("key", str(keys.private)))
    other.record(
        pr_facts(9, "shop change", merged_at="2026-11-11T10:00:00Z", merge_sha="b" * 40, repository="acme/shop")
    )
    out = tmp_path / "org.json"
    proc = run_cli(
        "export",
        "--ledger",
        str(recorder.ledger),
        "--ledger",
        str(other.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert [(r["repository"], r["pr"]) for r in doc["rows"]] == [("acme/payments", 1), ("acme/shop", 9)]
    assert len(doc["ledgers"]) == 2


def test_usage_errors_are_explained(tmp_path: Path, keys: Keys) -> None:
    proc = run_cli(
        "export",
        "--ledger",
        str(tmp_path / "nope"),
        "--key",
        str(keys.public),
        "--format",
        "csv",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(
        "export",
        "--ledger",
        str(tmp_path),
        "--key",
        str(keys.public),
        "--from",
        "yesterday",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert proc.returncode == 2 and "--from" in proc.stderr


def test_demo_export_writes_the_report_and_returns_its_path(recorder: Recorder, keys: Keys, tmp_path: Path) -> None:
    from checker.audit import demo_export

    recorder.record(pr_facts(42, "PAY-318 <b>demo</b>", merged_at="2026-11-27T15:00:00Z", merge_sha="4" * 40))
    html = demo_export(str(recorder.ledger), BRANCH, str(keys.public), tmp_path / "demo")
    assert html == tmp_path / "demo" / "audit-report.html" and html.is_file()
    text = html.read_text()
    assert "PAY-318 \\u003cb\\u003edemo\\u003c/b\\u003e" in text and "<b>demo" not in text
    assert (tmp_path / "demo" / "audit-population.csv").read_text().count("\n") == 2


def test_parallel_reader_gives_the_same_rows_as_the_public_read_api(
    recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    from checker.audit import reader
    from checker.audit.ledgers import open_ledgers
    from checker.audit.population import Period, build_population

    for n in range(1, 6):
        recorder.record(
            pr_facts(
                n,
                f"PAY-{n}",
                merged_at=f"2026-11-1{n}T10:00:00Z",
                merge_sha=f"{n}" * 40,
                approved=n % 2 == 0,
                emergency=n == 3,
            )
        )
    with open_ledgers([str(recorder.ledger)], BRANCH, [str(keys.public)]) as opened:
        slow = build_population([(opened[0].name, "valid", opened[0].entries())], Period())
        original = reader.CHUNK
        reader.CHUNK = 2  # several chunks, so the worker pool is used
        try:
            fast = build_population([(opened[0].name, "valid", reader.summaries(opened[0], workers=2))], Period())
        finally:
            reader.CHUNK = original
    assert fast.rows == slow.rows and len(fast.rows) == 5 and fast.controls == slow.controls


def test_export_of_a_remote_ledger_fetched_over_git_protocol(recorder: Recorder, keys: Keys, tmp_path: Path) -> None:
    import socket
    import time

    recorder.record(pr_facts(1, "PAY-1 remote", merged_at="2026-11-10T10:00:00Z", merge_sha="a" * 40))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    daemon = subprocess.Popen(
        [
            "git",
            "daemon",
            "--export-all",
            "--reuseaddr",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={recorder.ledger.parent}",
            str(recorder.ledger.parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        out = tmp_path / "remote.csv"
        proc = run_cli(
            "export",
            "--ledger",
            f"git://127.0.0.1:{port}/ledger.git",
            "--branch",
            BRANCH,
            "--key",
            str(keys.public),
            "--format",
            "csv",
            "--out",
            str(out),
        )
    finally:
        daemon.terminate()
        daemon.wait(10)
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["pr"], r["title"], r["ledger"]) for r in rows] == [
        ("1", "PAY-1 remote", f"git://127.0.0.1:{port}/ledger.git")
    ]
