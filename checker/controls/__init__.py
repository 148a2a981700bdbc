"""The controls: one module per family, each registering its check functions by control id.

A check function takes the evaluation `Context` and the control's parameters and returns an
`Outcome`. It never does I/O; everything it needs is in the Facts and the Policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.controls import approval, branch, checks, content, governance, iac, review
from checker.controls.context import Context, Outcome

Check = Callable[[Context, dict[str, Any]], Outcome]

REGISTRY: dict[str, Check] = {
    "peer_review": review.peer_review,
    "code_owners": review.code_owners,
    "path_rules": review.path_rules,
    "approval_policy": approval.approval_policy,
    "required_checks": checks.required_checks,
    "tests_with_code": content.tests_with_code,
    "change_ticket": content.change_ticket,
    "signed_commits": content.signed_commits,
    "branch_rules": branch.branch_rules,
    "policy_change": governance.policy_change,
    "emergency_change": governance.emergency_change,
    "iac_misconfig": iac.iac_misconfig,
    "ledger_protected": branch.ledger_protected,
}

__all__ = ["REGISTRY", "Check", "Context", "Outcome"]
