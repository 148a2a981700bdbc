"""Facts that mirror policy-bot's own test fixtures, and helpers to evaluate approval policies.

`base_pull()` is policy-bot's `basePullContext` of policy/approval/approve_test.go
(TestIsApproved) at palantir/policy-bot@fc09d7a6bbe0e21327785496912e7eb39770ed93, as changeproof
Facts: the same author, comments, reviews, commits, organizations and statuses, with time
`now` fixed at T0. Where the two models differ the adaptation is named where it is made.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import yaml

from checker import policy as policies
from checker.evaluate import evaluate
from checker.model import (
    ApprovalFacts,
    ChangedFile,
    Check,
    Commit,
    ControlResult,
    Facts,
    IssueComment,
    OrgMembership,
    Person,
    Review,
)

T0 = "2026-11-28T10:00:00Z"
HEAD = "97d5ea26da319a987d80f6db0b7ef759f2f2e441"
C1 = "c6ade256ecfc755d8bc877ef22cc9e01745d46bb"
C2 = "674832587eaaf416371b30f5bc5a47e377f534ec"
BASE = "b" * 40

# policy-bot's defaults where changeproof's are stricter: what the importer writes for a rule.
POLICY_BOT_OPTIONS: dict[str, Any] = {
    "invalidate_on_push": False,
    "ignore_update_merges": False,
    "require_write_access": False,
    "count_co_authors": False,
}


def at(seconds: int) -> str:
    """T0 plus `seconds` (RFC 3339, UTC)."""
    minutes, secs = divmod(seconds, 60)
    return f"2026-11-28T10:{minutes:02d}:{secs:02d}Z"


def person(login: str | None, email: str = "") -> Person:
    return Person(login or "someone", email or f"{login or 'someone'}@example.com", login)


def commit(sha: str, author: str | None, committer: str | None, parents: tuple[str, ...] = (), **kw: Any) -> Commit:
    return Commit(sha, person(author), person(committer), parents, kw.pop("message", "change"), **kw)


def comment(cid: int, author: str, body: str, created: str, *, edited: bool = False) -> IssueComment:
    return IssueComment(cid, author, body, created, edited)


def review(
    rid: int, author: str, state: str, created: str, *, on: str = HEAD, body: str = "", perm: str = "write"
) -> Review:
    return Review(rid, author, state, on, created, False, "MEMBER", perm, body)


def base_pull(**changes: Any) -> Facts:
    """policy-bot approve_test.go TestIsApproved basePullContext."""
    comments = (
        comment(1, "other-user", "Why did you do this?", at(10)),
        comment(2, "comment-approver", "LGTM :+1: :shipit:", at(20)),
        comment(3, "disapprover", "I don't like things! :-1:", at(30)),
        comment(4, "mhaypenny", ":+1: my stuff is cool", at(40)),
        comment(5, "contributor-author", ":+1: I added to this PR", at(50)),
        comment(6, "contributor-committer", ":+1: I also added to this PR", at(60)),
        comment(7, "comment-editor", "LGTM :+1: :shipit:", at(70), edited=True),
    )
    reviews = (
        review(101, "disapprover", "CHANGES_REQUESTED", at(70), body="I _really_ don't like things!"),
        review(102, "review-approver", "APPROVED", at(80), body="I LIKE THIS"),
        # policy-bot's review-comment-editor review was edited; REST cannot tell (see methods.py).
        review(103, "review-comment-editor", "APPROVED", at(90), body="I LIKE THIS"),
    )
    commits = (
        commit(C1, "mhaypenny", "mhaypenny", (BASE,)),
        commit(C2, "contributor-author", "mhaypenny", (C1,)),
        commit(HEAD, "mhaypenny", "contributor-committer", (C2,)),
    )
    orgs = {
        "everyone": ("mhaypenny", "contributor-author", "contributor-committer", "comment-approver", "review-approver"),
        "cool-org": ("comment-approver",),
        "even-cooler-org": ("review-approver",),
        # policy-bot's fake answers "not a member" for any other org; changeproof's collector reads
        # every organization a policy names, so the ones the tests name are listed (empty).
        "does-not-exist": (),
        "other-org": (),
    }
    users = ("mhaypenny", "contributor-author", "contributor-committer", "comment-approver", "review-approver")
    facts = Facts(
        repository="palantir/policy-bot",
        number=42,
        title="Add a feature",
        head_sha=HEAD,
        base_sha=BASE,
        observed_at="2026-11-28T12:00:00Z",
        author="mhaypenny",
        body="/no-platform",
        base_ref="develop",
        head_ref="feature",
        head_repository="palantir/policy-bot",
        # Not in policy-bot's fixture (its defaults never ask); changeproof's defaults require write.
        permissions={f"@{u}": "write" for u in (*users, "comment-editor", "review-comment-editor", "disapprover")},
        commits=commits,
        reviews=reviews,
        files=(ChangedFile("app/main.go", "modified", 10, 2),),
        checks=(
            Check("build", "status", "completed", "success", "ci"),
            Check("deploy", "status", "pending", None, "ci"),
            Check("scan", "status", "completed", "success", "ci"),
        ),
        approval=ApprovalFacts(
            comments=comments,
            comments_observed=True,
            head_pushed_at=T0,
            head_pushed_source="activity",
            organizations=tuple(OrgMembership(o, m) for o, m in orgs.items()),
            pr_created_at=at(10),
        ),
    )
    return replace(facts, **changes)


def with_approval(facts: Facts, **changes: Any) -> Facts:
    assert facts.approval is not None
    return replace(facts, approval=replace(facts.approval, **changes))


def policy_text(section: dict[str, Any], *, controls: dict[str, Any] | None = None) -> str:
    doc: dict[str, Any] = {"version": 1, "approval_policy": section}
    doc["controls"] = controls or {"peer_review": {"mode": "off"}, "path_rules": {"mode": "off"}}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def single_rule(rule: dict[str, Any], *, pb_defaults: bool = True) -> dict[str, Any]:
    """A policy of one rule (policy-bot's defaults unless pb_defaults is False)."""
    rule = dict(rule)
    rule.setdefault("name", "rule")
    if pb_defaults:
        rule["options"] = {**POLICY_BOT_OPTIONS, **(rule.get("options") or {})}
    return {"policy": {"approval": [rule["name"]]}, "approval_rules": [rule]}


def run(section: dict[str, Any], facts: Facts) -> ControlResult:
    policy = policies.load_text(policy_text(section), "test-policy.yml")
    evaluation = evaluate(policy, facts)
    return next(r for r in evaluation.results if r.control == "approval_policy")


def rule_of(result: ControlResult, name: str = "rule") -> dict[str, Any]:
    return next(r for r in result.observed["rules"] if r["name"] == name)


def candidate(rule: dict[str, Any], user: str) -> dict[str, Any]:
    return next(c for c in rule["candidates"] if c["user"] == user)
