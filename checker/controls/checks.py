"""Required checks: each named check succeeded on the head commit, produced by the expected app."""

from __future__ import annotations

from typing import Any

from checker.controls.context import Context, Outcome, listing, short
from checker.model import Check, Status

OWN_CHECK_PREFIX = "changeproof"


def required_check_specs(params: dict[str, Any]) -> list[tuple[str, str | None]]:
    specs: list[tuple[str, str | None]] = []
    for item in params.get("checks", []):
        if isinstance(item, str):
            specs.append((item, None))
        else:
            specs.append((item["name"], item.get("app")))
    return specs


def is_own_check(check: Check) -> bool:
    """changeproof never counts its own status or check run as evidence for itself."""
    return check.name.lower().startswith(OWN_CHECK_PREFIX)


def required_checks(ctx: Context, params: dict[str, Any]) -> Outcome:
    specs = required_check_specs(params)
    if not specs:
        return Outcome(Status.NOT_APPLICABLE, "the policy names no required checks")
    facts = ctx.facts
    acceptable = {"success"}
    if params.get("allow_neutral"):
        acceptable.add("neutral")
    if params.get("allow_skipped"):
        acceptable.add("skipped")
    failed: list[str] = []
    pending: list[str] = []
    passed: list[str] = []
    evidence: list[dict[str, Any]] = []
    for name, app in specs:
        same_name = [c for c in facts.checks if c.name == name and not is_own_check(c)]
        from_app = [c for c in same_name if app is None or c.app.lower() == app.lower()]
        spoofed = [c for c in same_name if c not in from_app]
        evidence.extend(
            {
                "name": c.name,
                "kind": c.kind,
                "app": c.app,
                "status": c.status,
                "conclusion": c.conclusion,
                "url": c.url,
                "counted": c in from_app,
            }
            for c in same_name
        )
        label = f"{name}" + (f" (from {app})" if app else "")
        if not from_app:
            note = f"; ignored {listing([c.app for c in spoofed])}'s '{name}', not from {app}" if spoofed else ""
            if facts.merge.merged:
                failed.append(f"{label} never reported on {short(facts.head_sha)}{note}")
            else:
                pending.append(f"{label} has not reported yet{note}")
            continue
        running = [c for c in from_app if c.status != "completed"]
        bad = [c for c in from_app if c.status == "completed" and c.conclusion not in acceptable]
        if bad:
            failed.append(f"{label} concluded {bad[0].conclusion}")
        elif running:
            pending.append(f"{label} is {running[0].status}")
        else:
            passed.append(label)
    observed = {"head_sha": facts.head_sha, "required": [n for n, _ in specs], "checks": evidence}
    if failed:
        return Outcome(
            Status.FAIL,
            "; ".join(failed),
            "Open the failing checks' logs, fix the cause and push a new commit.",
            observed,
        )
    if pending:
        return Outcome(
            Status.PENDING,
            "; ".join(pending),
            "Wait for the checks to finish; changeproof re-evaluates when they complete.",
            observed,
        )
    return Outcome(
        Status.PASS, f"all {len(passed)} required check(s) succeeded on {short(facts.head_sha)}", observed=observed
    )
