"""Review controls: independent peer review, code-owner approval, and policy-bot style path rules."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

from checker.codeowners import OwnerRule
from checker.controls.context import Context, Outcome, listing, short
from checker.model import Location, PathRule, Status
from checker.patterns import glob_match, glob_set


def peer_review(ctx: Context, params: dict[str, Any]) -> Outcome:
    needed = int(params.get("min_approvals", 1))
    analysis = ctx.reviews(params)
    facts = ctx.facts
    observed: dict[str, Any] = {
        "required": needed,
        "head_sha": facts.head_sha,
        "approvals": [
            {
                "reviewer": a.reviewer,
                "commit": a.review.commit_id,
                "submitted_at": a.review.submitted_at,
                "fresh": a.fresh,
                "counts": a.counts(),
                "problems": list(a.problems) + list(a.unobservable),
            }
            for a in analysis.approvals
        ],
    }
    outstanding = analysis.changes_requested if params.get("block_on_changes_requested", True) else ()
    if outstanding:
        who = listing([f"{r.reviewer} (on {short(r.commit_id)})" for r in outstanding])
        return Outcome(
            Status.FAIL,
            f"changes requested by {who} are outstanding",
            f"Address the requested changes and ask {listing([r.reviewer for r in outstanding])} to approve "
            "or dismiss their review.",
            observed,
        )
    if needed == 0:
        return Outcome(Status.PASS, "the policy requires no approvals", observed=observed)
    if facts.commits_truncated:
        return Outcome(
            Status.UNOBSERVABLE,
            "the PR has more commits than the API lists (250), so reviewer independence cannot be checked",
            "Split the PR, or squash its history, so every commit can be read.",
            observed,
        )
    counted = [a for a in analysis.approvals if a.counts()]
    if len(counted) >= needed:
        names = listing([f"{a.reviewer} on {short(a.review.commit_id)}" for a in counted])
        got = f"{len(counted)} independent approval{'s' if len(counted) != 1 else ''}"
        return Outcome(Status.PASS, f"{got} ({needed} required): {names}", observed=observed)
    reasons = []
    maybe = []
    for a in analysis.approvals:
        if a.counts():
            continue
        why = list(a.problems)
        if not a.fresh:
            why.append(f"given on {short(a.review.commit_id)}, before the latest push {short(facts.head_sha)}")
        if not why and a.unobservable:
            maybe.append(a)
        reasons.append(f"{a.reviewer}: {'; '.join(why + list(a.unobservable))}")
    contributors = sorted(analysis.contributors)
    fix = (
        f"Ask {needed - len(counted)} more reviewer(s) with write access to approve commit "
        f"{short(facts.head_sha)}; they must not be {listing(contributors)} (author, committers, co-authors)."
    )
    detail = f" Not counted: {' | '.join(reasons)}." if reasons else ""
    if len(counted) + len(maybe) >= needed:
        return Outcome(
            Status.UNOBSERVABLE,
            f"{len(counted)} of {needed} approvals established; the rest cannot be verified.{detail}",
            "Give the action a token that can read what is missing, or set "
            "peer_review.accept_unlinked_authors if unlinked commit authors are acceptable.",
            observed,
        )
    wanted = f"{needed} required approval{'s' if needed != 1 else ''}"
    return Outcome(Status.FAIL, f"{len(counted)} of {wanted}.{detail}", fix, observed)


@dataclass(frozen=True)
class OwnerStanding:
    path: str
    owners: tuple[str, ...]
    state: str  # approved / missing / unowned / unobservable
    approved_by: str = ""
    line: int = 0


def owner_standing(ctx: Context, path: str, approvers: tuple[str, ...]) -> OwnerStanding:
    """Has a code owner of `path` (per CODEOWNERS at base) approved, among `approvers`?"""
    owners_file = ctx.codeowners
    rule = owners_file.rule_for(path) if owners_file else None
    if rule is None:
        return OwnerStanding(path, (), "unowned")
    key = ("owner_standing", rule.index, approvers)
    standing = ctx.memo.get(key)
    if not isinstance(standing, OwnerStanding):
        standing = _rule_standing(ctx, rule, approvers)
        ctx.memo[key] = standing
    return OwnerStanding(path, standing.owners, standing.state, standing.approved_by, standing.line)


def _rule_standing(ctx: Context, rule: OwnerRule, approvers: tuple[str, ...]) -> OwnerStanding:
    path = ""  # the caller fills in the file; the standing depends on the rule only
    owners = tuple(o for o in rule.owners if not ctx.lacks_write(o))
    if not owners:
        return OwnerStanding(path, (), "unowned", line=rule.line)
    users = tuple(o[1:] for o in owners if o.startswith("@") and "/" not in o)
    teams = tuple(o[1:] for o in owners if o.startswith("@") and "/" in o)
    emails = tuple(o for o in owners if not o.startswith("@"))
    unknown = bool(emails)
    for approver in approvers:
        member = ctx.is_member(approver, users, teams)
        if member:
            return OwnerStanding(path, owners, "approved", approver, rule.line)
        if member is None:
            unknown = True
    return OwnerStanding(path, owners, "unobservable" if unknown else "missing", line=rule.line)


def code_owners(ctx: Context, params: dict[str, Any]) -> Outcome:
    facts = ctx.facts
    source = facts.codeowners
    if source is None or source.state == "unreadable":
        reason = source.reason if source else "CODEOWNERS was not collected"
        return Outcome(Status.UNOBSERVABLE, f"CODEOWNERS at the base commit could not be read: {reason}")
    if source.state == "absent":
        if params.get("require_codeowners_file"):
            return Outcome(
                Status.FAIL,
                "no CODEOWNERS file at the base commit (.github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS)",
                "Add a CODEOWNERS file to the default branch naming owners for every path.",
            )
        return Outcome(Status.NOT_APPLICABLE, "the repository has no CODEOWNERS file at the base commit")
    if facts.files_truncated:
        return Outcome(
            Status.UNOBSERVABLE,
            "the PR changes more files than the API lists (3000), so their owners cannot all be known",
            "Split the PR into smaller ones.",
        )
    approvers = ctx.reviews().valid_approvers()
    owners_file = ctx.codeowners
    by_rule: dict[int, list[str]] = {}
    rules = owners_file.rules_for(ctx.changed_paths) if owners_file else [None] * len(ctx.changed_paths)
    for path, rule in zip(ctx.changed_paths, rules, strict=True):
        by_rule.setdefault(-1 if rule is None else rule.index, []).append(path)
    groups: list[tuple[OwnerStanding, list[str]]] = []
    for index, paths in by_rule.items():
        if index < 0 or owners_file is None:
            groups.append((OwnerStanding("", (), "unowned"), paths))
        else:
            groups.append((_rule_standing(ctx, owners_file.rules[index], approvers), paths))
    missing = [p for s, paths in groups if s.state == "missing" for p in paths]
    unknown = [p for s, paths in groups if s.state == "unobservable" for p in paths]
    unowned = [p for s, paths in groups if s.state == "unowned" for p in paths]
    observed: dict[str, Any] = {
        "codeowners_path": source.path,
        "approvers": list(approvers),
        "rules": [
            {
                "line": s.line,
                "owners": list(s.owners),
                "state": s.state,
                "approved_by": s.approved_by,
                "files": paths[:200],
                "file_count": len(paths),
            }
            for s, paths in sorted(groups, key=lambda g: g[0].line)
        ],
        "warnings": list(owners_file.warnings) if owners_file else [],
    }
    missing_owners = sorted({o for s, _ in groups if s.state == "missing" for o in s.owners})
    locations = tuple(
        islice(
            (
                Location(p, title=f"needs approval from {listing(list(s.owners), 3)}")
                for s, paths in groups
                if s.state == "missing"
                for p in paths
            ),
            50,
        )
    )
    if params.get("require_owner_for_every_file") and unowned:
        missing_owner = listing(unowned)
        return Outcome(
            Status.FAIL,
            f"no code owner is defined for {missing_owner}",
            f"Add CODEOWNERS entries covering {missing_owner}.",
            observed,
            locations,
        )
    if missing:
        return Outcome(
            Status.FAIL,
            f"{len(missing)} file(s) lack a code owner's approval on {short(facts.head_sha)}: {listing(missing)}",
            f"Ask one of {listing(missing_owners, 8)} to approve the latest commit.",
            observed,
            locations,
        )
    if unknown:
        return Outcome(
            Status.UNOBSERVABLE,
            f"owner approval of {listing(unknown)} cannot be verified: team membership "
            "is unreadable or an owner is an email address",
            "Give the action a token with read:org (a GitHub App with Members: read) so team membership can be read.",
            observed,
        )
    owned = len(ctx.changed_paths) - len(unowned)
    return Outcome(Status.PASS, f"code owners approved all {owned} owned file(s)", observed=observed)


def _rule_applies(ctx: Context, rule: PathRule) -> tuple[bool | None, tuple[str, ...]]:
    """Whether the rule's `if:` holds (None: cannot tell) and the changed files it matched."""
    cond = rule.condition
    facts = ctx.facts
    matched: tuple[str, ...] = ctx.changed_paths
    if cond.changed_files:
        wanted, ignored = glob_set(cond.changed_files), glob_set(cond.ignore_files)
        matched = tuple(p for p in ctx.changed_paths if wanted.match(p) and not ignored.match(p))
        if not matched:
            return (None if facts.files_truncated else False), ()
    if cond.author_users or cond.author_teams:
        member = ctx.is_member(facts.author, cond.author_users, cond.author_teams)
        if not member:
            return member, matched
    if cond.has_labels and not set(cond.has_labels) & set(facts.labels):
        return False, matched
    if cond.target_branches and not glob_match(cond.target_branches, facts.base_ref):
        return False, matched
    return True, matched


