"""The `approval_policy` control: the policy's policy-bot style approval policy, from the Facts alone."""

from __future__ import annotations

from typing import Any

from checker.approval_policy import REFERENCE
from checker.approval_policy.evaluate import (
    APPROVED,
    DISAPPROVED,
    PENDING,
    SKIPPED,
    PolicyResult,
    RuleResult,
    evaluate_policy,
)
from checker.catalog import catalog
from checker.controls.context import Context, Outcome, listing
from checker.model import Status

STATUS = {
    APPROVED: Status.PASS,
    PENDING: Status.PENDING,
    DISAPPROVED: Status.FAIL,
    SKIPPED: Status.FAIL,
}


def approval_policy(ctx: Context, params: dict[str, Any]) -> Outcome:
    spec = ctx.policy.approval_policy
    if spec is None:
        return Outcome(Status.NOT_APPLICABLE, "the policy has no approval_policy section")
    result = evaluate_policy(ctx, spec)
    status = STATUS.get(result.status, Status.UNOBSERVABLE)
    message = _message(result)
    relaxed = result.relaxed()
    if relaxed:
        message += " | relaxed: " + "; ".join(f"{name!r}: {', '.join(why)}" for name, why in relaxed.items())
    return Outcome(status, message, _remediation(result), observed(result))


def _message(result: PolicyResult) -> str:
    if result.status == SKIPPED:
        head = "skipped: All rules were skipped. At least one rule must match."
    else:
        head = f"{result.status}: {result.description}"
    parts = [head]
    for r in result.rules.values():
        parts.append(f"{r.name!r} {r.status}: {r.reason}")
    if not result.disapproval.description.startswith("No disapproval policy"):
        parts.append(f"disapproval {result.disapproval.status}: {result.disapproval.description}")
    return " | ".join(parts)


def _remediation(result: PolicyResult) -> str:
    if result.status == APPROVED:
        return ""
    fixes = []
    if result.status == DISAPPROVED:
        fixes.append("resolve the disapproval (a disapprover or another allowed user revokes it)")
    for r in result.rules.values():
        if r.status in (PENDING, "unobservable") and r.required:
            missing = max(r.required - len(r.approvers), 0)
            if missing:
                fixes.append(f"{r.name!r}: {missing} more approval(s) from {r.can_approve}")
        failed = [c.name for c in r.conditions if not c.satisfied]
        if failed:
            fixes.append(f"{r.name!r}: make {listing(failed)} hold")
    if result.status == SKIPPED:
        fixes.append("no rule applies to this PR; add a rule that does (policy-bot posts an error in this case)")
    return "; ".join(fixes)


def _rule_json(r: RuleResult) -> dict[str, Any]:
    return {
        "name": r.name,
        "description": r.description,
        "status": r.status,
        "reason": r.reason,
        "predicates": [{"name": p.name, "satisfied": p.satisfied, "description": p.description} for p in r.predicates],
        "conditions": [{"name": p.name, "satisfied": p.satisfied, "description": p.description} for p in r.conditions],
        "required": r.required,
        "approvers": r.approvers,
        "candidates": [
            {
                "user": j.candidate.user,
                "via": j.candidate.kind,
                "ref": j.candidate.ref,
                "at": j.candidate.created_at,
                "counted": j.counted,
                "category": j.category,
                "reason": j.reason,
            }
            for j in r.judged
        ],
        "can_approve": r.can_approve,
        "relaxed": r.relaxed,
        "request_review": {"users": r.request_users, "teams": r.request_teams},
    }


def _tree_json(node: Any) -> dict[str, Any]:
    return {
        "name": node.name,
        "status": node.status,
        "description": node.description,
        "children": [_tree_json(c) for c in node.children],
    }


def observed(result: PolicyResult) -> dict[str, Any]:
    users = sorted({u for r in result.rules.values() for u in r.request_users}, key=str.lower)
    teams = sorted({t for r in result.rules.values() for t in r.request_teams}, key=str.lower)
    relaxed = result.relaxed()
    return {
        "reference": REFERENCE,
        "status": result.status,
        "approval": _tree_json(result.approval),
        "disapproval": {"status": result.disapproval.status, "description": result.disapproval.description},
        "rules": [_rule_json(r) for r in result.rules.values()],
        "request_review": {"users": users, "teams": teams},
        "relaxed": relaxed,
        "relaxed_frameworks": catalog()["approval_policy"].relaxed if relaxed else {},
    }
