"""The auditor's side: export, reconcile, sample, simulate, evidence packets and the HTML report.

Everything here reads a ledger only after `checker.evidence.verify_ledger` accepted it with the
auditor's own keys.
"""

from __future__ import annotations

from pathlib import Path


def demo_export(ledger: str, branch: str, key_pub_path: str, out_dir: Path) -> Path:
    """Export the demo's ledger as the HTML report (and CSV + JSON beside it); returns the HTML path."""
    from checker.audit.population import Period
    from checker.audit.run import export

    out_dir.mkdir(parents=True, exist_ok=True)
    html, _ = export([ledger], branch, [key_pub_path], Period(), "html", out_dir / "audit-report.html")
    export([ledger], branch, [key_pub_path], Period(), "csv", out_dir / "audit-population.csv")
    export([ledger], branch, [key_pub_path], Period(), "json", out_dir / "audit-population.json")
    return html


__all__ = ["demo_export"]
