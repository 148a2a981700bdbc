"""Real-world-shaped policy-bot files, imported and evaluated: the verdict equals policy-bot's.

Each policy is written from policy-bot's README (palantir/policy-bot@fc09d7a6); the expected
statuses are what policy-bot's rules say for the PR (its README's state table: approved,
pending, disapproved, and skipped, which policy-bot posts as an error).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ap_support import HEAD, base_pull, comment, review, with_approval

from checker import policy as policies
from checker.approval_policy.importer import import_policy_bot
from checker.evaluate import evaluate
from checker.model import ChangedFile, Check, Facts, WorkflowRun

EVERYTHING_NEEDS_ONE = """\
  - name: everything needs one
    requires:
      count: 1
      organizations: ["everyone"]
"""

README_EXAMPLE = """
policy:
  approval:
    - or:
      - the devtools team has approved
      - only staging files have changed
  disapproval:
    requires:
      organizations:
        - "everyone"
approval_rules:
  - name: the devtools team has approved
    requires:
      count: 1
      organizations: ["even-cooler-org"]
  - name: only staging files have changed
    if:
      only_changed_files:
        paths:
          - "^staging/.*$"
    requires:
      count: 0
"""

DOCS_ONLY = """
policy:
  approval:
    - or:
      - docs only
      - one engineer approved
approval_rules:
  - name: docs only
    description: docs-only PRs need no approval
    if:
      only_changed_files:
        paths: ['^docs/.*\\.md$', '^README\\.md$']
  - name: one engineer approved
    requires:
      count: 1
      organizations: ["cool-org"]
"""

TWO_OR_LEAD = """
policy:
  approval:
    - or:
      - two engineers
      - one lead
approval_rules:
  - name: two engineers
    requires:
      count: 2
      organizations: ["everyone"]
  - name: one lead
    requires:
      count: 1
      users: ["review-approver"]
"""

DEPENDENCY_BOT = """
policy:
  approval:
    - or:
      - dependency updates pass the build
      - a human reviewed
approval_rules:
  - name: dependency updates pass the build
    if:
      has_author_in:
        users: ["dependabot[bot]"]
      only_changed_files:
        paths: ["^go\\\\.(mod|sum)$"]
    requires:
      conditions:
        has_status:
          statuses: ["build"]
  - name: a human reviewed
    requires:
      count: 1
      organizations: ["everyone"]
"""

LGTM = """
policy:
  approval:
    - lgtm
approval_rules:
  - name: lgtm
    options:
      methods:
        comments: ["LGTM"]
        github_review: false
    requires:
      count: 1
      organizations: ["everyone"]
"""

DISAPPROVAL = """
policy:
  approval:
    - reviewed
  disapproval:
    requires:
      users: ["disapprover"]
approval_rules:
  - name: reviewed
    requires:
      count: 1
      organizations: ["everyone"]
"""

BREAKING = (
    """
policy:
  approval:
    - and:
      - breaking changes need two
      - everything needs one
approval_rules:
  - name: breaking changes need two
    if:
      title:
        matches: ['^BREAKING CHANGE: (\\w| )+$']
    requires:
      count: 2
      organizations: ["everyone"]
"""
    + EVERYTHING_NEEDS_ONE
)

RELEASE = (
    """
policy:
  approval:
    - release branches need the release manager
    - everything needs one
approval_rules:
  - name: release branches need the release manager
    if:
      targets_branch:
        pattern: "^release/.*$"
    requires:
      count: 1
      users: ["release-manager"]
"""
    + EVERYTHING_NEEDS_ONE
)

BIG_CHANGES = (
    """
policy:
  approval:
    - big changes need two
    - everything needs one
approval_rules:
  - name: big changes need two
    if:
      modified_lines:
        total: "> 100"
    requires:
      count: 2
      organizations: ["everyone"]
"""
    + EVERYTHING_NEEDS_ONE
)

LABEL_SKIP = """
policy:
  approval:
    - or:
      - trivial label
      - reviewed
approval_rules:
  - name: trivial label
    if:
      has_labels: ["trivial", "docs"]
  - name: reviewed
    requires:
      count: 1
      users: ["nobody-here"]
"""

BOTS_ONLY = """
policy:
  approval:
    - or:
      - only bots contributed
      - reviewed
approval_rules:
  - name: only bots contributed
    if:
      only_has_contributors_in:
        users: ["renovate[bot]", "mhaypenny", "contributor-author", "contributor-committer"]
  - name: reviewed
    requires:
      count: 5
      organizations: ["everyone"]
"""

SOLO = """
policy:
  approval:
    - shared work needs an extra approval
approval_rules:
  - name: shared work needs an extra approval
    if:
      author_is_only_contributor: false
    requires:
      count: 2
      organizations: ["everyone"]
"""

WORKFLOWS = """
policy:
  approval:
    - reviewed and tested
approval_rules:
  - name: reviewed and tested
    requires:
      count: 1
      organizations: ["everyone"]
      conditions:
        has_workflow_result:
          workflows: [".github/workflows/ci.yml"]
