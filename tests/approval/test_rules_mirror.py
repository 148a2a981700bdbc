"""Rule evaluation, table-driven, mirroring policy-bot's policy/approval/approve_test.go.

Each case names the `t.Run` of TestIsApproved it mirrors (palantir/policy-bot@fc09d7a6). The
rule runs with policy-bot's defaults (what the importer writes); cases that show where
changeproof's own defaults differ are at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from ap_support import (
    C1,
    HEAD,
    at,
    base_pull,
    candidate,
    comment,
    commit,
    review,
    rule_of,
    run,
    single_rule,
    with_approval,
)

from checker.model import Facts, Status

EVERYONE = {"organizations": ["everyone"]}


def only_c1(pushed: str) -> dict[str, Any]:
    """The head is c6ade25 alone, pushed at `pushed` (invalidateCommentOnPush and friends)."""
    return {
        "head_sha": C1,
        "commits": (commit(C1, "mhaypenny", "mhaypenny", ("b" * 40,)),),
        "_pushed": pushed,
    }


@dataclass
class Case:
    mirrors: str
    rule: dict[str, Any]
    status: str  # approved / pending
    approvers: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("noApprovalRequired", {}, "approved"),
    Case("singleApprovalRequired", {"requires": {"count": 1}}, "pending"),
    Case(
        "authorCannotApprove",
        {"options": {"allow_author": False}, "requires": {"count": 1, **EVERYONE}},
        "approved",
        ["comment-approver", "review-approver"],
    ),
    Case(
        "authorCanApprove",
        {"options": {"allow_author": True}, "requires": {"count": 1, **EVERYONE}},
        "approved",
        ["comment-approver", "mhaypenny", "review-approver"],
    ),
    Case(
        "contributorsCannotApprove",
        {"options": {"allow_contributor": False}, "requires": {"count": 1, **EVERYONE}},
        "approved",
        ["comment-approver", "review-approver"],
    ),
    Case(
        "contributorsIncludingAuthorCanApprove",
        {"options": {"allow_contributor": True, "allow_author": False}, "requires": {"count": 1, **EVERYONE}},
        "approved",
        ["comment-approver", "mhaypenny", "contributor-author", "contributor-committer", "review-approver"],
    ),
    Case(
        "contributorsExcludingAuthorCanApprove",
        {"options": {"allow_non_author_contributor": True}, "requires": {"count": 1, **EVERYONE}},
        "approved",
        ["comment-approver", "contributor-author", "contributor-committer", "review-approver"],
    ),
    Case(
        "nonAuthorContributorsAndAuthorCanApprove",
        {"options": {"allow_non_author_contributor": True, "allow_author": True}, "requires": {"count": 1, **EVERYONE}},
        "approved",
        ["comment-approver", "mhaypenny", "contributor-author", "contributor-committer", "review-approver"],
    ),
    Case(
        "contributorsAndAuthorCanApprove",
        {
            "options": {"allow_non_author_contributor": True, "allow_contributor": True},
            "requires": {"count": 1, **EVERYONE},
        },
        "approved",
        ["comment-approver", "mhaypenny", "contributor-author", "contributor-committer", "review-approver"],
    ),
    Case(
        "specificUserApproves",
        {"requires": {"count": 1, "users": ["comment-approver"]}},
        "approved",
        ["comment-approver"],
    ),
    Case("specificUserApproves (does-not-exist)", {"requires": {"count": 1, "users": ["does-not-exist"]}}, "pending"),
    Case(
        "specificOrgApproves",
        {"requires": {"count": 1, "organizations": ["cool-org"]}},
        "approved",
        ["comment-approver"],
    ),
    Case(
        "specificOrgApproves (other orgs)",
        {"requires": {"count": 1, "organizations": ["does-not-exist", "other-org"]}},
        "pending",
    ),
    Case(
        "specificOrgsOrUserApproves",
        {"requires": {"count": 2, "users": ["review-approver"], "organizations": ["cool-org"]}},
        "approved",
        ["comment-approver", "review-approver"],
    ),
    Case(
        "invalidateCommentOnPush (option off)",
        {"requires": {"count": 1, "users": ["comment-approver"]}},
        "approved",
        ["comment-approver"],
        only_c1(at(25)),
    ),
    Case(
        "invalidateCommentOnPush",
        {"options": {"invalidate_on_push": True}, "requires": {"count": 1, "users": ["comment-approver"]}},
        "pending",
        [],
        only_c1(at(25)),
    ),
    Case(
        "ignoreCommits (not ignored)",
        {"requires": {"count": 1, "users": ["comment-approver"]}},
        "pending",
        [],
        {"_extra_commit": "comment-approver"},
    ),
    Case(
        "ignoreCommits",
        {
            "options": {"ignore_commits_by": {"users": ["comment-approver"]}},
            "requires": {"count": 1, "users": ["comment-approver"]},
        },
        "approved",
        ["comment-approver"],
        {"_extra_commit": "comment-approver"},
    ),
    Case(
        "ignoreCommitsMixedAuthorCommiter",
        {
            "options": {"ignore_commits_by": {"users": ["contributor-author"]}},
            "requires": {"count": 1, "users": ["contributor-author"]},
        },
        "pending",
    ),
    Case(
        "ignoreCommitsInvalidateOnPush",
        {
            "options": {"invalidate_on_push": True, "ignore_commits_by": {"users": ["mhaypenny"]}},
            "requires": {"count": 1, "users": ["comment-approver"]},
        },
        # policy-bot: approved, because the only commit is ignored and nothing invalidates. changeproof
        # knows only the head's push time, and the head is that ignored commit: a comment older than it
        # stays stale (stricter; a review given on an earlier commit would count).
        "pending",
        [],
        only_c1(at(25)),
    ),
    Case(
        "ignoreEditedComments (option off)",
        {"requires": {"count": 1, "users": ["comment-editor"]}},
        "approved",
        ["comment-editor"],
    ),
    Case(
        "ignoreEditedComments",
        {"options": {"ignore_edited_comments": True}, "requires": {"count": 1, "users": ["comment-editor"]}},
        "pending",
    ),
    Case(
        "conditionsRequiredStatusPending",
        {"requires": {"conditions": {"has_status": {"statuses": ["deploy"]}}}},
        "pending",
    ),
    Case(
        "conditionsRequiredStatusSuccess",
        {"requires": {"conditions": {"has_status": {"statuses": ["build"]}}}},
        "approved",
    ),
    Case(
        "conditionsRequiredStatusAndMissingApproval",
        {"requires": {"count": 1, "conditions": {"has_status": {"statuses": ["build"]}}}},
        "pending",
    ),
    Case(
        "conditionsRequiredStatusAndOrgApproval",
        {"requires": {"count": 1, **EVERYONE, "conditions": {"has_status": {"statuses": ["build"]}}}},
        "approved",
        ["comment-approver", "review-approver"],
    ),
]


def facts_for(case: Case) -> Facts:
    changes = dict(case.facts)
    pushed = changes.pop("_pushed", None)
    extra = changes.pop("_extra_commit", None)
    facts = base_pull(**changes)
    if extra:
        sha = "ea9be5fcd016dc41d70dc457dfee2e64a8f951c1"
        facts = replace(facts, head_sha=sha, commits=(*facts.commits, commit(sha, extra, extra, (HEAD,))))
    if pushed:
        facts = with_approval(facts, head_pushed_at=pushed)
    return facts


@pytest.mark.parametrize("case", CASES, ids=[c.mirrors for c in CASES])
def test_rule_matches_policy_bot(case: Case) -> None:
    result = run(single_rule(case.rule), facts_for(case))
    rule = rule_of(result)
    assert rule["status"] == case.status, rule["reason"]
    assert rule["approvers"] == case.approvers
    assert result.status is (Status.PASS if case.status == "approved" else Status.PENDING)


def test_single_approval_required_says_why_each_candidate_did_not_count() -> None:
    """singleApprovalRequired: policy-bot says 'Ignored 7 approvals from disqualified users'; changeproof names them."""
    rule = rule_of(run(single_rule({"requires": {"count": 1}}), base_pull()))
    why = {c["user"]: c["category"] for c in rule["candidates"]}
    assert len(why) == 7
    assert why["mhaypenny"] == "author"
    assert why["contributor-author"] == why["contributor-committer"] == "contributor"
    assert why["comment-approver"] == "requirement"
    assert "names no users" in next(c["reason"] for c in rule["candidates"] if c["user"] == "comment-approver")


def test_invalidate_review_on_push_binds_reviews_to_their_commit() -> None:
    """invalidateReviewOnPush: policy-bot compares review time with push time; changeproof uses the
    commit the review was given on, which GitHub records exactly."""
    facts = base_pull(reviews=(review(102, "review-approver", "APPROVED", at(80), on=C1),))
    rule = {"requires": {"count": 1, "users": ["review-approver"]}}
    assert rule_of(run(single_rule(rule), facts))["status"] == "approved"
    stale = rule_of(run(single_rule({**rule, "options": {"invalidate_on_push": True}}), facts))
    assert stale["status"] == "pending"
    assert candidate(stale, "review-approver")["category"] == "stale"


def test_ignore_update_merge_after_review() -> None:
    """ignoreUpdateMergeAfterReview: an update merge after the review invalidates it unless ignored."""
    merge = "647c5078288f0ea9de27b5c280f25edaf2089045"
    commits = (
        commit(C1, "mhaypenny", "mhaypenny", ("b" * 40,)),
        commit(
            merge, "merge-committer", "web-flow", (C1, "2e1b0bb6ab144bf7a1b7a1df9d3bdcb0fe85a206"), merges_base=True
        ),
    )
    # policy-bot pushes the merge at +25s and compares times; changeproof binds the review to C1,
    # given (at +21s, after the +20s comment) before the update merge.
    facts = base_pull(
        head_sha=merge, commits=commits, reviews=(review(1, "comment-approver", "APPROVED", at(21), on=C1),)
    )
    facts = with_approval(facts, head_pushed_at=at(25))
    rule = {"options": {"invalidate_on_push": True}, "requires": {"count": 1, "users": ["comment-approver"]}}
    assert rule_of(run(single_rule(rule), facts))["status"] == "pending"
    rule["options"]["ignore_update_merges"] = True
    assert rule_of(run(single_rule(rule), facts))["approvers"] == ["comment-approver"]


def test_ignore_update_merge_contributor() -> None:
    """ignoreUpdateMergeContributor: the author of an update merge is a contributor unless ignored."""
    merge = "647c5078288f0ea9de27b5c280f25edaf2089045"
    commits = (
        commit(C1, "mhaypenny", "mhaypenny", ("b" * 40,)),
        commit(
            merge, "merge-committer", "web-flow", (C1, "2e1b0bb6ab144bf7a1b7a1df9d3bdcb0fe85a206"), merges_base=True
        ),
    )
    facts = base_pull(head_sha=merge, commits=commits)
    facts = with_approval(
        facts,
        comments=(*facts.approval.comments, comment(8, "merge-committer", ":+1:", at(100))),  # type: ignore[union-attr]
    )
    rule: dict[str, Any] = {"requires": {"count": 1, "users": ["merge-committer"]}}
    assert rule_of(run(single_rule(rule), facts))["status"] == "pending"
    rule["options"] = {"ignore_update_merges": True}
    assert rule_of(run(single_rule(rule), facts))["approvers"] == ["merge-committer"]


def test_body_pattern_approval_and_edits() -> None:
    """ignoreEditedCommentsWithBodyPattern: the PR body approves for its author; whether the body was
    edited is not in GitHub's REST API, so with ignore_edited_comments it cannot count (fail closed)."""
    rule = {
        "options": {"allow_author": True, "methods": {"body_patterns": ["/no-platform"], "comments": []}},
        "requires": {"count": 1, "users": ["mhaypenny"]},
    }
    assert rule_of(run(single_rule(rule), base_pull()))["approvers"] == ["mhaypenny"]
    rule["options"]["ignore_edited_comments"] = True
    judged = rule_of(run(single_rule(rule), base_pull()))
    assert judged["status"] == "unobservable"
    assert judged["candidates"][0]["category"] == "unobservable"


