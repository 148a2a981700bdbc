"""Which reviews count as approvals, and why the others do not.

GitHub's own rule decides each reviewer's standing: per reviewer, the latest APPROVED,
CHANGES_REQUESTED or DISMISSED review decides, and a later COMMENTED review changes nothing.
On top of that an approval counts only when it is *bound to the head commit* (given on the head
sha, or on a commit followed only by merges of the base branch), *independent* (the reviewer is
not the PR author nor an author, committer or co-author of any commit), from someone with *write*
access, and — for bots — from a bot the policy trusts. A trusted bot (a `Bot` account whose login
the policy's `trusted_bots` names exactly) stands as `trusted_bot`, in place of write access: an
App's bot is never a collaborator.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from checker.defaults import PLATFORM_COMMITTERS
from checker.model import TRUSTED_BOT, WRITE_PERMISSIONS, Commit, Facts, Review

DECISIVE_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


@dataclass(frozen=True)
class ApprovalOptions:
    allow_stale: bool = False
    ignore_update_merges: bool = True
    accept_unlinked_authors: bool = False
    trusted_bots: tuple[str, ...] = ()


@dataclass(frozen=True)
class Approval:
    """One reviewer's standing approval and every reason it might not count."""

    review: Review
    fresh: bool  # bound to the head (or only base merges since)
    problems: tuple[str, ...]  # reasons it does not count beyond freshness
    unobservable: tuple[str, ...]  # reasons we cannot tell whether it counts

    @property
    def reviewer(self) -> str:
        return self.review.reviewer

    def counts(self, *, require_fresh: bool = True) -> bool:
        return not self.problems and not self.unobservable and (self.fresh or not require_fresh)


class ReviewAnalysis:
    """The standing of every reviewer of one PR under one set of options (computed once)."""

    def __init__(self, facts: Facts, options: ApprovalOptions) -> None:
        self.facts = facts
        self.options = options

    @cached_property
    def decisive(self) -> dict[str, Review]:
        """Each reviewer's deciding review (the latest APPROVED / CHANGES_REQUESTED / DISMISSED)."""
        latest: dict[str, Review] = {}
        for review in sorted(self.facts.reviews, key=lambda r: (r.submitted_at, r.id)):
            if review.state in DECISIVE_STATES:
                latest[review.reviewer.lower()] = review
        return latest

    @cached_property
    def changes_requested(self) -> tuple[Review, ...]:
        return tuple(r for r in self.decisive.values() if r.state == "CHANGES_REQUESTED")

    @cached_property
    def contributor_commits(self) -> tuple[Commit, ...]:
        """Commits that carry the PR's own content (base-branch merges bring only base content)."""
        return tuple(c for c in self.facts.commits if not c.merges_base)

    @cached_property
    def contributors(self) -> frozenset[str]:
        """Logins of the PR author and of every author, committer and co-author of its commits."""
        logins = {self.facts.author.lower()}
        for commit in self.contributor_commits:
            for person in (commit.author, commit.committer, *commit.co_authors):
                if person.login and person.login.lower() not in PLATFORM_COMMITTERS:
                    logins.add(person.login.lower())
        return frozenset(logins)

    @cached_property
    def unlinked_identities(self) -> tuple[str, ...]:
        """Commit authors and co-authors that map to no GitHub login (so independence is unknown)."""
        found: list[str] = []
        for commit in self.contributor_commits:
            for role, person in (("author", commit.author), *(("co-author", p) for p in commit.co_authors)):
                if person.login is None:
                    found.append(f"{role} {person.email or person.name or '?'} of {commit.sha[:7]}")
        return tuple(dict.fromkeys(found))

    @cached_property
    def _commit_position(self) -> dict[str, int]:
        return {c.sha: i for i, c in enumerate(self.facts.commits)}

    def is_fresh(self, review: Review) -> bool:
        """Bound to the head: given on it, or followed only by merges of the base branch."""
        head = self.facts.head_sha
        if review.commit_id == head:
            return True
        if not self.options.ignore_update_merges:
            return False
        position = self._commit_position.get(review.commit_id)
        if position is None:
            return False
        later = self.facts.commits[position + 1 :]
        return bool(later) and later[-1].sha == head and all(c.merges_base for c in later)

    def _is_bot(self, review: Review) -> bool:
        return review.reviewer_is_bot or review.reviewer.lower().endswith("[bot]")

    @cached_property
    def approvals(self) -> tuple[Approval, ...]:
        trusted = {b.lower() for b in self.options.trusted_bots}
        out = []
        for login, review in sorted(self.decisive.items()):
            if review.state != "APPROVED":
                continue
            problems: list[str] = []
            unknown: list[str] = []
            if self._is_bot(review) and login not in trusted:
                problems.append("approval by a bot the policy does not trust")
            if login == self.facts.author.lower():
                problems.append("the reviewer is the PR author")
            elif login in self.contributors:
                problems.append("the reviewer authored, committed or co-authored a commit in this PR")
            elif self.unlinked_identities and not self.options.accept_unlinked_authors:
                unknown.append(
                    "independence cannot be established: "
                    + ", ".join(self.unlinked_identities[:3])
                    + " cannot be linked to a GitHub account"
                )
            permission = review.reviewer_permission
            if permission == TRUSTED_BOT:
                if not (review.reviewer_is_bot and login in trusted):
                    problems.append("the reviewer stands as a trusted bot, but is not a bot the policy trusts")
            elif permission is None:
                unknown.append("the reviewer's permission on the repository could not be read")
            elif permission not in WRITE_PERMISSIONS:
                problems.append(f"the reviewer has {permission} access, write is required")
            fresh = self.options.allow_stale or self.is_fresh(review)
            out.append(Approval(review, fresh, tuple(problems), tuple(unknown)))
        return tuple(out)

    def valid_approvers(self, *, require_fresh: bool = True) -> tuple[str, ...]:
        return tuple(a.reviewer for a in self.approvals if a.counts(require_fresh=require_fresh))
