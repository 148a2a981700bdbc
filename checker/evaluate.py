"""The pure core: `evaluate(policy, facts) -> Evaluation`.

No network, no clock, no environment: the evaluation time is `facts.observed_at`. The same
inputs give the same Evaluation, byte for byte, which is what lets an auditor re-perform a
recorded evaluation years later.
"""

from __future__ import annotations

from dataclasses import replace

from checker import __version__
from checker.catalog import catalog
from checker.controls import REGISTRY, Context, Outcome
from checker.model import (
    ControlResult,
    Evaluation,
    Facts,
    Mode,
    Policy,
    PolicyMode,
    Status,
    Verdict,
    Waiver,
)
from checker.patterns import glob_match, glob_set
from checker.serde import sha256_digest

POLICY_FILE_CONTROL = "policy_file"
# Statuses that block when the control is enforced.
FAILING = frozenset({Status.FAIL, Status.ERROR, Status.UNOBSERVABLE})
WAIVABLE = frozenset({Status.FAIL, Status.ERROR, Status.UNOBSERVABLE, Status.WARN})


def evaluate(policy: Policy, facts: Facts, *, tool_version: str = __version__) -> Evaluation:
    ctx = Context(facts, policy)
    results: list[ControlResult] = []
    if policy.invalid:
        issues = "; ".join(f"{i.location}: {i.message}" if i.location else i.message for i in policy.invalid)
        results.append(
            ControlResult(
                control=POLICY_FILE_CONTROL,
                title="Policy file valid",
                status=Status.ERROR,
                mode=Mode.ENFORCE,
                message=f"the policy file at the base commit is invalid, so no PR can pass: {issues}",
                remediation=next((i.fix for i in policy.invalid if i.fix), "")
                or "Fix the policy file in a PR of its own (that PR is judged by the baseline profile).",
            )
        )
    emergency = False
    for control_id in catalog():
        settings = policy.controls.get(control_id)
        if settings is None or settings.mode is Mode.OFF:
            continue
        outcome = _run(control_id, ctx, settings.params)
        result = _result(control_id, settings.mode, outcome)
        result = _apply_waivers(result, policy.waivers, facts)
        if control_id == "emergency_change" and result.status is Status.EMERGENCY:
            emergency = settings.mode is Mode.ENFORCE
        results.append(result)
    if emergency:
        results = [_as_emergency(r) for r in results]
    verdict = _verdict(results)
    return Evaluation(
        repository=facts.repository,
        number=facts.number,
        head_sha=facts.head_sha,
        base_sha=facts.base_sha,
        evaluated_at=facts.observed_at,
        policy_mode=policy.mode,
        verdict=verdict,
        results=tuple(results),
        facts_digest=sha256_digest(facts),
        policy_digest=sha256_digest(policy),
        tool_version=tool_version,
        summary=_summary(verdict, results, policy.mode),
    )


def _run(control_id: str, ctx: Context, params: dict[str, object]) -> Outcome:
    """Run one control; a bug in a control is an `error` result, never a pass or a crash."""
    try:
        return REGISTRY[control_id](ctx, dict(params))
    except Exception as exc:
        return Outcome(
            Status.ERROR,
            f"internal error in control {control_id}: {type(exc).__name__}: {exc}",
            "Report this to the changeproof maintainers with the facts file.",
        )


def _result(control_id: str, mode: Mode, outcome: Outcome) -> ControlResult:
    info = catalog()[control_id]
    status = outcome.status
    if mode is Mode.WARN and status is Status.FAIL:
        status = Status.WARN
    remediation = outcome.remediation
    if not remediation and status not in (Status.PASS, Status.NOT_APPLICABLE):
        remediation = info.remediation
    return ControlResult(
        control=control_id,
        title=info.title,
        status=status,
        mode=mode,
        message=outcome.message,
        remediation=remediation,
        observed=outcome.observed,
        locations=outcome.locations,
    )


def waiver_applies(waiver: Waiver, facts: Facts) -> bool:
    scope = waiver.scope
    if scope.prs and facts.number not in scope.prs:
        return False
    if scope.branches and not glob_match(scope.branches, facts.base_ref):
        return False
    if scope.paths:
        if facts.files_truncated or not facts.files:
            return False
        in_scope = glob_set(scope.paths)
        return all(in_scope.match(f.path) for f in facts.files)
    return True


def _apply_waivers(result: ControlResult, waivers: tuple[Waiver, ...], facts: Facts) -> ControlResult:
    if result.status not in WAIVABLE:
        return result
    today = facts.observed_at[:10]
    expired_note = ""
    for waiver in waivers:
        if waiver.control != result.control or not waiver_applies(waiver, facts):
            continue
        if today > waiver.expires:
            expired_note = (
                f" A waiver approved by {waiver.approved_by} ({waiver.reason}) expired on "
                f"{waiver.expires} and no longer waives this control."
            )
            continue
        return replace(
            result,
            status=Status.WAIVED,
            waiver=waiver,
            message=f"waived until {waiver.expires} by {waiver.approved_by}: {waiver.reason} "
            f"(finding: {result.message})",
        )
    if expired_note:
        return replace(
            result,
            message=result.message + expired_note,
            remediation=(result.remediation + " Renew the waiver or fix the finding.").strip(),
        )
    return result


def _as_emergency(result: ControlResult) -> ControlResult:
    if result.mode is Mode.ENFORCE and (result.status in FAILING or result.status is Status.PENDING):
        return replace(
            result,
            status=Status.EMERGENCY,
            message=f"bypassed by the emergency change; retrospective review required ({result.message})",
        )
    return result


def _verdict(results: list[ControlResult]) -> Verdict:
    enforced = [r.status for r in results if r.mode is Mode.ENFORCE]
    if any(s in FAILING for s in enforced):
        return Verdict.FAIL
    if Status.PENDING in enforced:
        return Verdict.PENDING
    if Status.EMERGENCY in enforced:
        return Verdict.EMERGENCY
    return Verdict.PASS


def _summary(verdict: Verdict, results: list[ControlResult], mode: PolicyMode) -> str:
    blocking = [r.control for r in results if r.mode is Mode.ENFORCE and r.status in FAILING]
    pending = [r.control for r in results if r.mode is Mode.ENFORCE and r.status is Status.PENDING]
    text = {
        Verdict.PASS: "all enforced controls pass",
        Verdict.FAIL: f"{len(blocking)} enforced control(s) not satisfied: {', '.join(blocking)}",
        Verdict.PENDING: f"waiting for: {', '.join(pending)}",
        Verdict.EMERGENCY: "emergency change: passes now, retrospective review required after merge",
    }[verdict]
    if mode is PolicyMode.ADVISORY and verdict in (Verdict.FAIL, Verdict.PENDING):
        text += " (advisory mode: not blocking)"
    return text
