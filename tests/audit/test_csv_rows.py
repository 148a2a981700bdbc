"""The CSV rows rendered by forked workers are the bytes one process writes, formula cells
neutralised either way."""

from __future__ import annotations

import csv
import gc
import io

import pytest

from checker import bulk_gc
from checker.audit import csv_rows
from checker.audit.cells import neutralise


def _rows(n: int) -> list[dict[str, object]]:
    titles = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTab", "\rcr", "plain, with comma", 'quo"te', "é ü"]
    return [
        {
            "pr": i,
            "title": titles[i % len(titles)],
            "verdict": "pass" if i % 3 else "fail",
            **({"extra": i} if i % 7 else {}),
        }
        for i in range(n)
    ]


def _reference(rows: list[dict[str, object]], columns: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([neutralise(row.get(c, "")) for c in columns] for row in rows)
    return buffer.getvalue()


def test_forked_workers_write_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_rows, "PARALLEL_ROWS", 10)
    monkeypatch.setattr(csv_rows, "BATCH", 1000)
    rows, columns = _rows(4_321), ["pr", "title", "verdict", "extra", "missing"]
    parallel = list(csv_rows.batches(rows, columns, 2))
    serial = list(csv_rows.batches(rows, columns, 1))
    assert [n for _, n in parallel] == [1000, 1000, 1000, 1000, 321]
    assert "".join(t for t, _ in parallel) == "".join(t for t, _ in serial) == _reference(rows, columns)
    assert csv_rows._JOB is None  # the rows are not kept after writing


def test_every_formula_start_is_neutralised() -> None:
    text = "".join(t for t, _ in csv_rows.batches(_rows(9), ["title"], 1))
    cells = [line[0] for line in csv.reader(io.StringIO(text))]
    assert cells[:6] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tTab", "'\rcr"]
    assert cells[6:] == ["plain, with comma", 'quo"te', "é ü"]


def test_paused_gc_nests_and_restores() -> None:
    assert gc.isenabled()
    with bulk_gc.paused():
        assert not gc.isenabled()
        with bulk_gc.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk_gc.paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
