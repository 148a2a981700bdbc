"""The terminal text of `changeproof reconcile`: what was reconciled, and every gap, one line each."""

from __future__ import annotations

from typing import Any


def _heading(result: dict[str, Any]) -> list[str]:
    if "repositories" not in result:
        return [
            f"{result['repository']} branch {result['branch']} at {result['head'][:12]}, period {result['period']}",
            f"time source: {result['time_source_note']}",
        ]
    lines = [f"{result['repository']} from {result['manifest']}, period {result['period']}"]
    for repo in result["repositories"]:
        lines.append(
            f"  {repo['repository']} branch {repo['branch']} at {repo['head'][:12]}: {repo['total']} change(s), "
            f"{repo['exceptions']} exception(s), time source {repo['time_source']}"
        )
    return lines


def render_text(result: dict[str, Any]) -> str:
    """Text for a single repository's reconciliation or a manifest's (which lists its repositories first)."""
    lines = _heading(result)
    several = "repositories" in result
    for ledger in result["ledgers"]:
        lines.append(f"ledger {ledger['ledger']}: {ledger['status']}, {ledger['entries']} entries")
    lines.append(
        f"{result['total']} change(s); {result['exceptions']} exception(s); {result['emergency']} emergency change(s)"
    )
    for change in result["changes"]:
        commits = len(change["commits"])
        label = f"PR #{change['pr']}" if change["pr"] else change["tip"][:12]
        if several:
            label = f"{change.get('repository')} {label}"
        if change["exception"]:
            # a commit date is what the committer wrote, not when it reached the branch: say which it is
            when = "committed" if change.get("time_source") == "commit date" else "pushed"
            lines.append(
                f"  EXCEPTION {label} ({commits} commit(s), {when} {change['pushed_at']}): {change['exception']}"
            )
    for record in result["records_not_on_branch"]:
        where = f"{record['repository']} " if several else ""
        lines.append(
            f"  note: {where}merge record of PR #{record['pr']} (entry {record['seq']}) names "
            f"{record['merge_sha'][:12]}, which is not on the branch's first-parent history"
        )
    lines.append(
        "RECONCILED: every change has a merge record"
        if not result["exceptions"]
        else f"GAPS: {result['exceptions']} exception(s)"
    )
    return "\n".join(lines)