def path_rules(ctx: Context, params: dict[str, Any]) -> Outcome:
    rules = ctx.policy.rules
    if not rules:
        return Outcome(Status.NOT_APPLICABLE, "the policy defines no path rules")
    results: list[dict[str, Any]] = []
    failing: list[str] = []
    unknown: list[str] = []
    fixes: list[str] = []
    for rule in rules:
        applies, matched = _rule_applies(ctx, rule)
        entry: dict[str, Any] = {"rule": rule.name, "applies": applies, "matched_files": list(matched[:50])}
        results.append(entry)
        if applies is None:
            unknown.append(f"{rule.name!r} (whether it applies cannot be observed)")
            continue
        if not applies:
            continue
        req = rule.requires
        approvers = ctx.reviews().valid_approvers(require_fresh=rule.invalidate_on_push)
        eligible: list[str] = []
        maybe = False
        for approver in approvers:
            ok: bool | None = True
            if req.users or req.teams:
                ok = ctx.is_member(approver, req.users, req.teams)
            if ok and req.code_owners:
                ok = any(owner_standing(ctx, p, (approver,)).state == "approved" for p in matched)
            if ok:
                eligible.append(approver)
            elif ok is None:
                maybe = True
        entry.update({"required": req.count, "approved_by": eligible})
        if len(eligible) >= req.count:
            continue
        whom = listing([*(f"@{u.lstrip('@')}" for u in req.users), *(f"@{t.lstrip('@')}" for t in req.teams)])
        if req.code_owners:
            whom = (whom + " who own the matched files") if whom else "code owners of the matched files"
        whom = whom or "reviewers with write access"
        text = f"{rule.name!r} needs {req.count} approval(s) from {whom}, has {len(eligible)}"
        if maybe:
            unknown.append(text + " (team membership unreadable)")
        else:
            failing.append(text)
            fixes.append(f"{rule.name}: ask {whom}")
    observed = {"rules": results}
    if failing:
        return Outcome(Status.FAIL, "; ".join(failing), "; ".join(fixes), observed)
    if unknown:
        return Outcome(
            Status.UNOBSERVABLE,
            "; ".join(unknown),
            "Give the action a token with read:org so team membership can be read.",
            observed,
        )
    applied = sum(1 for r in results if r["applies"])
    return Outcome(Status.PASS, f"{applied} of {len(rules)} rule(s) apply and are satisfied", observed=observed)
