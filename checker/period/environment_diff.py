"""Changes to the signing environment's branch policy, judged like ruleset changes.

The environment decides which branches' jobs can read the evidence signing key: its deployment
branch policy (protected branches, or custom branch and tag patterns), its protection rules and
required reviewers. Widening any of them is a *weakening*. GitHub keeps no history of
environment changes, so a change is dated by the environment's `updated_at` (when it falls
between the two runs, else the run that saw it) and its author is unobservable (`actor: null`).
`diff.environment_changes` lists the changes; this module flattens and judges them. Pure.
"""

from __future__ import annotations

from typing import Any

NOTE = "GitHub does not record who changes an environment"


def environment_fields(env: dict[str, Any] | None) -> dict[str, Any]:
    """The environment as flat fields (`updated_at` dates a change; it is not one)."""
    if env is None:
        return {}
    if not env.get("exists"):
        return {"exists": False}
    policy = env.get("deployment_branch_policy")
    branches = env.get("branch_policies")
    return {
        "exists": True,
        "deployment_branch_policy": _scope(policy),
        "branch_policies": None if branches is None else sorted(f"{b.get('type')}:{b.get('name')}" for b in branches),
        "protection_rules": sorted(env.get("protection_rules") or []),
        "required_reviewers": env.get("required_reviewers"),
        "prevent_self_review": env.get("prevent_self_review"),
    }


def _scope(policy: Any) -> str:
    """Which branches may use the environment: all, protected, or custom (patterns listed apart)."""
    if not isinstance(policy, dict):
        return "all branches"
    if policy.get("protected_branches"):
        return "protected branches"
    return "custom branch policies" if policy.get("custom_branch_policies") else "all branches"


def environment_weakening(field: str, before: Any, after: Any) -> str:
    """Why this change lets more jobs reach the signing key, or more easily ("" when it does not)."""
    if field == "exists":
        return "signing environment deleted" if before is True and after is not True else ""
    if field == "deployment_branch_policy":
        if after == "all branches" and before in ("protected branches", "custom branch policies"):
            return "deployment branch policy removed: any branch can use the environment"
        return ""
    if field == "branch_policies" and isinstance(before, list) and isinstance(after, list):
        added = sorted(set(after) - set(before))
        return f"branch policy added: {', '.join(added)}" if added else ""
    if field == "protection_rules" and isinstance(before, list):
        removed = sorted(set(before) - set(after or []))
        return f"environment protection rule removed: {', '.join(removed)}" if removed else ""
    if field == "required_reviewers" and isinstance(before, list) and isinstance(after, list):
        added = sorted(set(after) - set(before))
        return f"required reviewer added: {', '.join(added)}" if added and before else ""
    if field == "prevent_self_review":
        return "required reviewers may approve their own deployments" if before is True and after is False else ""
    return ""


def environment_change_time(previous: dict[str, Any], posture: dict[str, Any]) -> str:
    """When the environment changed: its `updated_at` if between the two runs, else this run."""
    since, now = str(previous.get("collected_at") or ""), str(posture.get("collected_at") or "")
    updated = str(((posture.get("config") or {}).get("environment") or {}).get("updated_at") or "")
    return updated if since < updated <= now else now
