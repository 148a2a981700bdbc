"""`export --format xlsx`: the workpapers, read back with openpyxl as an auditor's spreadsheet would."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from audit_helpers import BRANCH, Keys, Recorder, pr_facts, run_cli
from openpyxl import load_workbook

from checker.audit.formats import FORMATS
from checker.audit.writers import WRITERS

TRICKY = ['=HYPERLINK("http://evil","x")', "+1 PAY", "-2 PAY", "@SUM(A1)"]


def test_every_format_has_one_writer() -> None:
    assert tuple(WRITERS) == FORMATS


@pytest.fixture
def ledger(recorder: Recorder) -> Recorder:
    for n, title in enumerate(TRICKY, 1):
        recorder.record(pr_facts(n, title, merged_at=f"2026-11-{10 + n}T10:30:00Z", merge_sha=f"{n}" * 40))
    recorder.record(
        pr_facts(7, "PAY-7 hotfix", merged_at="2026-11-20T08:00:00Z", merge_sha="7" * 40, approved=False,
                 emergency=True)
    )  # fmt: skip
    recorder.exception("direct push", ("e" * 40,), "7" * 40, "e" * 40, "2026-11-21T10:00:00Z")
    return recorder


def _export(recorder: Recorder, keys: Keys, out: Path, fmt: str, *extra: str) -> None:
    proc = run_cli(
        "export", "--ledger", str(recorder.ledger), "--branch", BRANCH, "--key", str(keys.public),
        "--format", fmt, "--out", str(out), *extra,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_workbook_sheets_cells_and_layout(ledger: Recorder, keys: Keys, tmp_path: Path) -> None:
    population = tmp_path / "population.json"
    _export(ledger, keys, population, "json")
    sample = tmp_path / "sample.json"
    proc = run_cli("sample", "--population", str(population), "--size", "3", "--seed", "fy26", "--out", str(sample))
    assert proc.returncode == 0, proc.stderr
    book_path = tmp_path / "workpapers.xlsx"
    _export(ledger, keys, book_path, "xlsx", "--sample", str(sample))

    book = load_workbook(book_path)
    assert book.sheetnames == [
        "Population", "Exceptions", "Controls", "Coverage", "Verification", "Period coverage", "Period events", "Sample"
    ]  # fmt: skip
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title
        for cell in ws[1]:
            width = ws.column_dimensions[cell.column_letter].width
            assert width >= len(str(cell.value)), (ws.title, cell.value, width)
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"

    pop = book["Population"]
    head = [c.value for c in pop[1]]
    rows = [dict(zip(head, (c.value for c in r), strict=True)) for r in pop.iter_rows(min_row=2)]
    assert len(rows) == 6
    assert [r["title"] for r in rows[:4]] == TRICKY, "the exact text, stored as a string (no apostrophe)"
    assert rows[0]["merged_at (UTC)"] == datetime(2026, 11, 11, 10, 30)
    assert pop.cell(2, head.index("merged_at (UTC)") + 1).number_format == "yyyy-mm-dd hh:mm:ss"
    assert isinstance(rows[0]["seq"], int)

    exceptions = book["Exceptions"]
    whys = [r[7].value for r in exceptions.iter_rows(min_row=2)]
    assert whys == ["emergency change awaiting retrospective review", "direct push"]

    controls = {r[0].value: r for r in book["Controls"].iter_rows(min_row=2)}  # PR 7 (emergency) failed it
    assert controls["peer_review"][3].value == 0.8 and controls["peer_review"][3].number_format == "0.0%"

    coverage = list(book["Coverage"].iter_rows(min_row=2, values_only=True))
    assert coverage[0][:5] == ("acme/payments", str(ledger.ledger), 6, 5, 1)

    verification = list(book["Verification"].iter_rows(min_row=2, values_only=True))
    assert verification[0][3] == "valid" and verification[0][4] == 6

    drawn = json.loads(sample.read_text())
    sample_rows = list(book["Sample"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in sample_rows] == [s["id"] for s in drawn["sample"]]
    assert all(r[-2] == "fy26" for r in sample_rows)


def test_without_a_sample_there_is_no_sample_sheet_and_sample_needs_xlsx(
    ledger: Recorder, keys: Keys, tmp_path: Path
) -> None:
    book_path = tmp_path / "w.xlsx"
    _export(ledger, keys, book_path, "xlsx")
    assert load_workbook(book_path, read_only=True).sheetnames == [
        "Population",
        "Exceptions",
        "Controls",
        "Coverage",
        "Verification",
        "Period coverage",
        "Period events",
    ]
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"format": "something else"}')
    proc = run_cli(
        "export", "--ledger", str(ledger.ledger), "--branch", BRANCH, "--key", str(keys.public),
        "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"), "--sample", str(bogus),
    )  # fmt: skip
    assert proc.returncode == 2 and "changeproof-sample/1" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli(
        "export", "--ledger", str(ledger.ledger), "--branch", BRANCH, "--key", str(keys.public),
        "--format", "csv", "--out", str(tmp_path / "x.csv"), "--sample", str(bogus),
    )  # fmt: skip
    assert proc.returncode == 2 and "--sample is only used by --format xlsx" in proc.stderr
