"""and / or trees and disapproval, mirroring policy-bot's evaluate_test.go and disapprove_test.go.

Cases cite TestAndRequirement / TestOrRequirement (policy/approval/evaluate_test.go) and the
`t.Run`s of TestIsDisapproved (policy/disapproval/disapprove_test.go) at
palantir/policy-bot@fc09d7a6bbe0e21327785496912e7eb39770ed93.
"""

from __future__ import annotations

from typing import Any

import pytest
from ap_support import POLICY_BOT_OPTIONS, base_pull, comment, review, run, with_approval

from checker.model import Facts, Status

RULES: dict[str, dict[str, Any]] = {
    "approved": {},
    "pending": {"requires": {"count": 1, "users": ["nobody"]}},
    "skipped": {"if": {"title": {"matches": ["^never$"]}}},
    "unobservable": {"if": {"has_workflow_result": {"workflows": [".github/workflows/ci.yml"]}}},
}


def tree_policy(tree: list[Any], disapproval: dict[str, Any] | None = None) -> dict[str, Any]:
    rules = [{"name": n, **r, "options": dict(POLICY_BOT_OPTIONS)} for n, r in RULES.items()]
    policy: dict[str, Any] = {"approval": tree}
    if disapproval is not None:
        policy["disapproval"] = disapproval
    return {"policy": policy, "approval_rules": rules}


TREES = [
    ("TestAndRequirement: one pending is pending", [{"and": ["approved", "pending"]}], "pending"),
    ("TestAndRequirement: all approved is approved", [{"and": ["approved"]}], "approved"),
    ("TestAndRequirement: skipped counts", [{"and": ["approved", "skipped"]}], "approved"),
    ("TestAndRequirement: skipped itself results in skipped", [{"and": ["skipped"]}], "skipped"),
    (
        "TestAndRequirement: error blocks approval (unobservable)",
        [{"and": ["approved", "unobservable"]}],
        "unobservable",
    ),
    ("TestOrRequirement: one approval is enough", [{"or": ["pending", "skipped", "approved"]}], "approved"),
    ("TestOrRequirement: all approved is approved", [{"or": ["approved"]}], "approved"),
    ("TestOrRequirement: skipped does not affect approval", [{"or": ["approved", "skipped"]}], "approved"),
    ("TestOrRequirement: skipped itself results in skipped", [{"or": ["skipped"]}], "skipped"),
    ("TestOrRequirement: error does not block approval", [{"or": ["approved", "unobservable"]}], "approved"),
    (
        "README: or of and (either two engineers or one lead)",
        [{"or": [{"and": ["approved", "pending"]}, "approved"]}],
        "approved",
    ),
    ("README: a top-level list is an and", ["approved", "pending"], "pending"),
    (
        "changeproof: or of pending and unobservable cannot be decided",
        [{"or": ["pending", "unobservable"]}],
        "unobservable",
    ),
    ("changeproof: and of pending and unobservable is pending", [{"and": ["pending", "unobservable"]}], "pending"),
]

CONTROL_STATUS = {
    "approved": Status.PASS,
    "pending": Status.PENDING,
    "skipped": Status.FAIL,
    "unobservable": Status.UNOBSERVABLE,
    "disapproved": Status.FAIL,
}


@pytest.mark.parametrize(("mirrors", "tree", "expected"), TREES, ids=[t[0] for t in TREES])
def test_tree(mirrors: str, tree: list[Any], expected: str) -> None:
    result = run(tree_policy(tree), base_pull())
    assert result.observed["status"] == expected
    assert result.status is CONTROL_STATUS[expected]


def test_all_skipped_fails_like_policy_bot_error_status() -> None:
    """server/handler/eval_context.go: 'All rules were skipped. At least one rule must match.'"""
    result = run(tree_policy(["skipped"]), base_pull())
    assert result.status is Status.FAIL
    assert "At least one rule must match" in result.message