def test_github_review_comment_patterns() -> None:
    """methods_test.go: a review counts only when its text matches github_review_comment_patterns."""
    rule = {
        "options": {"methods": {"comments": [], "github_review_comment_patterns": ["(?i)like this"]}},
        "requires": {"count": 1, **EVERYONE},
    }
    assert rule_of(run(single_rule(rule), base_pull()))["approvers"] == ["review-approver"]
    rule["options"]["methods"]["github_review_comment_patterns"] = ["^LGTM$"]
    assert rule_of(run(single_rule(rule), base_pull()))["status"] == "pending"


def test_comment_patterns_and_disabled_reviews() -> None:
    """methods_test.go: comment_patterns match whole comments; github_review: false drops reviews."""
    rule = {
        "options": {"methods": {"comments": [], "comment_patterns": ["^LGTM"], "github_review": False}},
        "requires": {"count": 1, **EVERYONE},
    }
    assert rule_of(run(single_rule(rule), base_pull()))["approvers"] == ["comment-approver"]


# --------------------------------------------------------------- changeproof's own defaults


def test_changeproof_defaults_bind_comments_to_the_head_push() -> None:
    """Comment approvals count only when written strictly after the head was pushed."""
    rule = {"requires": {"count": 1, "users": ["comment-approver"]}}
    before = with_approval(base_pull(), head_pushed_at=at(25))
    judged = rule_of(run(single_rule(rule, pb_defaults=False), before))
    assert judged["status"] == "pending"
    assert candidate(judged, "comment-approver")["category"] == "stale"
    after = with_approval(base_pull(), head_pushed_at=at(15))
    assert rule_of(run(single_rule(rule, pb_defaults=False), after))["status"] == "approved"
    same_second = with_approval(base_pull(), head_pushed_at=at(20))
    assert rule_of(run(single_rule(rule, pb_defaults=False), same_second))["status"] == "pending"


