"""Benchmark: is the HTML report usable at 100 000 rows? Load, sort and filter times in headless Chromium.

Builds a synthetic population (rows shaped like the export's, no ledger needed), writes the
report with the real template, opens it in /usr/bin/chromium over the DevTools protocol and times
the first paint of the table, a sort by title, a reverse sort and a text filter.

Usage: .venv/bin/python bench/audit_report_browser.py [--rows N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "audit"))

from audit_browser import Browser  # noqa: E402

from checker.audit.population import BASE_COLUMNS, Population  # noqa: E402
from checker.audit.report import write_html  # noqa: E402

CONTROLS = ("peer_review", "code_owners", "required_checks", "change_ticket", "signed_commits", "iac_misconfig")


def population(n: int) -> Population:
    rows = []
    for i in range(n):
        row = {c: "" for c in BASE_COLUMNS}
        row.update(
            {
                "ledger": "ledger.git",
                "ledger_status": "valid",
                "repository": f"acme/repo{i % 7}",
                "kind": "pr",
                "pr": i + 1,
                "title": f"PAY-{i * 7919 % 100000} change number {i} <b>&</b>",
                "author": f"dev{i % 50}",
                "approvals": f"rev{i % 13} at 2026-11-01T10:00:00Z on {i:012x}",
                "merged_by": "bob",
                "merged_at": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z",
                "merge_sha": f"{i:040x}",
                "required_checks": "build=success; tests=success",
                "verdict": ("pass", "fail", "emergency")[i % 3],
                "gate_verdict": "pass",
                "seq": i,
                "entry_hash": f"{i * 2654435761 % 2**64:064x}",
            }
        )
        for c in CONTROLS:
            row[f"control:{c}"] = "pass"
        rows.append(row)
    return Population(rows=rows, controls=list(CONTROLS), period="beginning .. now")


def timed(browser: Browser, expression: str) -> float:
    t = time.perf_counter()
    browser.js(expression)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        t = time.perf_counter()
        write_html(population(args.rows), [], out)
        print(
            f"{args.rows} rows: report written in {time.perf_counter() - t:.1f} s, {out.stat().st_size / 2**20:.1f} MiB"
        )
        browser = Browser(Path(tmp) / "profile")
        try:
            t = time.perf_counter()
            browser.open(out)
            while browser.js("document.body.dataset.ready") != "1":
                time.sleep(0.05)
            print(f"load to first table page: {time.perf_counter() - t:.2f} s")
            sort = "document.querySelector('#population th[data-column=title]').click()"
            print(f"sort by title: {timed(browser, sort):.2f} s; reverse: {timed(browser, sort):.2f} s")
            filt = (
                "{const f = document.getElementById('filter'); f.value = 'number 4242';"
                " f.dispatchEvent(new Event('input'));}"
            )
            browser.js(filt)
            t = time.perf_counter()
            count = "document.getElementById('count').textContent"
            while not str(browser.js(count)).startswith(tuple(f"{k} of" for k in range(100))):
                time.sleep(0.02)
            print(
                f"text filter (incl. 150 ms debounce, first use builds the search index): "
                f"{time.perf_counter() - t:.2f} s -> {browser.js(count)}"
            )
            heap = browser.js("performance.memory ? performance.memory.usedJSHeapSize : 0")
            print(f"JS heap in use: {heap / 2**20:.0f} MiB; console problems: {browser.problems() or 'none'}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
