"""The export formats: one writer per format, chosen from a table (as pip-audit's `_format`).

Each writer is a function `(population, ledgers, out, options) -> None` in its own module, so
adding a format is a new module and one line here, and no writer imports another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from checker.audit.export import write_csv, write_json
from checker.audit.ledgers import OpenLedger
from checker.audit.population import Population
from checker.audit.report import write_html
from checker.audit.workpapers import write_xlsx
from checker.audit.writing import WriteOptions

Writer = Callable[[Population, list[OpenLedger], Path, WriteOptions], None]

WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "json": write_json,
    "html": write_html,
    "xlsx": write_xlsx,
}


def write(fmt: str, population: Population, ledgers: list[OpenLedger], out: Path, options: WriteOptions) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](population, ledgers, out, options)
    return out
