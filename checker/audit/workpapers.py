"""The auditor's workpapers: one .xlsx workbook (openpyxl) with a sheet per question.

Sheets come from `SHEETS`, an ordered list of (name, builder): a builder turns the population,
the ledgers and the optional sample into a `Table` (or None to leave the sheet out), so a later
sheet (Deployments) is one builder and one line. Every sheet has a frozen header row, an
autofilter over its table and column widths fitted to its content.

Nothing in the workbook is a formula: every text cell, including one starting with = + - or @
(a PR titled `=HYPERLINK(...)`), is written as a string cell, so the exact recorded text is kept
(no apostrophe, unlike the CSV) and a spreadsheet never evaluates it. Times are real Excel
date-times in UTC (Excel has no time zones; the column heading says UTC).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from checker.audit import deployments, period_sheets
from checker.audit.document import ledger_summary, summarize
from checker.audit.ledgers import OpenLedger
from checker.audit.population import AWAITING, Population
from checker.audit.times import parse_time
from checker.audit.writing import BATCH, WriteOptions
from checker.errors import UsageError

DATE_COLUMNS = frozenset({"merged_at", "evaluated_at", "pushed_at", "first_merged_at", "last_merged_at", "deployed_at"})
DATE_COLUMNS |= period_sheets.EVENT_TIME_COLUMNS
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
DAY_FORMAT = "yyyy-mm-dd"
PERCENT_COLUMNS = frozenset({"pass_rate"})
MAX_WIDTH = 60
SAMPLE_FORMAT = "changeproof-sample/1"


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Inputs:
    population: Population
    ledgers: list[OpenLedger]
    sample: dict[str, Any] | None


def _population(inputs: Inputs) -> Table:
    columns = inputs.population.columns()
    return Table(columns, [[row.get(c, "") for c in columns] for row in inputs.population.rows])


EXCEPTION_COLUMNS = [
    "ledger",
    "repository",
    "kind",
    "pr",
    "title",
    "merged_at",
    "verdict",
    "why",
    "seq",
    "entry_hash",
]


def _why(row: dict[str, Any]) -> str:
    """Why a row needs the auditor's attention, or "" when it does not."""
    if row.get("kind") == "exception":
        return str(row.get("exception") or "exception")
    if row.get("emergency") == AWAITING:
        return "emergency change awaiting retrospective review"
    if row.get("verdict") not in ("pass", "emergency"):
        return f"merged with verdict {row.get('verdict')}"
    if str(row.get("ledger_status") or "valid") != "valid":
        return f"from a ledger that is {row.get('ledger_status')}"
    return ""


def _exceptions(inputs: Inputs) -> Table:
    rows = []
    for row in inputs.population.rows:
        why = _why(row)
        if why:
            rows.append([why if c == "why" else row.get(c, "") for c in EXCEPTION_COLUMNS])
    return Table(EXCEPTION_COLUMNS, rows)


def _controls(inputs: Inputs) -> Table:
    summary = summarize(inputs.population)["controls"]
    columns = ["control", "applicable", "passed_or_waived", "pass_rate", "statuses"]
    rows = [
        [
            control,
            c["applicable"],
            c["passed"],
            c["pass_rate"] if c["pass_rate"] is not None else "",
            "; ".join(f"{s or 'absent'}: {n}" for s, n in c["statuses"].items()),
        ]
        for control, c in summary.items()
    ]
    return Table(columns, rows)