def disapproval_pull() -> Facts:
    """TestIsDisapproved's prctx (hours of 2018-06-29 become seconds after T0)."""
    comments = (
        comment(1, "disapprover-1", "me no like :-1:", "2026-11-28T10:00:00Z"),
        comment(2, "disapprover-1", "nah, is fine :+1:", "2026-11-28T10:00:01Z"),
        comment(3, "disapprover-2", "me also no like :-1:", "2026-11-28T10:00:02Z"),
        comment(4, "disapprover-3", "and me :-1:", "2026-11-28T10:00:03Z"),
        comment(5, "revoker-1", "you all wrong :+1:", "2026-11-28T10:00:04Z"),
    )
    reviews = (
        review(11, "disapprover-4", "CHANGES_REQUESTED", "2026-11-28T10:00:05Z"),
        review(12, "revoker-2", "APPROVED", "2026-11-28T10:00:06Z"),
    )
    facts = base_pull(title="test: add disapproval predicate test", reviews=reviews)
    return with_approval(facts, comments=comments)


DISAPPROVALS = [
    ("skippedWithNoRequires", {}, "skipped", "No disapproval policy is specified or the policy is empty"),
    (
        "singleUserDisapproves",
        {"requires": {"users": ["disapprover-2"]}},
        "disapproved",
        "Disapproved by disapprover-2",
    ),
    (
        "singleUserDisapprovesAndRevokes",
        {"requires": {"users": ["disapprover-1"]}},
        "skipped",
        "Disapproval revoked by disapprover-1",
    ),
    (
        "multipleUsersDisapprove",
        {"requires": {"users": ["disapprover-2", "disapprover-3"]}},
        "disapproved",
        "Disapproved by disapprover-3",
    ),
    (
        "otherUserRevokes",
        {"requires": {"users": ["disapprover-2", "disapprover-3", "revoker-1"]}},
        "skipped",
        "Disapproval revoked by revoker-1",
    ),
    (
        "singleUserDisapprovesWithReview",
        {"requires": {"users": ["disapprover-4"]}},
        "disapproved",
        "Disapproved by disapprover-4",
    ),
    (
        "otherUserRevokesWithReview",
        {"requires": {"users": ["disapprover-4", "revoker-2"]}},
        "skipped",
        "Disapproval revoked by revoker-2",
    ),
    (
        "reviewsInteractWithComments",
        {"requires": {"users": ["disapprover-1", "revoker-1", "disapprover-4"]}},
        "disapproved",
        "Disapproved by disapprover-4",
    ),
    (
        "predicateDisapproves",
        {"if": {"title": {"not_matches": ["^(fix|feat|docs)"]}}},
        "disapproved",
        "PR Title doesn't match a NotMatch pattern",
    ),
    (
        "predicateDoesNotDisapprove",
        {"if": {"title": {"not_matches": ["^(fix|feat|docs|test)"]}}},
        "skipped",
        "No disapproval policy is specified or the policy is empty",
    ),
]


@pytest.mark.parametrize(
    ("mirrors", "disapproval", "status", "description"), DISAPPROVALS, ids=[d[0] for d in DISAPPROVALS]
)
def test_disapproval(mirrors: str, disapproval: dict[str, Any], status: str, description: str) -> None:
    result = run(tree_policy(["approved"], disapproval), disapproval_pull())
    assert result.observed["disapproval"]["status"] == status
    assert result.observed["disapproval"]["description"].startswith(description)
    assert result.status is (Status.FAIL if status == "disapproved" else Status.PASS)


def test_disapproval_methods_can_be_replaced() -> None:
    """README: options.methods.disapprove / revoke replace the defaults (no default emoji then)."""
    custom = {
        "requires": {"users": ["disapprover-2"]},
        "options": {"methods": {"disapprove": {"comments": ["me also no like"]}, "revoke": {"comments": ["LGTM"]}}},
    }
    assert run(tree_policy(["approved"], custom), disapproval_pull()).observed["status"] == "disapproved"
    custom["options"]["methods"]["disapprove"] = {"comments": ["block"]}
    assert run(tree_policy(["approved"], custom), disapproval_pull()).observed["status"] == "approved"


def test_disapproval_with_unreadable_comments_is_unobservable() -> None:
    facts = with_approval(disapproval_pull(), comments=(), comments_observed=False)
    result = run(tree_policy(["approved"], {"requires": {"users": ["disapprover-2"]}}), facts)
    assert result.status is Status.UNOBSERVABLE