def test_unknown_push_time_makes_comment_approvals_unobservable() -> None:
    rule = {"requires": {"count": 1, "users": ["comment-approver"]}}
    facts = with_approval(base_pull(), head_pushed_at=None)
    result = run(single_rule(rule, pb_defaults=False), facts)
    assert result.status is Status.UNOBSERVABLE
    assert "push time" in rule_of(result)["reason"]


def test_unread_comments_are_unobservable_not_pending() -> None:
    rule = {"requires": {"count": 1, "users": ["comment-approver"]}}
    facts = with_approval(base_pull(), comments=(), comments_observed=False)
    assert run(single_rule(rule), facts).status is Status.UNOBSERVABLE


def test_changeproof_defaults_require_write_access_and_count_co_authors() -> None:
    rule = {"requires": {"count": 1, "users": ["review-approver"]}, "options": {"invalidate_on_push": False}}
    facts = base_pull(reviews=(review(102, "review-approver", "APPROVED", at(80), perm="read"),))
    judged = rule_of(run(single_rule(rule, pb_defaults=False), facts))
    assert judged["status"] == "pending"
    assert candidate(judged, "review-approver")["category"] == "permission"
    coauthored = base_pull(
        commits=(
            commit(
                HEAD,
                "mhaypenny",
                "mhaypenny",
                (C1,),
                co_authors=(base_pull().commits[0].author.__class__("R", "r@example.com", "review-approver"),),
            ),
        )
    )
    judged = rule_of(run(single_rule(rule, pb_defaults=False), coauthored))
    assert candidate(judged, "review-approver")["category"] == "contributor"


def test_relaxing_options_are_reported() -> None:
    result = run(single_rule({"requires": {"count": 1, **EVERYONE}, "options": {"allow_author": True}}), base_pull())
    assert "allow_author (the PR author may approve)" in result.observed["relaxed"]["rule"]
    assert "relaxed:" in result.message
    assert result.observed["relaxed_frameworks"]["soc2"].startswith("CC8.1")
    strict = run(single_rule({"requires": {"count": 1, **EVERYONE}}, pb_defaults=False), base_pull())
    assert strict.observed["relaxed"] == {}


def test_truncated_commit_lists_make_independence_unobservable() -> None:
    facts = replace(base_pull(), commits_truncated=True)
    result = run(single_rule({"requires": {"count": 1, **EVERYONE}}), facts)
    assert result.status is Status.UNOBSERVABLE
    assert "beyond the 250" in rule_of(result)["reason"]
