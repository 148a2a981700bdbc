"""Evaluate an approval policy against the Facts (pure): rules, the and/or tree, disapproval.

Statuses follow policy-bot (policy/approval/*.go, policy/disapproval/, policy/policy.go at the
reference commit): a rule whose `if:` does not hold is *skipped*; one whose requirements hold is
*approved*, else *pending*; `and` / `or` ignore skipped children and are skipped when every
child is; disapproval wins over everything. changeproof adds *unobservable*: a predicate,
membership, permission or comment it cannot read never approves and never skips a rule.
Every candidate approval that does not count carries its reason (stale, author, contributor,
permission, method, edited, requirement).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker.approval_policy.methods import Candidate, Candidates, Methods, candidates
from checker.approval_policy.predicates import PredicateResult, PullView, evaluate_all, matches_any
from checker.approval_policy.spec import (
    ApprovalPolicy,
    Disapproval,
    Node,
    Rule,
    build,
    relaxations,
)
from checker.defaults import PLATFORM_COMMITTERS
from checker.model import WRITE_PERMISSIONS, ApprovalPolicySpec, Commit

if TYPE_CHECKING:  # checker.controls imports this module (the approval_policy control)
    from checker.controls.context import Context

CONTRIBUTOR_REASON = "authored, committed or co-authored a commit in this PR (allow_contributor is off)"
APPROVED, PENDING, SKIPPED, DISAPPROVED, UNOBSERVABLE = "approved", "pending", "skipped", "disapproved", "unobservable"


@dataclass(frozen=True)
class Judged:
    """One candidate approval and whether it counted for a rule; `category` says why not."""

    candidate: Candidate
    counted: bool
    category: str = ""  # stale / author / contributor / permission / method / edited / requirement / unobservable
    reason: str = ""


@dataclass
class RuleResult:
    name: str
    description: str
    status: str
    reason: str
    predicates: list[PredicateResult] = field(default_factory=list)
    conditions: list[PredicateResult] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    required: int = 0
    can_approve: str = ""
    relaxed: list[str] = field(default_factory=list)
    request_users: list[str] = field(default_factory=list)
    request_teams: list[str] = field(default_factory=list)


@dataclass
class NodeResult:
    name: str  # a rule name, "and" or "or"
    status: str
    description: str
    children: list[NodeResult] = field(default_factory=list)


@dataclass
class DisapprovalResult:
    status: str  # disapproved / skipped / unobservable
    description: str


@dataclass
class PolicyResult:
    status: str
    description: str
    approval: NodeResult
    disapproval: DisapprovalResult
    rules: dict[str, RuleResult]

    def relaxed(self) -> dict[str, list[str]]:
        return {name: r.relaxed for name, r in self.rules.items() if r.relaxed and r.status != SKIPPED}


# ------------------------------------------------------------------------------------- rules


class RuleEvaluator:
    def __init__(self, ctx: Context, view: PullView, rule: Rule, raw_options: dict[str, Any]) -> None:
        self.ctx, self.view, self.rule, self.raw_options = ctx, view, rule, raw_options
        self.facts = ctx.facts

    def _ignorable(self, commit: Commit) -> bool:
        """Commits that neither invalidate approvals nor make contributors (policy-bot filteredCommits)."""
        opts = self.rule.options
        if opts.ignore_update_merges and commit.merges_base:
            return True
        if opts.ignore_commits_by.empty():
            return False
        users = self.view.commit_users(commit)
        return bool(users) and all(u is not None and self.view.is_actor(opts.ignore_commits_by, u) for u in users)

    def _contributors(self) -> tuple[set[str], list[str]]:
        """Logins (lower-case) of commit authors/committers (and co-authors) other than the PR author,
        and identities that cannot be linked to an account."""
        author = self.facts.author.lower()
        logins: set[str] = set()
        unlinked: list[str] = []
        for c in self.facts.commits:
            if self._ignorable(c):
                continue
            people = [("author", c.author), ("committer", c.committer)]
            if self.rule.options.count_co_authors:
                people += [("co-author", p) for p in c.co_authors]
            for role, person in people:
                if person.login is None:
                    if role != "committer":
                        unlinked.append(f"{role} {person.email or person.name or '?'} of {c.sha[:7]}")
                elif person.login.lower() not in PLATFORM_COMMITTERS and person.login.lower() != author:
                    logins.add(person.login.lower())
        if self.facts.commits_truncated:
            unlinked.append("the authors of commits beyond the 250 the API lists")
        return logins, list(dict.fromkeys(unlinked))

    def _fresh(self, candidate: Candidate) -> tuple[bool | None, str]:
        """Bound to the head commit: reviews by their commit, comments by the head's push time."""
        facts = self.facts
        if candidate.kind == "review":
            if candidate.commit_id == facts.head_sha:
                return True, ""
            shas = [c.sha for c in facts.commits]
            if candidate.commit_id in shas:
                later = facts.commits[shas.index(candidate.commit_id) + 1 :]
                if later and all(self._ignorable(c) for c in later):
                    return True, ""
            return False, f"given on {candidate.commit_id[:7]}, before the latest push {facts.head_sha[:7]}"
        pushed = facts.approval.head_pushed_at if facts.approval else None
        if not pushed:
            return None, (
                "the head commit's push time could not be read (repository activity or workflow runs), so a "
                "comment cannot be placed before or after it"
            )
        if candidate.created_at > pushed:
            return True, ""
        return False, f"written {candidate.created_at}, not after the push of {facts.head_sha[:7]} at {pushed}"

    def _judge(self, c: Candidate, banned: dict[str, tuple[str, str]], unlinked: list[str]) -> Judged:
        opts = self.rule.options
        user = c.user.lower()
        if opts.ignore_edited_comments:
            if c.edited:
                return Judged(c, False, "edited", "the comment was edited (ignore_edited_comments)")
            if c.edited is None:
                return Judged(
                    c, False, "unobservable", f"GitHub's REST API does not say whether the {c.ref} was edited"
                )
        if user in banned:
            category, why = banned[user]
            return Judged(c, False, category, why)
        if c.is_bot and user not in {b.lower() for b in self.ctx.policy.trusted_bots}:
            return Judged(c, False, "method", "approval by a bot the policy does not trust (trusted_bots)")
        if opts.invalidate_on_push:
            fresh, why = self._fresh(c)
            if fresh is None:
                return Judged(c, False, "unobservable", why)
            if not fresh:
                return Judged(c, False, "stale", why)
        member = self.view.is_actor(self.rule.actors, c.user)
        if member is None:
            return Judged(c, False, "unobservable", "team or organization membership, or permission, cannot be read")
        if not member:
            if self.rule.actors.empty():
                why = "the rule names no users, teams, organizations or permissions, so no approval can count"
            else:
                why = f"not among {self.rule.actors.describe()}"
            return Judged(c, False, "requirement", why)
        if opts.require_write_access:
            permission = self.view.permission(c.user)
            if permission is None:
                return Judged(c, False, "unobservable", "the approver's permission on the repository could not be read")
            if permission not in WRITE_PERMISSIONS:
                return Judged(c, False, "permission", f"has {permission} access; write is required")
        if self.rule.code_owners:
            from checker.controls.review import owner_standing  # lazy: checker.controls imports this module

            standing = {owner_standing(self.ctx, p, (c.user,)).state for p in self._matched_files()}
            if "approved" not in standing:
                if "unobservable" in standing or self.ctx.codeowners is None:
                    return Judged(c, False, "unobservable", "code ownership of the matched files cannot be established")
                return Judged(c, False, "requirement", "owns none of the files this rule matched (CODEOWNERS)")
        if unlinked and not (opts.allow_contributor or opts.allow_non_author_contributor):
            return Judged(
                c,
                False,
                "unobservable",
                "independence cannot be established: " + ", ".join(unlinked[:3]) + " cannot be linked to an account",
            )
        return Judged(c, True)

    def _matched_files(self) -> list[str]:
        """The files the rule's changed_files predicate matched (every changed file without one)."""
        cfg = dict(self.rule.predicates).get("changed_files")
        paths = [p for touched in self.view.paths for p in touched]
        if not cfg:
            return paths
        return [
            p for p in paths if matches_any(cfg.get("paths") or (), p) and not matches_any(cfg.get("ignore") or (), p)
        ]

    def evaluate(self) -> RuleResult:
        rule = self.rule
        result = RuleResult(rule.name, rule.description, PENDING, "", required=rule.count)
        result.relaxed = relaxations(self.raw_options)
        result.predicates = evaluate_all(self.view, rule.predicates)
        failed = next((p for p in result.predicates if p.satisfied is False), None)
        if failed is not None:
            result.status, result.reason = SKIPPED, f"{failed.name}: {failed.description}"
            return result
        unknown_pred = next((p for p in result.predicates if p.satisfied is None), None)
        if unknown_pred is not None:
            result.status = UNOBSERVABLE
            result.reason = (
                f"whether the rule applies cannot be observed: {unknown_pred.name}: {unknown_pred.description}"
            )
            return result
        result.conditions = evaluate_all(self.view, rule.conditions)
        unknown: list[str] = []
        approvals_ok = True
        if rule.count > 0:
            found = shared_candidates(self.view, rule.options.methods, "APPROVED")
            banned, unlinked = self._banned()
            result.judged = [self._judge(c, banned, unlinked) for c in found.items]
            result.approvers = [j.candidate.user for j in result.judged if j.counted]
            maybe = [j for j in result.judged if j.category == "unobservable"]
            approvals_ok = len(result.approvers) >= rule.count
            if not approvals_ok and (found.unobservable or len(result.approvers) + len(maybe) >= rule.count):
                unknown.extend(found.unobservable)
                unknown.extend(f"{j.candidate.user} ({j.candidate.ref}): {j.reason}" for j in maybe[:3])
            result.can_approve = self._can_approve(banned)
        cond_failed = [c for c in result.conditions if c.satisfied is False]
        cond_unknown = [c for c in result.conditions if c.satisfied is None]
        parts = []
        if rule.count > 0:
            parts.append(f"{len(result.approvers)}/{rule.count} required approvals")
        if result.conditions:
            ok = sum(1 for c in result.conditions if c.satisfied)
            parts.append(f"{ok}/{len(result.conditions)} required conditions")
        summary = " and ".join(parts)
        if approvals_ok and not cond_failed and not cond_unknown:
            result.status = APPROVED
            by = ", ".join(result.approvers)
            named = [x for x in (by, "required conditions" if result.conditions else "") if x]
            result.reason = ("Approved by " + " and ".join(named)) if parts else "No approval required"
            return result
        if cond_failed or (not approvals_ok and not unknown):
            result.status = PENDING
            detail = "; ".join(f"{c.name}: {c.description}" for c in cond_failed)
            result.reason = summary + (f" ({detail})" if detail else "")
        else:
            result.status = UNOBSERVABLE
            detail = "; ".join([*unknown, *(f"{c.name}: {c.description}" for c in cond_unknown)])
            result.reason = f"{summary}; cannot be decided: {detail}"
        if result.status == PENDING and rule.options.request_review.enabled and not self.facts.draft:
            result.request_users, result.request_teams = self._review_requests(banned_users(result))
        return result

    def _banned(self) -> tuple[dict[str, tuple[str, str]], list[str]]:
        """Who may not approve (login -> (category, reason)) and the identities that cannot be linked."""
        opts = self.rule.options
        banned: dict[str, tuple[str, str]] = {}
        contributors, unlinked = self._contributors()
        if not opts.allow_author and not opts.allow_contributor:
            banned[self.facts.author.lower()] = ("author", "the PR author cannot approve (allow_author is off)")
        if not opts.allow_contributor and not opts.allow_non_author_contributor:
            for login in contributors:
                banned.setdefault(login, ("contributor", CONTRIBUTOR_REASON))
        return banned, unlinked

    def _can_approve(self, banned: dict[str, tuple[str, str]]) -> str:
        rule = self.rule
        who = rule.actors.describe() if not rule.actors.empty() else "no one (the rule names no approvers)"
        extra = []
        if rule.options.require_write_access:
            extra.append("with write access")
        if rule.code_owners:
            extra.append("who own a matched file")
        if rule.options.invalidate_on_push:
            extra.append(f"approving commit {self.facts.head_sha[:7]}")
        text = who + (" " + ", ".join(extra) if extra else "")
        if banned:
            text += "; not " + ", ".join(sorted(banned)[:8])
        return text

    def _pool(self) -> list[str]:
        """Users who could approve, for review requests: named users, known team/org members, collaborators."""
        rule = self.rule
        pool: set[str] = set(rule.actors.users)
        for team in rule.actors.teams:
            pool.update(self.ctx.team_members(team) or ())
        for org in rule.actors.organizations:
            pool.update(self.view.org_members(org) or ())
        approval = self.facts.approval
        if rule.actors.permissions and approval:
            pool.update(login for login, perm in approval.collaborators.items() if perm in rule.actors.permissions)
        return sorted(pool, key=str.lower)

    def _review_requests(self, excluded: set[str]) -> tuple[list[str], list[str]]:
        rule = self.rule
        request = rule.options.request_review
        if request.mode == "teams":
            return [], sorted(rule.actors.teams)
        pool = []
        for login in self._pool():
            permission = self.view.permission(login)
            if login.lower() in excluded or permission in (None, "none"):
                continue  # policy-bot requests only collaborators, never the author
            pool.append(login)
        if request.mode == "all-users":
            return pool, []
        count = request.count or rule.count
        seed = hashlib.sha256(
            f"{self.facts.repository}\0{self.facts.number}\0{self.facts.head_sha}\0{rule.name}".encode()
        ).digest()
        picks = random.Random(seed).sample(pool, min(count, len(pool)))  # noqa: S311 - a fair pick, not a secret
        return sorted(picks, key=str.lower), []


