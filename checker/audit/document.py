"""What every export format says besides the rows: the ledgers' verification and the summary counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from checker.audit import deployments
from checker.audit.ledgers import OpenLedger
from checker.audit.population import AWAITING, Population

EXPORT_FORMAT = "changeproof-export/1"


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
        "deployments": deployments.figures(population.deployments, population.deployment_gaps),
    }


def header(population: Population, ledgers: list[OpenLedger]) -> dict[str, Any]:
    """The export document without its rows (writers stream the rows after it)."""
    return {
        "format": EXPORT_FORMAT,
        "period": population.period,
        "ledgers": [ledger_summary(x) for x in ledgers],
        "summary": summarize(population),
        "coverage": population.coverage,
        "columns": population.columns(),
        "deployments": deployments.by_repository(population.deployments),
        "deployments_unobservable": deployments.by_repository(population.deployment_gaps),
    }
