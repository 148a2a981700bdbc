"""What people read: the job summary, the HTML section and the CSV escape untrusted text."""

from __future__ import annotations

from pathlib import Path

from checker.audit.deployments import figures, html, write_csv
from checker.deploy.model import Change, Deployment, Shipment, TracedDeployment
from checker.deploy.step import DeploymentsRun
from checker.jobs.deployments import claim_files, summary

EVIL = "<img src=x onerror=alert(1)>|*x*"


def row(**changes: object) -> dict:
    base = {
        "repository": "acme/web",
        "environment": "production",
        "id": EVIL,
        "source": "github",
        "sha": "a" * 40,
        "ref": "main",
        "creator": '=HYPERLINK("http://evil")',
        "deployed_at": "2026-11-01T10:00:00Z",
        "approved_by": [EVIL],
        "approval_unobservable": [],
        "traced": False,
        "untraced_changes": ["b" * 40],
        "changes": [{"sha": "b" * 40, "record": "merge", "pr": 3, "seq": 4, "verdict": "fail"}],
        "rollback": False,
        "baseline": None,
        "ledger": "l",
        "seq": 9,
        "entry_hash": "h",
    }
    return {**base, **changes}


def test_html_section_escapes_and_states_the_figure() -> None:
    page = str(html([row(), row(id="2", traced=True, untraced_changes=[])]))
    assert "<img" not in page and "&lt;img src=x" in page
    assert "1 of 2</b>production deployments traced" in page
    assert figures([row()])["acme/web"]["production"]["figure"] == "0 of 1 production deployments traced"


def test_csv_neutralises_formulas(tmp_path: Path) -> None:
    path = write_csv([row()], tmp_path / "export.csv")
    text = path.read_text()
    assert path.name == "export-deployments.csv"
    assert "'=HYPERLINK" in text and "bbbbbbbbbbbb merge fail" in text


def test_job_summary_escapes_untrusted_text() -> None:
    deployment = Deployment("github", "acme/web", EVIL, EVIL, "c" * 40)
    traced = TracedDeployment(
        deployment, Shipment(None, ("d" * 40,)), (Change("d" * 40, "merge", False),), False, ("d" * 40,)
    )
    text = summary(DeploymentsRun([(5, traced)], [(EVIL, "7", "no successful status")], [(EVIL, "403")]))
    assert "<img" not in text and "\\|" in text
    assert "**no**" in text and "**unobservable**" in text


def test_claims_input_is_a_file_or_a_directory(tmp_path: Path) -> None:
    (tmp_path / "claims").mkdir()
    for name in ("b.json", "a.json", "notes.txt"):
        (tmp_path / "claims" / name).write_text("{}")
    assert [p.name for p in claim_files(str(tmp_path), "claims")] == ["a.json", "b.json"]
    assert claim_files(str(tmp_path), "claims/a.json") == [tmp_path / "claims" / "a.json"]
