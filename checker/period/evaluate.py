"""`evaluate_posture(policy, posture)`: the pure judgement of one observed posture.

Three controls: `branch_rules` and `ledger_protected` judge the observed rules with the very
functions the per-PR evaluation uses (so the two can never disagree), and `gate_integrity`
asks whether the gate itself (its workflow files and the policy file) stayed as it was since
the last posture, or changed only through merges whose record passed. Same inputs, same output:
`verify --reperform` re-runs it on the recorded posture and policy.
"""

from __future__ import annotations

from typing import Any

from checker.controls import branch
from checker.controls.context import Context, Outcome
from checker.model import BranchRules, Facts, Policy, Status, Unobservable
from checker.serde import DecodeError, from_json

CONTROLS = ("branch_rules", "ledger_protected", "gate_integrity")


def _rules(data: Any) -> BranchRules | None:
    if not isinstance(data, dict):
        return None
    try:
        return from_json(BranchRules, data)
    except DecodeError:
        return None


def _facts(posture: dict[str, Any]) -> Facts:
    """A Facts carrying only the observed rules, so the branch controls can judge a posture."""
    config = posture.get("config") or {}
    rules = _rules(config.get("effective_rules"))
    ledger = _rules((config.get("ledger") or {}).get("rules"))
    return Facts(
        repository=str(posture.get("repository") or ""),
        number=0,
        title="posture",
        head_sha="",
        base_sha="",
        observed_at=str(posture.get("collected_at") or ""),
        author="",
        branch_rules=rules,
        ledger_rules=ledger,
        unobservable=tuple(
            Unobservable(str(u.get("what")), str(u.get("why")), str(u.get("permission_needed") or ""))
            for u in posture.get("unobservable") or []
        ),
    )


def gate_integrity(posture: dict[str, Any]) -> Outcome:
    """Gate files unchanged since the last posture, or every change merged with a passing record."""
    changes = posture.get("gate_changes")
    if changes is None:
        return Outcome(Status.NOT_APPLICABLE, "the first posture of this ledger: the baseline for later ones")
    unreadable = [c for c in changes if c.get("after") is None and c.get("state") == "unreadable"]
    if unreadable:
        return Outcome(
            Status.UNOBSERVABLE,
            f"could not read {', '.join(str(c['path']) for c in unreadable)} at the branch head",
            "Give the posture job's token contents: read on the audited repository.",
            {"changes": changes},
        )
    unexplained = [c for c in changes if not any(m.get("verdict") == "pass" for m in c.get("merges") or [])]
    if unexplained:
        return Outcome(
            Status.FAIL,
            "changed without a merge whose record passed: "
            + ", ".join(
                f"{c['path']} ({c.get('before') or 'absent'} -> {c.get('after') or 'absent'})" for c in unexplained
            ),
            "Find who changed the gate (reconcile the branch) and review the change; then revert or record it.",
            {"changes": changes},
        )
    if changes:
        return Outcome(
            Status.PASS,
            "changed only through reviewed merges: " + ", ".join(str(c["path"]) for c in changes),
            observed={"changes": changes},
        )
    return Outcome(Status.PASS, "the gate's workflows, policy and CODEOWNERS are unchanged since the last posture")


def evaluate_posture(policy: Policy, posture: dict[str, Any]) -> list[dict[str, Any]]:
    """One result per posture control: {control, status, message, remediation, observed}."""
    context = Context(_facts(posture), policy)
    outcomes: dict[str, Outcome] = {}
    for name, judge in (("branch_rules", branch.branch_rules), ("ledger_protected", branch.ledger_protected)):
        settings = policy.controls.get(name)
        outcomes[name] = judge(context, dict(settings.params) if settings else {})
    outcomes["gate_integrity"] = gate_integrity(posture)
    out = []
    for name in CONTROLS:
        o = outcomes[name]
        settings = policy.controls.get(name)
        out.append(
            {
                "control": name,
                "mode": settings.mode.value if settings else "enforce",
                "status": o.status.value,
                "message": o.message,
                "remediation": o.remediation,
                "observed": o.observed,
            }
        )
    return out
