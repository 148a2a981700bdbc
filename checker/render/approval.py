"""The approval policy's "why" for the step summary: per rule, which approvals counted, why each
other one did not (stale, author, contributor, permission, method, edited, requirement), and who
can still approve. Everything from the PR (logins, descriptions) is escaped."""

from __future__ import annotations

from typing import Any

from checker.model import Evaluation
from checker.render.escape import md_escape

MAX_CANDIDATES = 30  # per rule; the JSON report has them all
ICON = {"approved": "✅", "pending": "⏳", "skipped": "⏭️", "unobservable": "❔", "disapproved": "⛔"}


def approval_details(evaluation: Evaluation) -> list[str]:
    result = next((r for r in evaluation.results if r.control == "approval_policy"), None)
    rules: list[dict[str, Any]] = list((result.observed.get("rules") or []) if result else [])
    if result is None or not rules:
        return []
    observed = result.observed
    lines = ["", "<details><summary>Approval policy: every rule, and why each approval counted or not</summary>", ""]
    for rule in rules:
        status = str(rule.get("status"))
        lines.append(
            f"- {ICON.get(status, '')} **{md_escape(str(rule.get('name')), 200)}**: {status}, "
            f"{md_escape(str(rule.get('reason')), 500)}"
        )
        for c in rule.get("candidates", [])[:MAX_CANDIDATES]:
            who = f"{md_escape(str(c['user']), 100)} ({md_escape(str(c['ref']), 40)})"
            if c["counted"]:
                lines.append(f"  - counted: {who}")
            else:
                lines.append(f"  - not counted: {who}: {c['category']}, {md_escape(str(c['reason']), 300)}")
        if status in ("pending", "unobservable") and rule.get("can_approve"):
            lines.append(f"  - can still approve: {md_escape(str(rule['can_approve']), 500)}")
        if rule.get("relaxed"):
            lines.append(f"  - relaxes changeproof's defaults: {md_escape('; '.join(rule['relaxed']), 500)}")
    disapproval = observed.get("disapproval") or {}
    lines.append(f"- disapproval: {disapproval.get('status')}, {md_escape(str(disapproval.get('description')), 300)}")
    frameworks = observed.get("relaxed_frameworks") or {}
    if frameworks:
        lines.append(
            "- relaxed rules weaken: " + "; ".join(f"{k.upper()} {md_escape(v, 200)}" for k, v in frameworks.items())
        )
    lines += ["", "</details>"]
    return lines