def _coverage(inputs: Inputs) -> Table:
    """Per repository and ledger: what the population holds and the span of time it covers."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in inputs.population.rows:
        groups[(str(row.get("repository") or ""), str(row.get("ledger") or ""))].append(row)
    columns = [
        "repository",
        "ledger",
        "changes",
        "merged_prs",
        "exceptions",
        "emergency_awaiting_review",
        "first_merged_at",
        "last_merged_at",
        "verdicts",
    ]
    rows = []
    for (repository, ledger), members in sorted(groups.items()):
        times = sorted(str(r.get("merged_at")) for r in members if r.get("merged_at"))
        verdicts = Counter(str(r.get("verdict") or "") for r in members)
        rows.append(
            [
                repository,
                ledger,
                len(members),
                sum(1 for r in members if r.get("kind") == "pr"),
                sum(1 for r in members if r.get("kind") == "exception"),
                sum(1 for r in members if r.get("emergency") == AWAITING),
                times[0] if times else "",
                times[-1] if times else "",
                "; ".join(f"{v}: {n}" for v, n in sorted(verdicts.items())),
            ]
        )
    return Table(columns, rows)


def _verification(inputs: Inputs) -> Table:
    columns = ["ledger", "branch", "commit", "status", "entries", "checkpoint_size", "checkpoint_root", "signers"]
    columns += ["problems", "warnings"]
    rows = []
    for ledger in inputs.ledgers:
        s = ledger_summary(ledger)
        rows.append(
            [
                s["ledger"],
                s["branch"],
                s["commit"],
                s["status"],
                s["entries"],
                s["checkpoint"]["size"],
                s["checkpoint"]["root"],
                "; ".join(f"{k}: {n}" for k, n in s["signers"].items()),
                "; ".join(s["problems"][:50]),
                "; ".join(s["warnings"][:50]),
            ]
        )
    return Table(columns, rows)


# the repository's figure for the row's environment ("traced" is already the row's own verdict)
FIGURE_COLUMNS = {"figure": "figure", "traced_in_environment": "traced", "deployments_in_environment": "total"}


def _deployments(inputs: Inputs) -> Table | None:
    """Every trusted deployment of the period, each with its figure ("N of M <env> deployments
    traced", recomputed from the merge records); left out when no ledger records deployments."""
    rows = inputs.population.deployments
    if not rows:
        return None
    figures = deployments.figures(rows, inputs.population.deployment_gaps)
    columns = [*deployments.COLUMNS, *FIGURE_COLUMNS]
    table = []
    for row in rows:
        figure = figures[row["repository"]][row["environment"]]
        table.append(
            [deployments.cell_value(row.get(c, "")) for c in deployments.COLUMNS]
            + [figure[key] for key in FIGURE_COLUMNS.values()]
        )
    return Table(columns, table)


def _period_coverage(inputs: Inputs) -> Table | None:
    """Per repository, the controls over the period (left out when no ledger has period entries)."""
    cov = inputs.population.coverage
    return Table(period_sheets.COVERAGE_COLUMNS, period_sheets.coverage_rows(cov)) if cov else None


def _period_events(inputs: Inputs) -> Table | None:
    cov = inputs.population.coverage
    return Table(period_sheets.EVENT_COLUMNS, period_sheets.event_rows(cov)) if cov else None


def _unobservable(inputs: Inputs) -> Table | None:
    """Each interval in which the record job could not list an environment's deployments (its
    figure is incomplete); left out when there is none."""
    gaps = inputs.population.deployment_gaps
    if not gaps:
        return None
    return Table(
        list(deployments.GAP_COLUMNS),
        [[deployments.cell_value(v) for v in deployments.gap_cells(g)] for g in gaps],
    )


SAMPLE_COLUMNS = ["rank", "id", "kind", "pr", "title", "tip", "pushed_at", "exception", "ledger", "seq"]
SAMPLE_COLUMNS += ["entry_hash", "key", "seed", "population_sha256"]


def _sample(inputs: Inputs) -> Table | None:
    drawn = inputs.sample
    if drawn is None:
        return None
    rows = []
    for item in drawn.get("sample") or []:
        record = item.get("record") or {}
        values = {
            **{k: item.get(k) for k in SAMPLE_COLUMNS},
            "ledger": record.get("ledger"),
            "seq": record.get("seq"),
            "entry_hash": record.get("entry_hash"),
            "seed": drawn.get("seed"),
            "population_sha256": (drawn.get("population") or {}).get("sha256"),
        }
        rows.append([values.get(c) if values.get(c) is not None else "" for c in SAMPLE_COLUMNS])
    return Table(SAMPLE_COLUMNS, rows)


SHEETS: list[tuple[str, Callable[[Inputs], Table | None]]] = [
    ("Population", _population),
    ("Exceptions", _exceptions),
    ("Controls", _controls),
    ("Coverage", _coverage),
    ("Verification", _verification),
    ("Period coverage", _period_coverage),
    ("Period events", _period_events),
    ("Deployments", _deployments),
    ("Deployments unobservable", _unobservable),
    ("Sample", _sample),
]


def load_sample(path: Path) -> dict[str, Any]:
    """A sample written by `changeproof sample --out`; one clear error otherwise."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the sample {path}: {exc.strerror}", fix="pass --sample SAMPLE.json") from None
    except ValueError as exc:
        raise UsageError(
            f"{path} is not JSON ({exc})", fix="pass the file written by `changeproof sample --out`"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != SAMPLE_FORMAT or not isinstance(doc.get("sample"), list):
        raise UsageError(
            f"{path}: $.format is not {SAMPLE_FORMAT!r}", fix="pass the file written by `changeproof sample --out`"
        )
    return doc


def _heading(column: str) -> str:
    return f"{column} (UTC)" if column in DATE_COLUMNS | period_sheets.DAY_COLUMNS else column


def _cell(ws: WriteOnlyWorksheet, column: str, value: Any) -> Cell:
    if column in period_sheets.DAY_COLUMNS and isinstance(value, date):
        cell = WriteOnlyCell(ws, value=datetime(value.year, value.month, value.day))
        cell.number_format = DAY_FORMAT
        return cell
    if column in DATE_COLUMNS and isinstance(value, str) and value:
        when = parse_time(value)
        if when is not None:
            cell = WriteOnlyCell(ws, value=when.astimezone(UTC).replace(tzinfo=None))
            cell.number_format = DATE_FORMAT
            return cell
    if isinstance(value, bool) or value is None:
        value = "" if value is None else str(value).lower()
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif column in PERCENT_COLUMNS:
        cell.number_format = "0.0%"
    return cell


def _width(column: str, rows: list[list[Any]], at: int) -> float:
    longest = len(_heading(column))
    for row in rows[:500]:
        value = row[at]
        longest = max(longest, 19 if column in DATE_COLUMNS | period_sheets.DAY_COLUMNS and value else len(str(value)))
    return min(MAX_WIDTH, longest + 2)


def _sheet(book: Workbook, name: str, table: Table, options: WriteOptions, count: bool) -> None:
    ws = book.create_sheet(name)
    for at, column in enumerate(table.columns):
        ws.column_dimensions[get_column_letter(at + 1)].width = _width(column, table.rows, at)
    ws.freeze_panes = "A2"
    last = get_column_letter(max(1, len(table.columns)))
    ws.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    ws.append([_cell(ws, "", _heading(c)) for c in table.columns])
    for n, row in enumerate(table.rows, 1):
        ws.append([_cell(ws, c, v) for c, v in zip(table.columns, row, strict=True)])
        if count and n % BATCH == 0:
            options.tick(BATCH)
    if count:
        options.tick(len(table.rows) % BATCH)


def write_xlsx(population: Population, ledgers: list[OpenLedger], out: Path, options: WriteOptions) -> None:
    book = Workbook(write_only=True)
    inputs = Inputs(population, ledgers, options.sample)
    for name, build in SHEETS:
        table = build(inputs)
        if table is not None:
            _sheet(book, name, table, options, count=name == "Population")
    book.properties.title = f"changeproof workpapers, period {population.period}"
    book.properties.creator = "changeproof"
    book.save(out)
