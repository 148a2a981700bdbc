"""Builders for test facts: a well-run PR by default, changed one aspect at a time per scenario."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from checker.model import (
    BranchRules,
    ChangedFile,
    Check,
    Commit,
    Facts,
    LabelEvent,
    Person,
    PolicySource,
    Review,
    SourceFile,
    TeamMembership,
    Unobservable,
)

BASE = "b" * 40
C1 = "1" * 40
C2 = "2" * 40
MERGE = "3" * 40
HEAD = "4" * 40
NOW = "2026-11-28T12:00:00Z"

ALICE = Person("Alice", "alice@example.com", "alice")
BOB = Person("Bob", "bob@example.com", "bob")
WEB_FLOW = Person("GitHub", "noreply@github.com", "web-flow")

CODEOWNERS = """\
# default owners
*                 @acme/devs
/infra/           @carol
docs/*            @dave
/infra/legacy/
.github/          @acme/platform
"""


def commit(
    sha: str,
    parent: str,
    author: Person = ALICE,
    *,
    message: str = "change",
    verified: bool | None = True,
    co_authors: tuple[Person, ...] = (),
    merges_base: bool = False,
    committer: Person | None = None,
) -> Commit:
    parents = (parent, BASE) if merges_base else (parent,)
    return Commit(
        sha,
        author,
        committer or author,
        parents,
        message,
        verified,
        "valid" if verified else "unsigned",
        co_authors,
        merges_base,
    )


def review(
    reviewer: str,
    state: str = "APPROVED",
    on: str = HEAD,
    at: str = "2026-11-28T11:00:00Z",
    *,
    permission: str | None = "write",
    bot: bool = False,
    rid: int | None = None,
) -> Review:
    return Review(
        rid or abs(hash((reviewer, state, on, at))) % 10**6, reviewer, state, on, at, bot, "MEMBER", permission
    )


def check(
    name: str,
    conclusion: str | None = "success",
    *,
    app: str = "github-actions",
    status: str = "completed",
    kind: str = "check_run",
) -> Check:
    return Check(name, kind, status, conclusion, app, f"https://ci.example/{name}")


def well_run_pr(**changes: Any) -> Facts:
    facts = Facts(
        repository="acme/shop",
        number=7,
        title="SHOP-12 add the basket total",
        body="Adds totals.\n\n## Testing\nunit tests",
        head_sha=HEAD,
        base_sha=BASE,
        observed_at=NOW,
        author="alice",
        base_ref="main",
        head_ref="alice/SHOP-12-basket",
        commits=(commit(C1, BASE), commit(HEAD, C1)),
        reviews=(review("bob"),),
        files=(ChangedFile("src/basket.py", "modified", 10, 2), ChangedFile("tests/test_basket.py", "modified", 20, 0)),
        checks=(check("build"), check("tests")),
        codeowners=SourceFile(".github/CODEOWNERS", "present", CODEOWNERS),
        branch_rules=BranchRules("main", ("rulesets",), (), True, 1, True, True, ("build",), True, True, True),
        ledger_rules=BranchRules("changeproof-ledger", ("rulesets",), (), False, 0, False, False, (), True, True, True),
        teams=(
            TeamMembership("acme/devs", ("alice", "bob", "erin")),
            TeamMembership("acme/platform", ("pat",)),
            TeamMembership("acme/sre", ("sam",)),
        ),
        permissions={},
        policy=PolicySource(SourceFile(".github/changeproof.yml", "absent")),
    )
    return replace(facts, **changes)


def with_policy_text(facts: Facts, base: str | None, head: str | None = None) -> Facts:
    base_file = SourceFile(".github/changeproof.yml", "present" if base is not None else "absent", base)
    head_file = SourceFile(".github/changeproof.yml", "present", head) if head is not None else None
    return replace(facts, policy=PolicySource(base_file, head_file))


def unreadable_classic() -> tuple[Unobservable, ...]:
    return (
        Unobservable("classic branch protection", "403 Resource not accessible by integration", "administration: read"),
    )


def labeled(label: str, actor: str) -> LabelEvent:
    return LabelEvent(label, "labeled", actor, "2026-11-28T10:00:00Z")
