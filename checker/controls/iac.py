"""Infrastructure-as-code: judge the findings a PR introduced (the scan itself lives in checker.iac)."""

from __future__ import annotations

from typing import Any

from checker.controls.context import Context, Outcome, listing
from checker.model import IacFinding, Location, Status
from checker.patterns import glob_match

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
# A finding whose severity is unknown is treated as high: fail closed rather than wave it through.
UNKNOWN_SEVERITY_RANK = SEVERITY_RANK["high"]


def severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity.lower(), UNKNOWN_SEVERITY_RANK)


def iac_misconfig(ctx: Context, params: dict[str, Any]) -> Outcome:
    iac = ctx.facts.iac
    if iac is None:
        return Outcome(Status.NOT_APPLICABLE, "no infrastructure-as-code scan results for this PR")
    if not iac.scanned:
        return Outcome(
            Status.UNOBSERVABLE,
            f"the IaC scan did not run: {listing(list(iac.errors)) or 'no reason'}",
            "Check the action's log for the scanner error and re-run.",
        )
    frameworks = set(params.get("frameworks", ()))
    threshold = SEVERITY_RANK.get(str(params.get("fail_on", "high")), 3)
    allow = tuple(params.get("allow", ()))
    deny = tuple(params.get("deny", ()))

    def blocking(f: IacFinding) -> bool:
        if frameworks and f.framework not in frameworks:
            return False
        if deny and glob_match(deny, f.check_id):
            return True
        if allow and glob_match(allow, f.check_id):
            return False
        return severity_rank(f.severity) >= threshold

    blockers = [f for f in iac.introduced if blocking(f)]
    below = [f for f in iac.introduced if f not in blockers]
    forbidden = tuple(params.get("forbid_suppression", ()))
    bad_suppressions = [
        s
        for s in iac.suppressions
        if (forbidden and glob_match(forbidden, s.check_id))
        or (params.get("require_suppression_reason", True) and not s.reason.strip())
    ]
    observed: dict[str, Any] = {
        "introduced": len(iac.introduced),
        "blocking": [f"{f.check_id} {f.resource} ({f.severity}) {f.file}:{f.line_start}" for f in blockers[:100]],
        "resolved": len(iac.resolved),
        "suppressions": [f"{s.check_id} {s.file}:{s.line} reason={s.reason!r}" for s in iac.suppressions[:100]],
        "sarif_sha256": iac.sarif_sha256,
    }
    locations = tuple(
        Location(f.file, f.line_start, f.line_end, f"{f.check_id} ({f.severity}): {f.check_name}")
        for f in blockers[:200]
    ) + tuple(Location(s.file, s.line, s.line, f"suppression of {s.check_id}") for s in bad_suppressions[:50])
    problems = []
    if blockers:
        problems.append(
            f"{len(blockers)} new finding(s) at or above {params.get('fail_on', 'high')}: "
            + listing([f"{f.check_id} on {f.resource}" for f in blockers])
        )
    if bad_suppressions:
        problems.append(
            f"{len(bad_suppressions)} suppression(s) not allowed or without a reason: "
            + listing([f"{s.check_id} in {s.file}" for s in bad_suppressions])
        )
    if problems:
        return Outcome(
            Status.FAIL,
            "; ".join(problems),
            "Fix the annotated resources, or document an exception with a waiver.",
            observed,
            locations,
        )
    if iac.errors:
        return Outcome(
            Status.UNOBSERVABLE,
            f"some IaC files could not be scanned: {listing(list(iac.errors))}",
            "Fix the syntax errors in those files so they can be scanned.",
            observed,
        )
    note = f" ({len(below)} below the threshold)" if below else ""
    return Outcome(Status.PASS, f"no new blocking IaC findings{note}; {len(iac.resolved)} resolved", observed=observed)
