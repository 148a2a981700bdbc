"""The HTML report's layout in headless Chromium: charts, no wrapped short values, A4 landscape print,
no network request. Screenshots and the PDF are kept in `artifacts/audit-report/` (git-ignored)
and in the test's tmp dir; the test prints both paths.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from audit_browser import CHROMIUM, Browser
from audit_helpers import BRANCH, ROOT, Keys, Recorder, pr_facts, run_cli

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="run scripts/setup/audit.sh to install chromium")
ARTIFACTS = ROOT / "artifacts" / "audit-report"


@pytest.fixture
def report(recorder: Recorder, keys: Keys, tmp_path: Path) -> Path:
    """Nine weeks of changes over two months: passes, failures, emergencies, and direct pushes."""
    for n in range(16):
        merged = datetime(2026, 10, 3, 10, tzinfo=UTC) + timedelta(days=4 * n)
        recorder.record(
            pr_facts(
                40 + n,
                f"PAY-{40 + n} a change title long enough to wrap over several lines in a narrow column",
                merged_at=f"{merged:%Y-%m-%dT%H:%M:%SZ}",
                merge_sha=f"{n:040x}",
                approved=n % 4 != 1,
                emergency=n % 5 == 2,
            )
        )
    recorder.exception("direct push", ("e" * 40,), "1" * 40, "e" * 40, "2026-10-20T10:00:00Z")
    recorder.exception("force push", ("f" * 40,), "e" * 40, "f" * 40, "2026-11-18T10:00:00Z")
    out = tmp_path / "report.html"
    proc = run_cli(
        "export", "--ledger", str(recorder.ledger), "--branch", BRANCH, "--key", str(keys.public),
        "--format", "html", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def _keep(path: Path) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    kept = ARTIFACTS / path.name
    shutil.copyfile(path, kept)
    print(f"saved {path} (copy: {kept})")
    return kept


def test_charts_cells_and_no_network(report: Path, tmp_path: Path) -> None:
    browser = Browser(tmp_path / "profile")
    try:
        browser.call("Network.enable")
        browser.call("Emulation.setDeviceMetricsOverride", width=1100, height=900, deviceScaleFactor=1, mobile=False)
        browser.open(report)
        assert browser.js("document.body.dataset.ready") == "1"
        wide = browser.js("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, "the page never scrolls sideways (the table scrolls in its own box)"
        # three inline SVG charts, drawn from the population
        assert browser.js("document.querySelectorAll('svg.chart').length") == 3
        weeks = browser.js(
            "[...document.querySelectorAll('#chart-weekly-verdicts rect[data-count]')]"
            ".reduce((n, r) => n + Number(r.dataset.count), 0)"
        )
        assert weeks == 18, "every change of the population is in a weekly bar"
        assert browser.js("document.querySelectorAll('#chart-control-pass-rates rect[data-rate]').length") > 0
        lanes = browser.js(
            "[...document.querySelectorAll('#chart-exception-timeline [data-lane]')].map(e => e.dataset.lane)"
        )
        assert lanes.count("exception") == 2 and "emergency awaiting review" in lanes
        # short values never wrap: each fits its cell on one line
        cells = browser.js("""[...document.querySelectorAll('#population td.short')].map(td => ({
            column: td.dataset.column, text: td.textContent, scroll: td.scrollWidth, client: td.clientWidth,
            lines: td.getClientRects().length && Math.round(td.getBoundingClientRect().height
                / parseFloat(getComputedStyle(td).lineHeight))}))""")
        columns = {c["column"] for c in cells}
        assert {"pr", "repository", "merged_at", "verdict", "seq", "author"} <= columns
        wrapped = [c for c in cells if c["scroll"] > c["client"]]
        assert wrapped == [], wrapped[:5]
        pr = next(c for c in cells if c["column"] == "pr")
        title_height = browser.js(
            "document.querySelector('#population td[data-column=title]').getBoundingClientRect().height"
        )
        pr_height = browser.js("document.querySelector('#population td[data-column=pr]').scrollHeight")
        assert pr["text"] == "40" and pr_height <= title_height
        shot = tmp_path / "report-layout.png"
        browser.screenshot(shot)
        _keep(shot)
        browser.js("document.getElementById('population').scrollIntoView()")
        table_shot = tmp_path / "report-table.png"
        browser.screenshot(table_shot)
        _keep(table_shot)
        # the print stylesheet, as an A4 landscape page shows it (1123 x 794 CSS px)
        browser.call("Emulation.setEmulatedMedia", media="print")
        browser.call("Emulation.setDeviceMetricsOverride", width=1123, height=794, deviceScaleFactor=1, mobile=False)
        browser.js("window.scrollTo(0, 0)")
        assert browser.js("getComputedStyle(document.querySelector('.controls')).display") == "none"
        assert browser.js("document.documentElement.scrollWidth") <= 1123, "the printed table fits the page width"
        print_shot = tmp_path / "report-print.png"
        browser.screenshot(print_shot)
        _keep(print_shot)
        requests = [
            e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"
        ]
        assert requests and all(u == report.resolve().as_uri() or u.startswith("data:") for u in requests), requests
        assert browser.problems() == []
    finally:
        browser.close()


def _page_boxes(pdf: bytes) -> list[tuple[float, ...]]:
    """The MediaBox of every page object (uncompressed or in a Flate object stream)."""
    texts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            texts.append(zlib.decompressobj().decompress(pdf[match.end() : match.end() + 2_000_000]))
        except zlib.error:
            continue
    boxes = []
    for text in texts:
        for obj in re.finditer(rb"/Type\s*/Page[^s].*?/MediaBox\s*\[([^\]]*)\]", text, re.S):
            boxes.append(tuple(float(x) for x in obj.group(1).split()))
    return boxes


def test_prints_on_a4_landscape(report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={tmp_path / 'print-profile'}", f"--print-to-pdf={pdf}", report.resolve().as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert pdf.exists() and pdf.stat().st_size > 1000
    _keep(pdf)
    boxes = _page_boxes(pdf.read_bytes())
    assert boxes, "no page found in the PDF"
    for box in boxes:
        width, height = box[2] - box[0], box[3] - box[1]
        assert (round(width), round(height)) == (842, 595), box
