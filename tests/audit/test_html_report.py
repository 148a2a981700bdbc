"""The HTML report in headless Chromium: renders, no console errors, sorting works, XSS stays text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from audit_browser import CHROMIUM, Browser
from audit_helpers import BRANCH, Keys, Recorder, pr_facts, run_cli

XSS = [
    '<img src=x onerror="window.__xss=1">',
    "</script><script>window.__xss=2</script>",
    "\u2028<!--<script>window.__xss=3</script>",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="run scripts/setup/audit.sh to install chromium"),
]


@pytest.fixture
def report(recorder: Recorder, keys: Keys, tmp_path: Path) -> Path:
    titles = [f"PAY-7 {XSS[0]}", "PAY-3 zebra", f"PAY-9 {XSS[1]}", "PAY-1 apple", f"PAY-5 {XSS[2]}"]
    for n, title in zip((7, 3, 9, 1, 5), titles, strict=True):
        recorder.record(
            pr_facts(n, title, merged_at=f"2026-11-{10 + n:02d}T10:00:00Z", merge_sha=f"{n}" * 40, approved=n != 9)
        )
    recorder.exception("direct push", ("e" * 40,), "9" * 40, "e" * 40, "2026-11-25T10:00:00Z")
    out = tmp_path / "report.html"
    proc = run_cli(
        "export",
        "--ledger",
        str(recorder.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--format",
        "html",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    b = Browser(tmp_path / "chromium-profile")
    yield b
    b.close()


def column(browser: Browser, name: str) -> list[str]:
    return browser.js(f"""(() => {{
        const heads = [...document.querySelectorAll('#population thead th')].map(th => th.dataset.column);
        const at = heads.indexOf({name!r});
        const rows = document.querySelectorAll('#population tbody tr:not(.detail)');
        return [...rows].map(tr => tr.children[at].textContent);
    }})()""")


def set_value(browser: Browser, element: str, value: str, event: str) -> None:
    browser.js(
        f"{{const e = document.getElementById('{element}'); e.value = '{value}'; "
        f"e.dispatchEvent(new Event('{event}')); }}"
    )


def click_header(browser: Browser, name: str) -> None:
    browser.js("document.querySelector('#population th[data-column=\"" + name + "\"]').click()")


def test_report_renders_sorts_filters_and_keeps_xss_as_text(report: Path, browser: Browser, tmp_path: Path) -> None:
    html = report.read_text()
    assert "<img src=x" not in html and "http://" not in html.split("<body>")[1].split("application/json")[0]
    browser.open(report)
    assert browser.js("document.body.dataset.ready") == "1"
    assert browser.js("document.getElementById('sum-changes').textContent") == "6"
    assert column(browser, "pr") == ["7", "3", "9", "1", "5", ""], "ledger order before sorting"
    click_header(browser, "pr")
    assert column(browser, "pr") == ["", "1", "3", "5", "7", "9"]
    click_header(browser, "pr")
    assert column(browser, "pr") == ["9", "7", "5", "3", "1", ""]
    click_header(browser, "title")
    titles = column(browser, "title")
    assert titles == sorted(titles, key=str.lower)
    # the payloads are displayed as the literal text, and none of them ran
    for payload in XSS:
        assert any(payload in t for t in titles), payload
    assert browser.js("typeof window.__xss") == "undefined"
    assert browser.js("document.querySelectorAll('#population img, #population script').length") == 0
    # filter: the verdict selector and the free-text box
    set_value(browser, "verdict", "fail", "change")
    assert column(browser, "pr") == ["9"]
    set_value(browser, "verdict", "", "change")
    set_value(browser, "filter", "ZEBRA", "input")
    deadline = time.time() + 5
    while column(browser, "pr") != ["3"] and time.time() < deadline:
        time.sleep(0.05)
    assert column(browser, "pr") == ["3"]
    assert browser.js("document.getElementById('count').textContent") == "1 of 6 changes"
    set_value(browser, "filter", "", "input")
    time.sleep(0.3)
    browser.js("document.querySelector('.controls').scrollIntoView()")
    shot = tmp_path / "report.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000
    assert browser.problems() == []


def test_packet_page_renders_without_errors(
    report: Path, recorder: Recorder, keys: Keys, browser: Browser, tmp_path: Path
) -> None:
    population = tmp_path / "population.json"
    assert (
        run_cli(
            "export",
            "--ledger",
            str(recorder.ledger),
            "--branch",
            BRANCH,
            "--key",
            str(keys.public),
            "--format",
            "json",
            "--out",
            str(population),
        ).returncode
        == 0
    )
    proc = run_cli(
        "sample",
        "--population",
        str(population),
        "--size",
        "6",
        "--seed",
        "x",
        "--packets",
        str(tmp_path / "packets"),
        "--key",
        str(keys.public),
    )
    assert proc.returncode == 0, proc.stderr
    pages = sorted((tmp_path / "packets").glob("*.html"))
    assert len(pages) == 6
    for page in pages:
        browser.open(page)
        assert browser.js("document.querySelector('h1').textContent").startswith("Evidence packet")
    assert browser.js("typeof window.__xss") == "undefined"
    browser.screenshot(tmp_path / "packet.png")
    assert browser.problems() == []