def banned_users(result: RuleResult) -> set[str]:
    return {j.candidate.user.lower() for j in result.judged if j.category in ("author", "contributor")}


def shared_candidates(view: PullView, methods: Methods, state: str) -> Candidates:
    """Rules with the same methods share their candidates (computed once per evaluation)."""
    key = ("candidates", methods, state)
    if key not in view.memo:
        view.memo[key] = candidates(view.facts, methods, state)
    found: Candidates = view.memo[key]
    return found


# -------------------------------------------------------------------------------------- tree


def combine(op: str, children: list[NodeResult]) -> NodeResult:
    statuses = [c.status for c in children]
    approved, pending = statuses.count(APPROVED), statuses.count(PENDING)
    unknown = statuses.count(UNOBSERVABLE)
    if op == "or":
        if approved:
            return NodeResult("or", APPROVED, "One or more rules approved", children)
        if unknown:
            return NodeResult("or", UNOBSERVABLE, "No rule is approved and some cannot be observed", children)
        if pending:
            return NodeResult("or", PENDING, "None of the rules are satisfied", children)
        return NodeResult("or", SKIPPED, "All of the rules are skipped", children)
    if pending:
        return NodeResult("and", PENDING, f"{approved}/{approved + pending + unknown} rules approved", children)
    if unknown:
        text = f"{approved}/{approved + unknown} rules approved; the rest cannot be observed"
        return NodeResult("and", UNOBSERVABLE, text, children)
    if approved:
        return NodeResult("and", APPROVED, "All rules are approved", children)
    return NodeResult("and", SKIPPED, "All of the rules are skipped", children)


