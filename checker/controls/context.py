"""What every control receives: the facts, the policy, and analyses shared between controls.

Shared analyses (the parsed CODEOWNERS, each reviewer's standing, team lookups) are computed
lazily and at most once per evaluation, so adding a control never re-parses anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from checker import codeowners
from checker.approvals import ApprovalOptions, ReviewAnalysis
from checker.model import WRITE_PERMISSIONS, Facts, Location, Policy, Status, TeamMembership


@dataclass(frozen=True)
class Outcome:
    status: Status
    message: str
    remediation: str = ""
    observed: dict[str, Any] = field(default_factory=dict)
    locations: tuple[Location, ...] = ()


class Context:
    def __init__(self, facts: Facts, policy: Policy) -> None:
        self.facts = facts
        self.policy = policy
        self._analyses: dict[ApprovalOptions, ReviewAnalysis] = {}
        self._membership: dict[tuple[str, tuple[str, ...], tuple[str, ...]], bool | None] = {}
        # Per-evaluation memo for analyses keyed by hashable arguments (e.g. owner standings per rule).
        self.memo: dict[tuple[object, ...], object] = {}

    def reviews(self, params: dict[str, Any] | None = None) -> ReviewAnalysis:
        """The review analysis under the peer-review options (shared by every approval control)."""
        base = self.policy.controls.get("peer_review")
        merged = {**(base.params if base else {}), **(params or {})}
        options = ApprovalOptions(
            allow_stale=bool(merged.get("allow_stale", False)),
            ignore_update_merges=bool(merged.get("ignore_update_merges", True)),
            accept_unlinked_authors=bool(merged.get("accept_unlinked_authors", False)),
            trusted_bots=self.policy.trusted_bots,
        )
        if options not in self._analyses:
            self._analyses[options] = ReviewAnalysis(self.facts, options)
        return self._analyses[options]

    @cached_property
    def changed_paths(self) -> tuple[str, ...]:
        """Every path the PR touches, including the old path of a rename."""
        paths: dict[str, None] = {}
        for f in self.facts.files:
            paths[f.path] = None
            if f.previous_path:
                paths[f.previous_path] = None
        return tuple(paths)

    @cached_property
    def codeowners(self) -> codeowners.CodeOwners | None:
        source = self.facts.codeowners
        if source is None or source.state != "present" or source.content is None:
            return None
        return codeowners.parse(source.content)

    @cached_property
    def teams(self) -> dict[str, TeamMembership]:
        return {t.team.lower().lstrip("@"): t for t in self.facts.teams}

    def team_members(self, team: str) -> frozenset[str] | None:
        """Lower-cased members of `org/slug`, or None when membership could not be observed."""
        membership = self.teams.get(team.lower().lstrip("@"))
        if membership is None or not membership.observable:
            return None
        return frozenset(m.lower() for m in membership.members)

    def lacks_write(self, subject: str) -> bool:
        """True only when the subject's permission is known and is below write."""
        permission = self.facts.permissions.get(subject.lower()) or self.facts.permissions.get(subject)
        return permission is not None and permission not in WRITE_PERMISSIONS

    def is_member(self, login: str, users: tuple[str, ...], teams: tuple[str, ...]) -> bool | None:
        """Whether `login` is one of `users` or in one of `teams`; None when a team is unobservable."""
        key = (login, users, teams)
        if key not in self._membership:
            self._membership[key] = self._is_member(login, users, teams)
        return self._membership[key]

    def _is_member(self, login: str, users: tuple[str, ...], teams: tuple[str, ...]) -> bool | None:
        who = login.lower()
        if who in {u.lower().lstrip("@") for u in users}:
            return True
        unknown = False
        for team in teams:
            members = self.team_members(team)
            if members is None:
                unknown = True
            elif who in members:
                return True
        return None if unknown else False


def short(sha: str) -> str:
    return sha[:7]


def listing(items: list[str] | tuple[str, ...], limit: int = 5) -> str:
    """`a, b, c and 4 more` — keeps messages short on large PRs."""
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
