"""The xlsx workpapers' period sheets, read back with openpyxl: per repository the days observed
and self-asserted, posture changes, weakenings, bypasses ("unobservable" when rule suites were
unreadable), emergencies, gate integrity changes and unobservable intervals; no formula cells,
dates as dates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from period_world import READ_TOKEN, World
from test_period import export, simulate


def sheet(path: Path, name: str) -> list[dict[str, Any]]:
    book = load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title
    ws = book[name]
    head = [c.value for c in ws[1]]
    return [dict(zip(head, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]


def test_period_coverage_sheet_exact_figures(world: World, tmp_path: Path) -> None:
    simulate(world)
    path = export(world, tmp_path, "xlsx")
    (row,) = sheet(path, "Period coverage")
    gaps = row.pop("unobservable")
    assert row == {
        "repository": "acme/payments",
        "ledger": str(world.ledger),
        "period_from (UTC)": datetime(2026, 11, 1),
        "period_to (UTC)": datetime(2026, 11, 10),
        "days_in_period": 10,
        "days_observed": 0,
        "days_self_asserted": 9,
        "posture_changes": 2,
        "weakenings": 1,
        "bypasses": 1,
        "emergencies_closed_in_time": 1,
        "emergencies_closed_late": 0,
        "emergencies_open": 1,
        "gate_integrity_changes": 0,
    }
    assert gaps.startswith("posture: no posture entry from the trusted posture key on these days")
    assert "(2026-11-06T00:00:00Z .. 2026-11-06T23:59:59Z)" in gaps and gaps.count("; ") == 2
    assert load_workbook(path)["Period coverage"]["C2"].number_format == "yyyy-mm-dd"

    events = sheet(path, "Period events")
    kinds = [(e["kind"], e["event_at (UTC)"], e["what"]) for e in events]
    field = "rules.pull_request.required_approving_review_count"
    assert kinds[:5] == [
        ("weakening", datetime(2026, 11, 3, 10), field),
        ("posture change", datetime(2026, 11, 5, 9), field),
        ("bypass", datetime(2026, 11, 4, 12), "refs/heads/main"),
        ("emergency closed_in_time", datetime(2026, 11, 2, 10), "PR #3"),
        ("emergency open", datetime(2026, 11, 3, 10), "PR #4"),
    ]
    weakening, _, bypass, closed, still_open = events[:5]
    assert (weakening["before"], weakening["after"], weakening["actor"]) == (2, 1, "mallory")
    assert weakening["why"] == "fewer required approvals (2 -> 1)"
    assert bypass["actor"] == "mallory" and bypass["why"] == "rule suite 7001"
    assert closed["event_to (UTC)"] == datetime(2026, 11, 4, 8) and closed["actor"] == "carol"
    assert still_open["why"] == "emergency retrospective overdue"  # its exception entry, appended on the 9th
    unobservable = [(e["what"], e["event_at (UTC)"], e["event_to (UTC)"]) for e in events[5:]]
    assert unobservable[0] == ("posture", datetime(2026, 11, 6), datetime(2026, 11, 6, 23, 59, 59))
    assert len(unobservable) == 3 and all(e["kind"] == "unobservable" for e in events[5:])


def test_unreadable_rule_suites_say_unobservable_not_zero(tmp_path: Path) -> None:
    world = World(tmp_path / "w")
    try:
        simulate(world, token=READ_TOKEN)
        (row,) = sheet(export(world, tmp_path, "xlsx"), "Period coverage")
    finally:
        world.fake.stop()
    assert row["bypasses"] == "unobservable" and row["days_self_asserted"] == 9