def _node(node: Node, rules: dict[str, RuleResult]) -> NodeResult:
    if isinstance(node, str):
        r = rules[node]
        return NodeResult(node, r.status, r.reason)
    op, children = node
    return combine(op, [_node(c, rules) for c in children])


# ------------------------------------------------------------------------------- disapproval


def _disapproval(ctx: Context, view: PullView, dis: Disapproval) -> DisapprovalResult:
    unknown = ""
    for p in evaluate_all(view, dis.predicates):
        if p.satisfied:
            return DisapprovalResult(DISAPPROVED, p.description or "A precondition of this rule was satisfied")
        if p.satisfied is None:
            unknown = unknown or f"{p.name}: {p.description}"
    if dis.actors.empty():
        if unknown:
            return DisapprovalResult(UNOBSERVABLE, f"whether a disapproval predicate holds is unobservable: {unknown}")
        return DisapprovalResult(SKIPPED, "No disapproval policy is specified or the policy is empty")
    last: dict[str, Candidate | None] = {}
    kinds = (("disapprove", dis.disapprove, "CHANGES_REQUESTED"), ("revoke", dis.revoke, "APPROVED"))
    for kind, methods, state in kinds:
        found = shared_candidates(view, methods, state)
        if found.unobservable:
            unknown = unknown or "; ".join(found.unobservable)
        allowed = []
        for c in found.items:
            member = view.is_actor(dis.actors, c.user)
            if member is None:
                unknown = unknown or f"whether {c.user} may {kind} cannot be read (membership)"
            elif member:
                allowed.append(c)
        last[kind] = allowed[-1] if allowed else None
    disapprover, revoker = last["disapprove"], last["revoke"]
    if disapprover is not None and (revoker is None or disapprover.created_at > revoker.created_at):
        return DisapprovalResult(DISAPPROVED, f"Disapproved by {disapprover.user} ({disapprover.ref})")
    if unknown:
        return DisapprovalResult(UNOBSERVABLE, f"whether the PR is disapproved cannot be observed: {unknown}")
    if disapprover is None:
        return DisapprovalResult(SKIPPED, "No disapprovals")
    assert revoker is not None
    return DisapprovalResult(SKIPPED, f"Disapproval revoked by {revoker.user}")


