"""Approval candidates: who expressed approval (or disapproval), how, and when.

policy-bot (policy/common/methods.go at the reference commit): a comment counts when it
contains a `comments` string or matches a `comment_patterns` regex; a review counts when its
state is the wanted one (and, with `github_review_comment_patterns`, its text matches); the PR
body counts for its author when it matches `body_patterns`; then each user's latest candidate
stands. Per reviewer, the latest APPROVED / CHANGES_REQUESTED review is their standing review
(a DISMISSED one is passed over, as policy-bot's README describes).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.approval_policy.predicates import matches_any
from checker.approval_policy.spec import Methods

__all__ = ["Candidate", "Candidates", "Methods", "candidates", "comment_matches", "deduplicate", "standing_reviews"]
from checker.model import Facts, Review

STANDING_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED"})


@dataclass(frozen=True)
class Candidate:
    kind: str  # review / comment / body
    user: str
    created_at: str
    edited: bool | None  # None: GitHub's REST API does not say (reviews, the PR body)
    ref: str  # "review 12", "comment 34", "PR body"
    commit_id: str = ""  # reviews: the commit the review was given on
    is_bot: bool = False


@dataclass(frozen=True)
class Candidates:
    items: tuple[Candidate, ...]
    unobservable: tuple[str, ...]  # methods whose inputs could not be read


def standing_reviews(facts: Facts) -> dict[str, Review]:
    latest: dict[str, Review] = {}
    for review in sorted(facts.reviews, key=lambda r: (r.submitted_at, r.id)):
        if review.state in STANDING_STATES:
            latest[review.reviewer.lower()] = review
    return latest


def comment_matches(methods: Methods, body: str) -> bool:
    return any(text in body for text in methods.comments) or matches_any(methods.comment_patterns, body)


def candidates(facts: Facts, methods: Methods, review_state: str) -> Candidates:
    found: list[Candidate] = []
    unknown: list[str] = []
    approval = facts.approval
    if methods.uses_comments():
        if approval is None or not approval.comments_observed:
            unknown.append("the PR's comments could not be read (needs issues: read or pull-requests: read)")
        else:
            for c in approval.comments:
                if comment_matches(methods, c.body):
                    ref = f"comment {c.id}"
                    found.append(Candidate("comment", c.author, c.created_at, c.edited, ref, "", c.author_is_bot))
    if methods.body_patterns and matches_any(methods.body_patterns, facts.body):
        created = approval.pr_created_at if approval else ""
        if created:
            found.append(Candidate("body", facts.author, created, None, "PR body", "", facts.author_is_bot))
        else:
            unknown.append("the PR's creation time was not collected, so a body approval cannot be placed in time")
    if methods.uses_reviews():
        for review in standing_reviews(facts).values():
            if review.state != review_state:
                continue
            if methods.github_review_comment_patterns and not matches_any(
                methods.github_review_comment_patterns, review.body
            ):
                continue
            # A review's state cannot be edited, only its text: an edit matters (and REST cannot show
            # one) only when the text is what approves.
            edited = None if methods.github_review_comment_patterns else False
            found.append(
                Candidate(
                    "review",
                    review.reviewer,
                    review.submitted_at,
                    edited,
                    f"review {review.id}",
                    review.commit_id,
                    review.reviewer_is_bot or review.reviewer.lower().endswith("[bot]"),
                )
            )
    return Candidates(deduplicate(found), tuple(unknown))


def deduplicate(found: list[Candidate]) -> tuple[Candidate, ...]:
    """Each user's latest candidate (policy-bot's deduplicateCandidates), ordered by time."""
    by_user: dict[str, Candidate] = {}
    for c in found:
        last = by_user.get(c.user.lower())
        if last is None or last.created_at < c.created_at:
            by_user[c.user.lower()] = c
    return tuple(sorted(by_user.values(), key=lambda c: (c.created_at, c.user.lower())))
