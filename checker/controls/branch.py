"""Platform controls: the base branch and the evidence ledger branch are protected."""

from __future__ import annotations

from typing import Any

from checker.controls.context import Context, Outcome
from checker.model import BranchRules, Status


def _judge(rules: BranchRules | None, wanted: list[tuple[str, bool]], what: str, fix: str) -> Outcome:
    if rules is None:
        return Outcome(Status.UNOBSERVABLE, f"the rules of the {what} were not collected")
    missing = [name for name, ok in wanted if not ok]
    observed = {
        "branch": rules.branch,
        "sources_read": list(rules.sources_read),
        "unreadable": [
            {"what": u.what, "reason": u.reason, "permission_needed": u.permission_needed} for u in rules.unreadable
        ],
        "checked": {name: ok for name, ok in wanted},
    }
    if not missing:
        return Outcome(Status.PASS, f"{what} '{rules.branch}' has every required rule", observed=observed)
    if rules.unreadable:
        needs = "; ".join(
            f"{u.what}: {u.reason}" + (f" (needs {u.permission_needed})" if u.permission_needed else "")
            for u in rules.unreadable
        )
        return Outcome(
            Status.UNOBSERVABLE,
            f"{what} '{rules.branch}': not found in {', '.join(rules.sources_read) or 'anything readable'}: "
            f"{', '.join(missing)}; could not read {needs}",
            "Give the action a token that can read branch protection, or express the rules as a ruleset "
            "(readable with the default token).",
            observed,
        )
    return Outcome(Status.FAIL, f"{what} '{rules.branch}' lacks: {', '.join(missing)}", fix, observed)


def branch_rules(ctx: Context, params: dict[str, Any]) -> Outcome:
    rules = ctx.facts.branch_rules
    wanted: list[tuple[str, bool]] = []
    if rules is not None:
        if params.get("require_pull_request", True):
            wanted.append(("pull requests required", rules.requires_pull_request))
        need = int(params.get("min_approvals", 1))
        if need:
            wanted.append((f"at least {need} approval(s) required", rules.required_approvals >= need))
        if params.get("require_status_checks", True):
            wanted.append(("status checks required", bool(rules.required_status_checks)))
        if params.get("block_force_push", True):
            wanted.append(("force pushes blocked", rules.blocks_force_push))
        if params.get("block_deletion", True):
            wanted.append(("deletion blocked", rules.blocks_deletion))
    return _judge(
        rules,
        wanted,
        "base branch",
        "Add a branch ruleset on the base branch with the missing rules (Settings > Rules > Rulesets).",
    )


def ledger_protected(ctx: Context, params: dict[str, Any]) -> Outcome:
    rules = ctx.facts.ledger_rules
    wanted: list[tuple[str, bool]] = []
    if rules is not None:
        wanted = [
            ("force pushes blocked", rules.blocks_force_push),
            ("deletion blocked", rules.blocks_deletion),
            ("pushes restricted", rules.restricts_updates),
        ]
    return _judge(
        rules,
        wanted,
        "ledger branch",
        "Add a ruleset on the ledger branch that blocks force pushes and deletion and restricts "
        "updates to the record job's identity.",
    )
