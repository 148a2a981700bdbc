"""Governance controls: edits to the rules themselves, and break-glass emergency changes."""

from __future__ import annotations

from typing import Any

from checker.controls.context import Context, Outcome, listing, short
from checker.controls.review import owner_standing
from checker.model import Location, Status
from checker.patterns import glob_set


def policy_change(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    paths = tuple(params.get("paths", ()))
    governance = glob_set(paths)
    touched = [p for p in ctx.changed_paths if governance.match(p)]
    if facts.files_truncated:
        return Outcome(
            Status.UNOBSERVABLE,
            "the PR changes more files than the API lists, so governance edits cannot be ruled out",
            "Split the PR into smaller ones.",
        )
    if not touched:
        return Outcome(Status.NOT_APPLICABLE, "no policy, CODEOWNERS or workflow file changed")
    analysis = ctx.reviews()
    approvers = analysis.valid_approvers()
    observed: dict[str, Any] = {"governance_files": touched, "approvers": list(approvers)}
    locations = tuple(Location(p, title="governance file") for p in touched[:50])
    if params.get("approvers", "code_owners") == "listed":
        users, teams = tuple(params.get("users", ())), tuple(params.get("teams", ()))
        count = int(params.get("count", 1))
        eligible = [a for a in approvers if ctx.is_member(a, users, teams)]
        unknown = any(ctx.is_member(a, users, teams) is None for a in approvers)
        whom = listing([f"@{x.lstrip('@')}" for x in (*users, *teams)]) or "the listed approvers"
        observed["eligible"] = eligible
        if len(eligible) >= count:
            return Outcome(Status.PASS, f"governance change approved by {listing(eligible)}", observed=observed)
        status = Status.UNOBSERVABLE if unknown else Status.FAIL
        return Outcome(
            status,
            f"{listing(touched)} changed; needs {count} approval(s) from {whom}, has {len(eligible)}",
            f"Ask {whom} to approve commit {short(facts.head_sha)}.",
            observed,
            locations,
        )
    missing: list[str] = []
    unknown_files: list[str] = []
    unowned: list[str] = []
    owners: set[str] = set()
    for path in touched:
        standing = owner_standing(ctx, path, approvers)
        owners.update(standing.owners)
        if standing.state == "missing":
            missing.append(path)
        elif standing.state == "unobservable":
            unknown_files.append(path)
        elif standing.state == "unowned":
            unowned.append(path)
    if unowned and not approvers:
        missing.extend(unowned)
    observed["unowned"] = unowned
    if missing:
        whom = listing(sorted(owners), 8) if owners else "a reviewer with write access"
        return Outcome(
            Status.FAIL,
            f"{listing(missing)} changed without approval from its code owner",
            f"Ask {whom} to approve commit {short(facts.head_sha)}.",
            observed,
            locations,
        )
    if unknown_files:
        return Outcome(
            Status.UNOBSERVABLE,
            f"owner approval of {listing(unknown_files)} cannot be verified (team membership unreadable)",
            "Give the action a token with read:org.",
            observed,
            locations,
        )
    note = (
        (
            f"; {listing(unowned)} ha(s) no code owner, so any independent approval was accepted — "
            "add CODEOWNERS entries to require specific owners"
        )
        if unowned
        else ""
    )
    return Outcome(Status.PASS, f"governance change approved{note}", observed=observed, locations=locations)


def emergency_change(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    label = str(params.get("label", "emergency"))
    if label not in facts.labels:
        return Outcome(Status.NOT_APPLICABLE, f"no '{label}' label")
    team = str(params.get("team", ""))
    if not team:
        return Outcome(
            Status.NOT_APPLICABLE,
            f"the '{label}' label is present but the policy names no emergency team, so it has no effect",
            "Set controls.emergency_change.team to the team allowed to declare emergencies.",
        )
    applied = [e for e in facts.label_events if e.label == label and e.action == "labeled"]
    if not applied:
        return Outcome(
            Status.UNOBSERVABLE,
            f"who applied the '{label}' label could not be read",
            "Re-apply the label so its event is recorded.",
        )
    event = max(applied, key=lambda e: e.created_at)
    member = ctx.is_member(event.actor, (), (team,))
    observed = {"label": label, "applied_by": event.actor, "applied_at": event.created_at, "team": team}
    if member is None:
        return Outcome(
            Status.UNOBSERVABLE,
            f"membership of {event.actor} in {team} could not be read",
            "Give the action a token with read:org.",
            observed,
        )
    if not member:
        return Outcome(
            Status.FAIL,
            f"the '{label}' label was applied by {event.actor}, who is not a member of {team}",
            f"Remove the label; only members of {team} may declare an emergency change.",
            observed,
        )
    return Outcome(
        Status.EMERGENCY,
        f"emergency change declared by {event.actor} ({team}) at {event.created_at}; "
        "it needs a retrospective review after merge",
        "After merging, an independent reviewer must approve the change for the retrospective review.",
        observed,
    )
