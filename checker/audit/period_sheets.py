"""The workpapers' period sheets: did the controls operate over the whole period, per repository.

"Period coverage" has one row per repository: the period's first and last day (dates), the days
observed and self-asserted, counts of posture changes, weakenings, bypasses (the text
`unobservable` when GitHub's rule suites were never readable: never 0), emergencies closed in
time, late and open, gate integrity changes, and what could not be observed over which interval.
"Period events" lists each weakening, posture change, bypass and unobservable interval as a row
of its own with real date-times, so an auditor can filter and sort them. Built from the export's
coverage documents (audit/coverage.py); cells are written by workpapers.py (never formulas).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from checker.audit.coverage import SUMMARY_COLUMNS

DAY_COLUMNS = frozenset({"period_from", "period_to"})
EVENT_TIME_COLUMNS = frozenset({"event_at", "event_to"})

# the coverage CSV's columns, with the period's first and last day after the ledger
COVERAGE_COLUMNS = [*SUMMARY_COLUMNS[:2], "period_from", "period_to", *SUMMARY_COLUMNS[2:]]
EVENT_COLUMNS = ["repository", "kind", "event_at", "event_to", "what", "before", "after", "actor", "why"]


def _days(c: dict[str, Any]) -> tuple[date | str, date | str]:
    first = (c.get("days") or {}).get("first")
    if not isinstance(first, str) or not c.get("days_in_period"):
        return "", ""
    start = date.fromisoformat(first)
    return start, start + timedelta(days=int(c["days_in_period"]) - 1)


def coverage_rows(coverage: list[dict[str, Any]]) -> list[list[Any]]:
    """One row per repository, in COVERAGE_COLUMNS order."""
    rows = []
    for c in sorted(coverage, key=lambda c: (str(c["repository"]), str(c["ledger"]))):
        e = c["emergencies"]
        start, end = _days(c)
        gaps = "; ".join(f"{u['what']}: {u['why']} ({u['from']} .. {u['to']})" for u in c["unobservable"])
        rows.append(
            [
                c["repository"],
                c["ledger"],
                start,
                end,
                c["days_in_period"],
                c["days_observed"],
                c["days_self_asserted"],
                len(c["posture_changes"]),
                len(c["weakenings"]),
                "unobservable" if c["bypasses"] is None else len(c["bypasses"]),
                e["closed_in_time"],
                e["closed_late"],
                e["open"],
                len(c["gate_integrity_changes"]),
                gaps,
            ]
        )
    return rows


def _value(v: Any) -> Any:
    return v if isinstance(v, (int, str)) and not isinstance(v, bool) else json.dumps(v)


def event_rows(coverage: list[dict[str, Any]]) -> list[list[Any]]:
    """Each weakening, other posture change, bypass, emergency and unobservable interval, in EVENT_COLUMNS order."""
    rows: list[list[Any]] = []
    for c in sorted(coverage, key=lambda c: str(c["repository"])):
        repo = c["repository"]
        weakened = {(w["at"], w["field"]) for w in c["weakenings"]}
        for w in c["weakenings"]:
            rows.append([repo, "weakening", w["at"], "", w["field"], _value(w["before"]), _value(w["after"]),
                         w["actor"] or "", w["why"]])  # fmt: skip
        for ch in c["posture_changes"]:
            if (ch["at"], ch["field"]) not in weakened:
                rows.append([repo, "posture change", ch["at"], "", ch["field"], _value(ch["before"]),
                             _value(ch["after"]), ch["actor"] or "", ""])  # fmt: skip
        for b in c["bypasses"] or []:
            rows.append([repo, "bypass", b["at"], "", b["ref"], b["before_sha"], b["after_sha"], b["actor"] or "",
                         f"rule suite {b['rule_suite_id']}"])  # fmt: skip
        for item in c["emergencies"]["items"]:
            approval = item.get("approval") or {}
            rows.append([repo, f"emergency {item['state']}", item["merged_at"], approval.get("submitted_at") or "",
                         f"PR #{item['pr']}", "", "", approval.get("reviewer") or "",
                         (item.get("exception") or {}).get("reason") or ""])  # fmt: skip
        for u in c["unobservable"]:
            rows.append([repo, "unobservable", u["from"], u["to"], u["what"], "", "", "", u["why"]])
    return rows