"""

STALE = """
policy:
  approval:
    - fresh approval
approval_rules:
  - name: fresh approval
    options:
      invalidate_on_push: true
    requires:
      count: 1
      users: ["comment-approver"]
"""

FORKS = """
policy:
  approval:
    - or:
      - not from a fork
      - fork reviewed by two
approval_rules:
  - name: not from a fork
    if:
      from_branch:
        pattern: "^[^:]+$"
    requires:
      count: 1
      organizations: ["everyone"]
  - name: fork reviewed by two
    if:
      from_branch:
        pattern: ":"
    requires:
      count: 2
      users: ["review-approver", "someone-else"]
"""

SKIPPED_ONLY = """
policy:
  approval:
    - infra changes need sre
approval_rules:
  - name: infra changes need sre
    if:
      changed_files:
        paths: ["^infra/"]
    requires:
      count: 1
      teams: ["palantir/sre"]
"""


def runs(conclusion: str) -> Any:
    return (
        WorkflowRun(
            1, ".github/workflows/ci.yml", "pull_request", "completed", conclusion, HEAD, "2026-11-28T10:00:30Z"
        ),
    )


def changed(*paths: str, lines: int = 1) -> dict[str, Any]:
    return {"files": tuple(ChangedFile(p, "modified", lines, 0) for p in paths)}


ROUND_TRIPS: list[tuple[str, str, dict[str, Any], str]] = [
    ("README example: staging only", README_EXAMPLE, changed("staging/a.yml"), "approved"),
    ("README example: devtools approved", README_EXAMPLE, changed("app/a.go"), "approved"),
    ("README example: no devtools approval", README_EXAMPLE, {**changed("app/a.go"), "reviews": ()}, "pending"),
    ("docs only", DOCS_ONLY, {**changed("docs/a.md"), "reviews": ()}, "approved"),
    (
        "docs and code needs an engineer",
        DOCS_ONLY,
        {**changed("docs/a.md", "app/a.go"), "_no_comments": True},
        "pending",
    ),
    ("two engineers or one lead: lead approved", TWO_OR_LEAD, {}, "approved"),
    ("two engineers or one lead: neither", TWO_OR_LEAD, {"reviews": (), "_no_comments": True}, "pending"),
    (
        "dependency bot with green build",
        DEPENDENCY_BOT,
        {**changed("go.mod", "go.sum"), "author": "dependabot[bot]", "reviews": (), "_no_comments": True},
        "approved",
    ),
    (
        "dependency bot with red build",
        DEPENDENCY_BOT,
        {
            **changed("go.mod"),
            "author": "dependabot[bot]",
            "reviews": (),
            "_no_comments": True,
            "checks": (Check("build", "status", "completed", "failure", "ci"),),
        },
        "pending",
    ),
    ("LGTM comment approves", LGTM, {}, "approved"),
    ("LGTM: reviews do not count", LGTM, {"_no_comments": True}, "pending"),
    ("disapproval by review", DISAPPROVAL, {}, "disapproved"),
    (
        "disapproval revoked by the disapprover's approval",
        DISAPPROVAL,
        {
            "reviews": (
                review(1, "disapprover", "CHANGES_REQUESTED", "2026-11-28T10:00:01Z"),
                review(2, "disapprover", "APPROVED", "2026-11-28T10:00:02Z"),
                review(3, "review-approver", "APPROVED", "2026-11-28T10:00:03Z"),
            ),
            "_no_comments": True,
        },
        "approved",
    ),
    (
        "breaking change with one approval",
        BREAKING,
        {"title": "BREAKING CHANGE: drop v1", "_no_comments": True},
        "pending",
    ),
    ("not breaking with one approval", BREAKING, {"title": "fix: typo", "_no_comments": True}, "approved"),
    ("release branch without the release manager", RELEASE, {"base_ref": "release/1.2"}, "pending"),
    ("main branch", RELEASE, {"base_ref": "main"}, "approved"),
    ("big change, one approval", BIG_CHANGES, {**changed("a.go", lines=150), "_no_comments": True}, "pending"),
    ("small change, one approval", BIG_CHANGES, {**changed("a.go", lines=15), "_no_comments": True}, "approved"),
    ("trivial and docs labels", LABEL_SKIP, {"labels": ("Trivial", "docs")}, "approved"),
    ("only one of the labels", LABEL_SKIP, {"labels": ("trivial",)}, "pending"),
    ("only listed contributors", BOTS_ONLY, {}, "approved"),
    ("shared work, two approvals", SOLO, {}, "approved"),
    ("solo work skips the rule: all skipped is an error", SOLO, {"_solo": True}, "skipped"),
    ("workflow passed", WORKFLOWS, {"_runs": runs("success")}, "approved"),
    ("workflow failed", WORKFLOWS, {"_runs": runs("failure")}, "pending"),
    ("invalidate_on_push: comment after the push", STALE, {"_pushed": "2026-11-28T10:00:15Z"}, "approved"),
    ("invalidate_on_push: comment before the push", STALE, {"_pushed": "2026-11-28T10:00:25Z"}, "pending"),
    ("same-repository branch", FORKS, {}, "approved"),
    ("fork branch needs two", FORKS, {"head_repository": "forker/policy-bot"}, "pending"),
    ("no rule applies", SKIPPED_ONLY, changed("app/a.go"), "skipped"),
]


def facts_for(changes: dict[str, Any]) -> Facts:
    changes = dict(changes)
    no_comments = changes.pop("_no_comments", False)
    pushed = changes.pop("_pushed", None)
    workflow_runs = changes.pop("_runs", None)
    solo = changes.pop("_solo", False)
    facts = base_pull(**changes)
    if no_comments:
        facts = with_approval(facts, comments=())
    if pushed:
        facts = with_approval(facts, head_pushed_at=pushed)
    if workflow_runs is not None:
        facts = with_approval(facts, workflow_runs=workflow_runs, workflow_runs_observed=True)
    if solo:
        facts = replace(
            facts,
            commits=tuple(
                replace(c, author=facts.commits[0].author, committer=facts.commits[0].author) for c in facts.commits
            ),
        )
    return facts


def lgtm_comments(facts: Facts) -> Facts:
    return with_approval(
        facts, comments=(*facts.approval.comments, comment(9, "review-approver", "LGTM", "2026-11-28T10:01:00Z"))
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(("case", "text", "changes", "expected"), ROUND_TRIPS, ids=[r[0] for r in ROUND_TRIPS])
def test_imported_policy_gives_policy_bots_verdict(
    case: str, text: str, changes: dict[str, Any], expected: str
) -> None:
    imported = import_policy_bot(text, ".policy.yml")
    assert imported.problems == []
    policy = policies.load_text(imported.render(".policy.yml"), "imported.yml")
    assert policy.controls["peer_review"].mode.value == "off"
    assert policy.controls["path_rules"].mode.value == "off"
    facts = facts_for(changes)
    if text is LGTM and not changes:
        facts = lgtm_comments(facts)
    result = next(r for r in evaluate(policy, facts).results if r.control == "approval_policy")
    assert result.observed["status"] == expected, result.message


def test_at_least_fifteen_policies() -> None:
    assert len({id(text) for _, text, _, _ in ROUND_TRIPS}) >= 15


def test_regex_paths_stay_regexes_and_defaults_are_spelled_out() -> None:
    imported = import_policy_bot(DOCS_ONLY, ".policy.yml")
    rule = imported.document["approval_policy"]["approval_rules"][0]
    assert rule["if"]["only_changed_files"]["paths"] == ["^docs/.*\\.md$", "^README\\.md$"]
    assert rule["options"]["invalidate_on_push"] is False
    assert any("invalidate_on_push: false" in n and "delete the line" in n for n in imported.notes)


def test_remote_becomes_extends() -> None:
    imported = import_policy_bot("remote: acme/policies\npath: policy.yml\nref: v1\n", ".policy.yml")
    assert imported.document["extends"] == "acme/policies:policy.yml@v1"
    assert imported.problems == []
    no_ref = import_policy_bot("remote: acme/policies\n", ".policy.yml")
    assert no_ref.problems and no_ref.problems[0].line == 1


def test_strict_profile_keeps_its_review_requirements() -> None:
    imported = import_policy_bot(TWO_OR_LEAD, ".policy.yml", extends="soc2")
    assert "peer_review" not in imported.document["controls"]
    assert "invalidate_on_push" not in imported.document["approval_policy"]["approval_rules"][0].get("options", {})
    relaxing = TWO_OR_LEAD.replace(
        "  - name: two engineers\n", "  - name: two engineers\n    options:\n      allow_author: true\n"
    )
    refused = import_policy_bot(relaxing, ".policy.yml", extends="soc2")
    assert refused.problems and "relaxes" in refused.problems[0].message
    allowed = import_policy_bot(relaxing, ".policy.yml", extends="soc2", allow_relaxing=True)
    assert allowed.problems == []


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, check=False)


def test_cli_import_untranslatable_is_located_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / ".policy.yml"
    source.write_text(
        LGTM.replace("github_review: false", "github_review: false\n        magic: true"), encoding="utf-8"
    )
    out = tmp_path / "changeproof.yml"
    result = cli("policy", "import", "--from", "policy-bot", str(source), "--out", str(out))
    assert result.returncode == 2
    assert re.search(r"\.policy\.yml:\d+:\d+ at \$\.approval_rules\[0\]\.options\.methods\.magic", result.stderr)
    assert not out.exists()
    partial = cli("policy", "import", "--from", "policy-bot", str(source), "--out", str(out), "--partial")
    assert partial.returncode == 2 and out.exists()


def test_cli_import_writes_a_valid_policy(tmp_path: Path) -> None:
    source = tmp_path / ".policy.yml"
    source.write_text(README_EXAMPLE, encoding="utf-8")
    out = tmp_path / "changeproof.yml"
    result = cli("policy", "import", "--from", "policy-bot", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "peer_review and path_rules are turned off" in result.stderr
    assert cli("policy", "validate", str(out)).returncode == 0
