"""A terminal report: readable without colour, aligned columns, fixes spelled out."""

from __future__ import annotations

import textwrap

from checker.model import Evaluation, Mode, PolicyMode, Status
from checker.render.icons import STATUS_ORDER


def _clean(text: str) -> str:
    """Untrusted text cannot move the cursor or clear the screen: control characters become spaces."""
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in text)


def render_text(evaluation: Evaluation, *, width: int = 100) -> str:
    e = evaluation
    advisory = " (advisory: not blocking)" if e.policy_mode is PolicyMode.ADVISORY else ""
    out = [
        f"changeproof {e.verdict.value.upper()}{advisory} — {_clean(e.repository)} #{e.number} at {e.head_sha[:12]}",
        _clean(e.summary),
        "",
    ]
    for r in sorted(e.results, key=lambda r: (STATUS_ORDER[r.status], r.control)):
        mode = "" if r.mode is Mode.ENFORCE else " (warn only: never blocks the merge)"
        out.append(f"{r.status.value.replace('_', ' ').upper():<15}{r.control}{mode}")
        body = textwrap.wrap(_clean(r.message), width - 15) or [""]
        out.extend(" " * 15 + line for line in body)
        if r.remediation and r.status not in (Status.PASS, Status.NOT_APPLICABLE):
            fix = textwrap.wrap("How to fix: " + _clean(r.remediation), width - 15)
            out.extend(" " * 15 + line for line in fix)
    out.append("")
    out.append(f"facts {e.facts_digest[:16]}  policy {e.policy_digest[:16]}  changeproof {e.tool_version}")
    return "\n".join(out) + "\n"
