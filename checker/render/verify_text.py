"""The text form of `changeproof verify`'s result (the JSON form is `VerifyReport.to_json`)."""

from __future__ import annotations

from checker.evidence import VerifyReport


def render_verify_text(report: VerifyReport) -> str:
    lines = [
        f"ledger {report.ledger} branch {report.branch} at {report.commit[:12]}",
        f"entries: {report.entries}   checkpoint size {report.size} root {report.root[:16]}",
        f"dates: {report.first_date or '-'} .. {report.last_date or '-'}",
    ]
    for signer, count in sorted(report.signers.items()):
        lines.append(f"signer {signer[:32]}: {count} entries")
    if report.trusted_ledger_keys:
        lines.append("WARNING: no --key/--identity given: trusted the ledger's own key list (LEDGER.json).")
    for name, size in sorted(report.witnessed_size.items()):
        lines.append(f"witness {name}: cosigned a checkpoint of size {size}")
    for span in report.witnessed:
        lines.append(f"witnessed: entries {span.first}..{span.last} by {span.time}")
    for w in report.warnings:
        if not w.startswith("no --key"):
            lines.append(f"warning: {w}")
    if report.trusted_claims or report.ignored_claims:
        lines.append(
            f"deployment claims: {len(report.trusted_claims)} by trusted deployers, "
            f"{len(report.ignored_claims)} ignored (untrusted signer)"
        )
    if report.reperformed:
        lines.append(f"re-performed: {report.reperformed} evaluations")
    lines.extend(f"semantics changed: {s}" for s in report.semantic_changes)
    if report.ok:
        lines.append("VALID: no problems found")
    else:
        lines.append(f"INVALID: {len(report.problems)} problem(s)")
        lines.extend(f"  - {p}" for p in report.problems)
    return "\n".join(lines)
