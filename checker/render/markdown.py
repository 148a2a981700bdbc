"""A PR-ready Markdown report: one table row per control (status, control, what was found, how to fix)."""

from __future__ import annotations

from checker.model import Evaluation, Mode, PolicyMode
from checker.render.approval import approval_details
from checker.render.escape import md_escape
from checker.render.icons import STATUS_ICON, STATUS_ORDER, VERDICT_ICON

MAX_SUMMARY_BYTES = 1024 * 1024  # GitHub's step-summary limit


def render_markdown(evaluation: Evaluation, *, footer: str = "", limit: int = MAX_SUMMARY_BYTES) -> str:
    """The report; `footer` is trusted Markdown appended verbatim (evidence links, API call counts)."""
    e = evaluation
    mode_note = " · advisory mode (never blocks)" if e.policy_mode is PolicyMode.ADVISORY else ""
    lines = [
        f"### {VERDICT_ICON[e.verdict]} changeproof: {e.verdict.value.upper()}{mode_note}",
        "",
        f"{md_escape(e.summary)}  ",
        f"`{md_escape(e.repository, 200)}` #{e.number} · head `{e.head_sha[:12]}` · "
        f"evaluated {md_escape(e.evaluated_at, 40)}",
        "",
        "| | Control | Finding | How to fix |",
        "|---|---|---|---|",
    ]
    rows = sorted(e.results, key=lambda r: (STATUS_ORDER[r.status], r.control))
    for r in rows:
        mode = "" if r.mode is Mode.ENFORCE else f" ({r.mode.value})"
        lines.append(
            f"| {STATUS_ICON[r.status]} {r.status.value} | **{md_escape(r.title)}**{mode} | "
            f"{md_escape(r.message)} | {md_escape(r.remediation) if r.remediation else ''} |"
        )
    lines += approval_details(e)
    lines += [
        "",
        f"<sub>facts sha256 `{e.facts_digest[:16]}` · policy sha256 `{e.policy_digest[:16]}` · "
        f"changeproof {md_escape(e.tool_version, 40)}</sub>",
    ]
    if footer:
        lines += ["", footer]
    text = "\n".join(lines) + "\n"
    return _fit(text, limit)


def _fit(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    note = "\n\n_Report truncated to fit GitHub's step-summary limit; the JSON report has everything._\n"
    cut = data[: limit - len(note.encode())].decode(errors="ignore")
    return cut[: cut.rfind("\n")] + note