# ------------------------------------------------------------------------------------ policy


def evaluate_policy(ctx: Context, spec: ApprovalPolicySpec) -> PolicyResult:
    policy: ApprovalPolicy = build(spec)
    view = PullView(ctx)
    raw_options = {r.name: r.options for r in spec.rules}
    rules = {name: RuleEvaluator(ctx, view, rule, raw_options[name]).evaluate() for name, rule in policy.rules.items()}
    used = _used_rules(policy.tree)
    rules = {name: r for name, r in rules.items() if name in used}
    if policy.tree:
        approval = combine("and", [_node(n, rules) for n in policy.tree])
    else:
        approval = NodeResult("approval", APPROVED, "No approval policy defined")
    disapproval = _disapproval(ctx, view, policy.disapproval)
    if disapproval.status == DISAPPROVED:
        status, description = DISAPPROVED, disapproval.description
    elif disapproval.status == UNOBSERVABLE and approval.status != PENDING:
        status, description = UNOBSERVABLE, disapproval.description
    else:
        status, description = approval.status, approval.description
    return PolicyResult(status, description, approval, disapproval, rules)


def _used_rules(tree: tuple[Node, ...]) -> set[str]:
    out: set[str] = set()
    stack: list[Node] = list(tree)
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            out.add(node)
        else:
            stack.extend(node[1])
    return out
