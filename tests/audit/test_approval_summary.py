"""The auditor's approvals come from the core's rule (checker.approvals), not a copy of it.

Before this change `audit/population.py` had its own rule on raw JSON: every reviewer's latest
decisive review, APPROVED, was listed, whatever its validity, and an emergency was closed by any
later APPROVED review from a non-bot writer outside the PR's people. The cases below are where
the two differ; each test states what the old export showed and what it shows now.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from audit_helpers import BASE_FACTS, BRANCH, POLICY, Keys, Recorder, pr_facts, review, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.approvals import ApprovalOptions, ReviewAnalysis
from checker.audit.approval_summary import (
    STRICTEST,
    analysis_of,
    options_of,
    retrospective_approval,
    summarise_approvals,
)
from checker.audit.population import AWAITING
from checker.model import Person
from checker.serde import to_json

HEAD = BASE_FACTS.head_sha
OLDER = BASE_FACTS.commits[0].sha


def _rows(recorder: Recorder, keys: Keys, tmp_path: Path) -> dict[str, dict[str, str]]:
    out = tmp_path / "population.csv"
    proc = run_cli(
        "export", "--ledger", str(recorder.ledger), "--branch", BRANCH, "--key", str(keys.public), "--format", "csv",
        "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        return {r["pr"]: r for r in csv.DictReader(fh)}


def test_export_lists_only_the_approvals_the_core_counts(recorder: Recorder, keys: Keys, tmp_path: Path) -> None:
    # PR 10: dinah co-authored the first commit; her approval never counted for the gate.
    recorder.record(
        pr_facts(
            10,
            "PAY-10",
            merged_at="2026-11-10T10:00:00Z",
            merge_sha="a" * 40,
            reviews=(review("bob", HEAD, "2026-11-27T13:40:00Z"), review("dinah", HEAD, "2026-11-27T13:45:00Z")),
        )
    )
    # PR 11: bob approved the first commit; alice pushed again after it.
    recorder.record(
        pr_facts(11, "PAY-11", merged_at="2026-11-11T10:00:00Z", merge_sha="b" * 40,
                 reviews=(review("bob", OLDER, "2026-11-27T13:40:00Z"),))
    )  # fmt: skip
    rows = _rows(recorder, keys, tmp_path)
    # old: "bob at 2026-11-27T13:40:00Z on 9f1c2e7a4b5d; dinah at 2026-11-27T13:45:00Z on 9f1c2e7a4b5d"
    assert rows["10"]["approvals"] == "bob at 2026-11-27T13:40:00Z on 9f1c2e7a4b5d"
    assert rows["10"]["approvals_not_counted"] == (
        "dinah at 2026-11-27T13:45:00Z on 9f1c2e7a4b5d (not counted: "
        "the reviewer authored, committed or co-authored a commit in this PR)"
    )
    # old: "bob at 2026-11-27T13:40:00Z on 4e5f60718293" although peer review failed on it
    assert rows["11"]["approvals"] == ""
    assert rows["11"]["approvals_not_counted"] == (
        "bob at 2026-11-27T13:40:00Z on 4e5f60718293 (not counted: not given on the head commit 9f1c2e7a4b5d)"
    )
    assert rows["11"]["control:peer_review"] == "fail", "the column agrees with the recorded evaluation"


def test_an_untrusted_bot_or_an_unlinked_author_does_not_close_an_emergency(
    recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    merged = "2026-11-12T10:00:00Z"
    for number in (12, 13):
        recorder.record(
            pr_facts(number, f"PAY-{number} hotfix", merged_at=merged, merge_sha=f"{number}" * 20, approved=False,
                     emergency=True)
        )  # fmt: skip
    # PR 12's follow-up: an approval by a bot account GitHub did not flag as a bot (old rule: closed)
    recorder.record(
        pr_facts(12, "PAY-12 hotfix", merged_at=merged, merge_sha="12" * 20, emergency=True,
                 reviews=(review("deploy[bot]", HEAD, "2026-11-13T09:00:00Z"),), observed_at="2026-11-13T10:00:00Z")
    )  # fmt: skip
    # PR 13's follow-up: erin approves, but a commit's author maps to no GitHub login (old rule: closed)
    unlinked = replace(BASE_FACTS.commits[0], author=Person("Mallory", "m@example.com", None))
    recorder.record(
        pr_facts(13, "PAY-13 hotfix", merged_at=merged, merge_sha="13" * 20, emergency=True,
                 commits=(unlinked, BASE_FACTS.commits[1]),
                 reviews=(review("erin", HEAD, "2026-11-13T09:00:00Z"),), observed_at="2026-11-13T10:00:00Z")
    )  # fmt: skip
    # PR 14's follow-up: erin, independent, with write access: closed under both rules
    recorder.record(
        pr_facts(14, "PAY-14 hotfix", merged_at=merged, merge_sha="14" * 20, approved=False, emergency=True)
    )
    late = recorder.record(
        pr_facts(14, "PAY-14 hotfix", merged_at=merged, merge_sha="14" * 20, emergency=True,
                 reviews=(review("erin", HEAD, "2026-11-13T09:00:00Z"),), observed_at="2026-11-13T10:00:00Z")
    )[0]  # fmt: skip
    rows = _rows(recorder, keys, tmp_path)
    assert rows["12"]["emergency"] == AWAITING
    assert rows["13"]["emergency"] == AWAITING
    assert rows["14"]["emergency"] == (
        f"closed: retrospective approval by erin at 2026-11-13T09:00:00Z (entry {late.seq})"
    )


def _facts_json(**changes: Any) -> dict[str, Any]:
    return dict(to_json(replace(BASE_FACTS, **changes)))


def test_the_projection_decodes_what_the_core_sees() -> None:
    variants = [
        BASE_FACTS,
        replace(BASE_FACTS, reviews=(review("dinah", HEAD, "2026-11-27T13:45:00Z"),)),
        replace(BASE_FACTS, reviews=(review("Bob", OLDER, "2026-11-27T13:45:00Z", permission="read"),)),
        replace(BASE_FACTS, commits=(replace(BASE_FACTS.commits[0], author=Person("M", "m@x", None)),)),
    ]
    for facts in variants:
        for options in (STRICTEST, ApprovalOptions(allow_stale=True, accept_unlinked_authors=True)):
            full = ReviewAnalysis(facts, options).approvals
            assert analysis_of(dict(to_json(facts)), options).approvals == full


def test_options_follow_the_recorded_policy() -> None:
    policy = dict(to_json(POLICY))
    assert options_of(policy) == ApprovalOptions(trusted_bots=POLICY.trusted_bots)
    policy["controls"] = {"peer_review": {"mode": "enforce", "params": {"allow_stale": True}}}
    policy["trusted_bots"] = ["renovate[bot]"]
    assert options_of(policy) == ApprovalOptions(allow_stale=True, trusted_bots=("renovate[bot]",))
    assert options_of(None) == STRICTEST


def test_retrospective_needs_a_time_after_the_merge() -> None:
    facts = _facts_json(reviews=(review("erin", HEAD, "2026-11-13T09:00:00Z"),))
    summary = summarise_approvals(facts, STRICTEST)
    closed = retrospective_approval(summary, "2026-11-12T10:00:00Z")
    assert closed is not None and closed.reviewer == "erin"
    assert retrospective_approval(summary, "2026-11-13T09:00:00Z") is None, "at the merge time is not after"
    assert retrospective_approval(summary, "") is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["author", "head_sha", "commits", "reviews", "number", "x"]), JSON), JSON)
def test_arbitrary_recorded_json_gives_a_summary_or_an_error_never_an_exception(facts: Any, policy: Any) -> None:
    base = _facts_json()
    summary = summarise_approvals({**base, **facts}, options_of(policy))
    assert summary.error or all(a.reviewer for a in summary.approvals)
    json.dumps([a.describe() for a in summary.approvals])


def test_facts_that_no_longer_decode_say_so() -> None:
    summary = summarise_approvals({**_facts_json(), "reviews": [{"reviewer": 3}]}, STRICTEST)
    assert summary.error.startswith("recorded facts do not decode") and "$.predicate.facts.reviews[0]" in summary.error
