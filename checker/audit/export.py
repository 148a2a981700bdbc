"""Writing the population: CSV (spreadsheet-safe), JSON (for machines) and the HTML report.

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) are prefixed with an apostrophe, so a PR titled `=HYPERLINK(...)` stays text.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from checker.audit import deployments
from checker.audit.ledgers import OpenLedger
from checker.audit.population import AWAITING, Population

FORMATS = ("csv", "json", "html")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMAT = "changeproof-export/1"


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet shows as text: formula-looking strings get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def ledger_summary(ledger: OpenLedger) -> dict[str, Any]:
    report = ledger.report
    return {
        "ledger": ledger.name,
        "branch": ledger.branch,
        "commit": report.commit,
        "status": ledger.status(),
        "ok": report.ok,
        "entries": report.entries,
        "checkpoint": {"size": report.size, "root": report.root},
        "checkpoint_note": ledger.checkpoint(),
        "signers": report.signers,
        "problems": report.problems,
        "warnings": report.warnings,
    }


def summarize(population: Population) -> dict[str, Any]:
    """Counts the auditor reads first: changes, verdicts, exceptions, emergencies, pass rate per control."""
    rows = population.rows
    prs = [r for r in rows if r["kind"] == "pr"]
    verdicts = Counter(r["verdict"] for r in prs)
    per_control = {}
    for control in population.controls:
        statuses = Counter(r.get(f"control:{control}", "") for r in prs)
        applicable = sum(n for s, n in statuses.items() if s not in ("", "not_applicable"))
        passed = statuses.get("pass", 0) + statuses.get("waived", 0)
        per_control[control] = {
            "applicable": applicable,
            "passed": passed,
            "pass_rate": round(passed / applicable, 4) if applicable else None,
            "statuses": dict(sorted(statuses.items())),
        }
    return {
        "changes": len(rows),
        "merged_prs": len(prs),
        "exceptions": sum(1 for r in rows if r["kind"] == "exception"),
        "verdicts": dict(sorted(verdicts.items())),
        "emergency_awaiting_review": sum(1 for r in prs if r["emergency"] == AWAITING),
        "emergency_closed": sum(1 for r in prs if r["emergency"].startswith("closed")),
        "waived": sum(1 for r in prs if r["waivers"]),
        "controls": per_control,
        "deployments": deployments.figures(population.deployments),
    }


def write_csv(population: Population, out: Path, tick: Callable[[int], None] | None = None) -> None:
    columns = population.columns()
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        batch: list[list[Any]] = []
        for row in population.rows:
            batch.append([neutralise(row.get(c, "")) for c in columns])
            if len(batch) == 5000:
                writer.writerows(batch)
                batch.clear()
                if tick:
                    tick(5000)
        writer.writerows(batch)
        if tick:
            tick(len(batch))


def document(population: Population, ledgers: list[OpenLedger]) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "period": population.period,
        "ledgers": [ledger_summary(x) for x in ledgers],
        "summary": summarize(population),
        "coverage": population.coverage,
        "columns": population.columns(),
        "rows": population.rows,
        "deployments": deployments.by_repository(population.deployments),
    }


def write_json(population: Population, ledgers: list[OpenLedger], out: Path) -> None:
    out.write_bytes(orjson.dumps(document(population, ledgers), option=orjson.OPT_INDENT_2) + b"\n")


def write(
    fmt: str, population: Population, ledgers: list[OpenLedger], out: Path, tick: Callable[[int], None] | None = None
) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        write_csv(population, out, tick)
        deployments.write_csv(population.deployments, out)
        if population.coverage:
            from checker.audit.coverage import write_csv as write_coverage_csv

            write_coverage_csv(population.coverage, out)
    elif fmt == "json":
        write_json(population, ledgers, out)
    else:
        from checker.audit.report import write_html

        write_html(population, ledgers, out)
    return out
