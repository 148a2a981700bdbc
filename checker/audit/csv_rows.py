"""The population's CSV rows rendered on every core.

At 100 000 rows the CSV writer was the largest part of an export after verification, on one
core while the other idled. The rows already sit in this process, so workers are forked (they
inherit the rows instead of receiving them pickled) and each renders batches of rows to CSV
text, which this process writes in order. Where fork is unavailable, or the population is
small, the batches are rendered here; the bytes written are the same either way.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
from collections.abc import Iterator
from typing import Any

from checker import bulk_gc
from checker.audit.cells import FORMULA_START
from checker.audit.writing import BATCH

PARALLEL_ROWS = 20_000  # below this, starting workers costs more than it saves
_STARTS = frozenset(FORMULA_START)
_JOB: tuple[list[dict[str, Any]], list[str]] | None = None  # what forked workers inherit


def render(rows: list[dict[str, Any]], columns: list[str], start: int, end: int) -> str:
    """Rows [start, end) as CSV text, each cell neutralised (`cells.neutralise`) and missing
    columns empty."""
    buffer = io.StringIO()
    empty = [""] * len(columns)
    csv.writer(buffer).writerows(
        ["'" + v if isinstance(v, str) and v[:1] in _STARTS else v for v in map(row.get, columns, empty)]
        for row in rows[start:end]
    )
    return buffer.getvalue()


def _render_inherited(bounds: tuple[int, int]) -> str:
    assert _JOB is not None, "forked without the rows"
    return render(*_JOB, *bounds)


def batches(rows: list[dict[str, Any]], columns: list[str], workers: int) -> Iterator[tuple[str, int]]:
    """(CSV text, number of rows) per batch of rows, in order."""
    global _JOB
    bounds = [(i, min(i + BATCH, len(rows))) for i in range(0, len(rows), BATCH)]
    if workers <= 1 or len(rows) < PARALLEL_ROWS or "fork" not in multiprocessing.get_all_start_methods():
        for start, end in bounds:
            yield render(rows, columns, start, end), end - start
        return
    _JOB = (rows, columns)
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=bulk_gc.worker_start) as pool:
            for (start, end), text in zip(bounds, pool.imap(_render_inherited, bounds), strict=True):
                yield text, end - start
    finally:
        _JOB = None
