"""The CSV (spreadsheet-safe) and JSON (for machines) writers of the population, streamed.

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with an apostrophe, so a PR titled `=HYPERLINK(...)` stays text. Both writers
stream the rows in batches: at 100 000 rows the output never exists twice in memory.
"""

from __future__ import annotations

import csv
from pathlib import Path

import orjson

from checker.audit import csv_rows, deployments
from checker.audit.cells import neutralise
from checker.audit.document import header
from checker.audit.ledgers import OpenLedger
from checker.audit.population import Population
from checker.audit.writing import BATCH, WriteOptions
from checker.evidence.verify import worker_count

__all__ = ["neutralise", "write_csv", "write_json"]  # neutralise: the CSV's cell rule, where it is used


def write_csv(population: Population, ledgers: list[OpenLedger], out: Path, options: WriteOptions) -> None:
    columns = population.columns()
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(columns)
        for text, count in csv_rows.batches(population.rows, columns, worker_count(options.workers)):
            fh.write(text)
            options.tick(count)
    deployments.write_csv(population.deployments, out, population.deployment_gaps)
    if population.coverage:  # each repository's coverage of the period, in a file beside the rows
        from checker.audit.coverage import write_csv as write_coverage_csv

        write_coverage_csv(population.coverage, out)


def write_json(population: Population, ledgers: list[OpenLedger], out: Path, options: WriteOptions) -> None:
    """The export document: the header's fields, then `rows`, written batch by batch."""
    head = orjson.dumps(header(population, ledgers), option=orjson.OPT_INDENT_2)
    rows = population.rows
    with out.open("wb") as fh:
        fh.write(head[:-2] + b',\n  "rows": [')  # reopen the object: `..."\n}` -> `...",\n  "rows": [`
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            for n, row in enumerate(batch):
                fh.write(b"\n    " if start + n == 0 else b",\n    ")
                fh.write(orjson.dumps(row))
            options.tick(len(batch))
        fh.write(b"\n  ]\n}\n" if rows else b"]\n}\n")
