"""Every README predicate, table-driven, mirroring policy-bot's policy/predicate/*_test.go.

Each case names its Go test function and case (palantir/policy-bot@fc09d7a6). The expected
value is policy-bot's `Satisfied`; `None` marks where changeproof cannot observe and says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from ap_support import base_pull, commit, with_approval
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.approval_policy.predicates import PREDICATES, PullView, evaluate_predicate, matches_any
from checker.approval_policy.spec import PREDICATE_ORDER
from checker.controls.context import Context
from checker.model import ChangedFile, Check, Facts, OrgMembership, TeamMembership, WorkflowRun
from checker.policy import profile


def files(*names: str, additions: int = 0, deletions: int = 0) -> dict[str, Any]:
    return {"files": tuple(ChangedFile(n, "modified", additions, deletions) for n in names)}


CF = {"paths": ["app/.*\\.go", "server/.*\\.go"], "ignore": [".*/special\\.go"]}
ONLY = {"paths": ["app/.*\\.go", "server/.*\\.go"]}
ML = {"additions": "> 100", "deletions": "> 10", "total": "= 50"}


def statuses(**named: str) -> dict[str, Any]:
    return {"checks": tuple(Check(n, "status", "completed", c, "ci") for n, c in named.items())}


def runs(*items: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "_runs": tuple(
            WorkflowRun(
                i,
                path,
                event,
                "completed",
                conclusion,
                "97d5ea26da319a987d80f6db0b7ef759f2f2e441",
                f"2026-11-28T10:0{i}:00Z",
            )
            for i, (path, event, conclusion) in enumerate(items)
        )
    }


TEAM = {"teams": (TeamMembership("testorg/team", ("mortonh",)),)}
ORGS = {"_orgs": (OrgMembership("coolorg", ("mortonh",)), OrgMembership("testorg", ()))}
COMMITS = {
    "commits": (
        commit("a" * 40, "ttest", "ttest"),
        commit("c" * 40, "mhaypenny", "mhaypenny"),
    ),
    "author": "ttest",
}

CASES: list[tuple[str, str, Any, dict[str, Any], bool | None]] = [
    ("TestChangedFiles/empty", "changed_files", CF, files(), False),
    ("TestChangedFiles/onlyMatches", "changed_files", CF, files("app/client.go", "server/server.go"), True),
    ("TestChangedFiles/someMatches", "changed_files", CF, files("app/client.go", "model/user.go"), True),
    ("TestChangedFiles/noMatches", "changed_files", CF, files("model/order.go", "model/user.go"), False),
    ("TestChangedFiles/ignoreAll", "changed_files", CF, files("app/special.go", "server/special.go"), False),
    ("TestChangedFiles/ignoreSome", "changed_files", CF, files("app/normal.go", "server/special.go"), True),
    ("TestNoChangedFiles/empty", "no_changed_files", CF, files(), True),
    ("TestNoChangedFiles/someMatches", "no_changed_files", CF, files("app/client.go", "model/user.go"), False),
    ("TestNoChangedFiles/noMatches", "no_changed_files", CF, files("model/order.go"), True),
    ("TestNoChangedFiles/ignoreAll", "no_changed_files", CF, files("app/special.go"), True),
    ("TestOnlyChangedFiles/empty", "only_changed_files", ONLY, files(), False),
    ("TestOnlyChangedFiles/onlyMatches", "only_changed_files", ONLY, files("app/client.go", "server/server.go"), True),
    ("TestOnlyChangedFiles/someMatches", "only_changed_files", ONLY, files("app/client.go", "model/user.go"), False),
    ("TestModifiedLines/additions", "modified_lines", ML, files("a", additions=101), True),
    ("TestModifiedLines/deletions", "modified_lines", ML, files("a", deletions=11), True),
    ("TestModifiedLines/total", "modified_lines", ML, files("a", additions=25, deletions=25), True),
    ("TestModifiedLines/none", "modified_lines", ML, files("a", additions=10, deletions=10), False),
    (
        "TestHasAuthorIn/noMatch",
        "has_author_in",
        {"users": ["mhaypenny"], "organizations": ["testorg"]},
        {"author": "ttest", **ORGS},
        False,
    ),
    ("TestHasAuthorIn/authorInUsers", "has_author_in", {"users": ["mhaypenny"]}, {"author": "mhaypenny"}, True),
    (
        "TestHasAuthorIn/authorInTeams",
        "has_author_in",
        {"teams": ["testorg/team"]},
        {"author": "mortonh", **TEAM},
        True,
    ),
    (
        "TestHasAuthorIn/authorInOrgs",
        "has_author_in",
        {"organizations": ["coolorg", "testorg"]},
        {"author": "mortonh", **ORGS},
        True,
    ),
    (
        "TestHasAuthorIn/unreadable team (changeproof)",
        "has_author_in",
        {"teams": ["other/team"]},
        {"author": "x"},
        None,
    ),
    ("TestHasContributorIn/commitAuthorInUsers", "has_contributor_in", {"users": ["mhaypenny"]}, COMMITS, True),
    ("TestHasContributorIn/noMatch", "has_contributor_in", {"users": ["nobody"]}, COMMITS, False),
    (
        "TestOnlyHasContributorsIn/allInUsers",
        "only_has_contributors_in",
        {"users": ["ttest", "mhaypenny"]},
        COMMITS,
        True,
    ),
    ("TestOnlyHasContributorsIn/oneNotInUsers", "only_has_contributors_in", {"users": ["ttest"]}, COMMITS, False),
    ("TestAuthorIsOnlyContributor/true, other committer", "author_is_only_contributor", True, COMMITS, False),
    ("TestAuthorIsOnlyContributor/false, other committer", "author_is_only_contributor", False, COMMITS, True),
    (
        "TestAuthorIsOnlyContributor/true, sole author",
        "author_is_only_contributor",
        True,
        {"author": "ttest", "commits": (commit("a" * 40, "ttest", "ttest"), commit("c" * 40, "ttest", "web-flow"))},
        True,
    ),
    ("TestBranches/simple match - master", "targets_branch", {"pattern": "^master$"}, {"base_ref": "master"}, True),
    ("TestBranches/tests anchoring", "targets_branch", {"pattern": "^master$"}, {"base_ref": "not-master"}, False),
    (
        "TestBranches/matches pattern - prod",
        "targets_branch",
        {"pattern": "(prod|staging)"},
        {"base_ref": "prod"},
        True,
    ),
    ("TestBranches/from_branch", "from_branch", {"pattern": "^feature"}, {"head_ref": "feature-x"}, True),
    (
        "TestBranches/from_branch of a fork is owner:branch",
        "from_branch",
        {"pattern": "^forker:feature$"},
        {"head_ref": "feature", "head_repository": "forker/policy-bot"},
        True,
    ),
    ("TestHasLabels/all labels", "has_labels", ["foo", "bar"], {"labels": ("foo", "Bar")}, True),
    ("TestHasLabels/missing a label", "has_labels", ["foo", "baz"], {"labels": ("foo", "bar")}, False),
    ("TestHasLabels/no labels", "has_labels", ["foo"], {"labels": ()}, False),
    (
        "TestHasSuccessfulStatus/all statuses succeed",
        "has_successful_status",
        ["s1", "s2"],
        statuses(s1="success", s2="success"),
        True,
    ),
    (
        "TestHasSuccessfulStatus/a status fails",
        "has_successful_status",
        ["s1", "s2"],
        statuses(s1="success", s2="failure"),
        False,
    ),
    (
        "TestHasSuccessfulStatus/a status does not exist",
        "has_successful_status",
        ["s1", "s2"],
        statuses(s1="success"),
        False,
    ),
    (
        "TestHasSuccessfulStatus/a status is skipped",
        "has_status",
        {"statuses": ["s1", "s2"]},
        statuses(s1="success", s2="skipped"),
        False,
    ),
    (
        "TestHasSuccessfulStatus/a status is skipped (skipped allowed)",
        "has_status",
        {"statuses": ["s1", "s2"], "conclusions": ["success", "skipped"]},
        statuses(s1="success", s2="skipped"),
        True,
    ),
    (
        "TestHasSuccessfulWorkflowRun/all workflows succeed",
        "has_workflow_result",
        {"workflows": ["a.yml"]},
        runs(("a.yml", "push", "success")),
        True,
    ),
    (
        "TestHasSuccessfulWorkflowRun/a workflow fails",
        "has_workflow_result",
        {"workflows": ["a.yml"]},
        runs(("a.yml", "push", "failure")),
        False,
    ),
    (
        "TestHasSuccessfulWorkflowRun/a workflow fails and succeeds (two events)",
        "has_workflow_result",
        {"workflows": ["a.yml"]},
        runs(("a.yml", "push", "success"), ("a.yml", "pull_request", "failure")),
        False,
    ),
    (
        "TestHasSuccessfulWorkflowRun/latest run per event wins",
        "has_workflow_result",
        {"workflows": ["a.yml"]},
        runs(("a.yml", "push", "failure"), ("a.yml", "push", "success")),
        True,
    ),
    (
        "TestHasSuccessfulWorkflowRun/a workflow is missing",
        "has_workflow_result",
        {"workflows": ["b.yml"]},
        runs(("a.yml", "push", "success")),
        False,
    ),
    ("has_workflow_result unreadable (changeproof)", "has_workflow_result", {"workflows": ["a.yml"]}, {}, None),
    (
        "TestWithNotMatchRule/matches pattern",
        "title",
        {"not_matches": ["^(fix|feat|chore): (\\w| )+$"]},
        {"title": "fix: fix a bug"},
        False,
    ),
    (
        "TestWithNotMatchRule/does not match pattern",
        "title",
        {"not_matches": ["^(fix|feat|chore): (\\w| )+$"]},
        {"title": "BREAKING"},
        True,
    ),
    ("TestWithMatchRule/empty title", "title", {"matches": ["^BREAKING CHANGE: (\\w| )+$"]}, {"title": ""}, False),
    (
        "TestWithMixedRules/matches pattern in both lists",
        "title",
        {"matches": ["^BREAKING CHANGE"], "not_matches": ["^BREAKING"]},
        {"title": "BREAKING CHANGE: x"},
        True,
    ),
    (
        "TestRepositoryWithNotMatchRule/matches pattern",
        "repository",
        {"not_matches": ["palantir/docs"]},
        {"repository": "palantir/docs"},
        False,
    ),
    ("TestRepositoryWithMatchRule/matches pattern", "repository", {"matches": ["^palantir/policy.*$"]}, {}, True),
    ("TestHasValidSignatures/all valid", "has_valid_signatures", True, {"_verified": (True, True)}, True),
    ("TestHasValidSignatures/one invalid", "has_valid_signatures", True, {"_verified": (True, False)}, False),
    ("TestHasValidSignatures/false, one invalid", "has_valid_signatures", False, {"_verified": (True, False)}, True),
    (
        "has_valid_signatures unreadable verification (changeproof)",
        "has_valid_signatures",
        True,
        {"_verified": (True, None)},
        None,
    ),
    (
        "TestHasValidSignaturesBy/invalid signature",
        "has_valid_signatures_by",
        {"users": ["ttest"]},
        {"_verified": (False,)},
        False,
    ),
    (
        "has_valid_signatures_by signer not read from GraphQL (changeproof)",
        "has_valid_signatures_by",
        {"users": ["ttest"]},
        {"_verified": (True,)},
        None,
    ),
    (
        "TestHasValidSignaturesByKeys/invalid signature",
        "has_valid_signatures_by_keys",
        {"key_ids": ["3AA5C34371567BD2"]},
        {"_verified": (False,)},
        False,
    ),
    (
        "has_valid_signatures_by_keys key id not read from GraphQL (changeproof)",
        "has_valid_signatures_by_keys",
        {"key_ids": ["3AA5C34371567BD2"]},
        {"_verified": (True,)},
        None,
    ),
]


def facts_for(changes: dict[str, Any]) -> Facts:
    changes = dict(changes)
    orgs = changes.pop("_orgs", ())
    workflow_runs = changes.pop("_runs", None)
    verified = changes.pop("_verified", None)
    facts = base_pull(**changes)
    facts = with_approval(facts, organizations=(*facts.approval.organizations, *orgs))  # type: ignore[union-attr]
    if workflow_runs is not None:
        facts = with_approval(facts, workflow_runs=workflow_runs, workflow_runs_observed=True)
    if verified is not None:
        facts = replace(
            facts,
            commits=tuple(commit(f"{i:040d}", "mhaypenny", "mhaypenny", verified=v) for i, v in enumerate(verified)),
        )
    return facts


@pytest.mark.parametrize(("mirrors", "name", "cfg", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_predicate(mirrors: str, name: str, cfg: Any, changes: dict[str, Any], expected: bool | None) -> None:
    view = PullView(Context(facts_for(changes), profile("baseline")))
    result = evaluate_predicate(view, name, cfg)
    assert result.satisfied is expected, result.description
    assert result.description


def test_every_readme_predicate_is_implemented_and_tested() -> None:
    assert set(PREDICATES) == set(PREDICATE_ORDER)
    assert {c[1] for c in CASES} == set(PREDICATE_ORDER)


def test_a_rename_counts_under_both_paths() -> None:
    """changeproof is stricter than policy-bot here: moving a file out of infra/ touches infra/."""
    moved = base_pull(files=(ChangedFile("docs/old.tf", "renamed", 0, 0, "infra/old.tf"),))
    view = PullView(Context(moved, profile("baseline")))
    assert evaluate_predicate(view, "changed_files", {"paths": ["^infra/"]}).satisfied is True
    assert evaluate_predicate(view, "only_changed_files", {"paths": ["^docs/"]}).satisfied is False


def test_truncated_file_lists_are_unobservable_not_skipped() -> None:
    truncated = base_pull(files=(ChangedFile("docs/a.md", "modified"),), files_truncated=True)
    view = PullView(Context(truncated, profile("baseline")))
    assert evaluate_predicate(view, "changed_files", {"paths": ["^infra/"]}).satisfied is None
    assert evaluate_predicate(view, "only_changed_files", {"paths": ["^docs/"]}).satisfied is None
    assert evaluate_predicate(view, "changed_files", {"paths": ["^docs/"]}).satisfied is True


PATTERNS = ["^app/.*\\.go$", "(?i)readme", "ü+", "\\.md$", "^$", "a|b"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40), chosen=st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3, unique=True))
def test_one_pass_search_equals_re2_search_of_each_pattern(text: str, chosen: list[str]) -> None:
    """matches_any runs one RE2 program without match objects; it must agree with searching each."""
    import re2

    assert matches_any(chosen, text) == any(re2.search(p, text) is not None for p in chosen)
