"""Required checks: each named check succeeded on the head commit, produced by the expected app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.controls.context import Context, Outcome, listing, short
from checker.model import BranchRules, Check, Status

OWN_CHECK_PREFIX = "changeproof"


@dataclass(frozen=True)
class CheckSpec:
    """One required check: its name, and the app (slug from the policy, id from a branch rule) it must come from."""

    name: str
    app: str | None = None
    app_id: int | None = None
    source: str = "policy"

    @property
    def pin(self) -> str:
        pins = ([f"from {self.app}"] if self.app else []) + ([f"from app {self.app_id}"] if self.app_id else [])
        return ", ".join(pins)

    @property
    def label(self) -> str:
        return self.name + (f" ({self.pin})" if self.pin else "")

    def accepts(self, check: Check) -> bool:
        if self.app is not None and check.app.lower() != self.app.lower():
            return False
        return self.app_id is None or check.app_id == self.app_id


def required_check_specs(params: dict[str, Any]) -> list[tuple[str, str | None]]:
    specs: list[tuple[str, str | None]] = []
    for item in params.get("checks", []):
        if isinstance(item, str):
            specs.append((item, None))
        else:
            specs.append((item["name"], item.get("app")))
    return specs


def all_required(params: dict[str, Any], rules: BranchRules | None) -> list[CheckSpec]:
    """The policy's checks and those the base branch's rules require (changeproof's own excepted)."""
    specs = [CheckSpec(name, app) for name, app in required_check_specs(params)]
    for rule in rules.required_checks if rules is not None else ():
        if rule.context.lower().startswith(OWN_CHECK_PREFIX):
            continue  # the gate is never evidence for itself; its own verdict is what the rule waits for
        specs.append(CheckSpec(rule.context, None, rule.integration_id, rule.source))
    return list(dict.fromkeys(specs))


def _hidden_rules(rules: BranchRules | None) -> list[str]:
    """Branch rule sources that could not be read: the checks they may require are not known."""
    if rules is None:
        return ["the base branch's rules were not collected"]
    return [
        f"{u.what} could not be read ({u.reason}"
        + (f"; needs {u.permission_needed})" if u.permission_needed else ")")
        + ", so no claim is made about the checks it may require"
        for u in rules.unreadable
    ]


def is_own_check(check: Check) -> bool:
    """changeproof never counts its own status or check run as evidence for itself."""
    return check.name.lower().startswith(OWN_CHECK_PREFIX)


def required_checks(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    specs = all_required(params, facts.branch_rules)
    hidden = _hidden_rules(facts.branch_rules)
    caveat = "".join(f"; {h}" for h in hidden)
    if not specs:
        return Outcome(
            Status.NOT_APPLICABLE,
            "neither the policy nor the base branch's rules require a check" + caveat,
            observed={"required": [], "unread_rules": hidden},
        )
    acceptable = {"success"}
    if params.get("allow_neutral"):
        acceptable.add("neutral")
    if params.get("allow_skipped"):
        acceptable.add("skipped")
    failed: list[str] = []
    pending: list[str] = []
    passed: list[str] = []
    evidence: list[dict[str, Any]] = []
    for spec in specs:
        name = spec.name
        same_name = [c for c in facts.checks if c.name == name and not is_own_check(c)]
        from_app = [c for c in same_name if spec.accepts(c)]
        spoofed = [c for c in same_name if c not in from_app]
        evidence.extend(
            {
                "name": c.name,
                "kind": c.kind,
                "app": c.app,
                "status": c.status,
                "conclusion": c.conclusion,
                "url": c.url,
                "app_id": c.app_id,
                "required_by": spec.source,
                "counted": c in from_app,
            }
            for c in same_name
        )
        label = spec.label
        if not from_app:
            note = (
                f"; ignored {listing([c.app or c.kind for c in spoofed])}'s '{name}', not {spec.pin}" if spoofed else ""
            )
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
    observed = {
        "head_sha": facts.head_sha,
        "required": [{"name": s.name, "app": s.app, "app_id": s.app_id, "required_by": s.source} for s in specs],
        "checks": evidence,
        "unread_rules": hidden,
    }
    if failed:
        return Outcome(
            Status.FAIL,
            "; ".join(failed) + caveat,
            "Open the failing checks' logs, fix the cause and push a new commit.",
            observed,
        )
    if pending:
        return Outcome(
            Status.PENDING,
            "; ".join(pending) + caveat,
            "Wait for the checks to finish; changeproof re-evaluates when they complete.",
            observed,
        )
    return Outcome(
        Status.PASS,
        f"all {len(passed)} required check(s) succeeded on {short(facts.head_sha)}" + caveat,
        observed=observed,
    )
