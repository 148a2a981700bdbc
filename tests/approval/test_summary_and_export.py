"""What people read: the summary's per-rule "why", and the auditor's export marking relaxed rules."""

from __future__ import annotations

from ap_support import base_pull, policy_text, single_rule
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import policy as policies
from checker.approval_policy.importer import import_policy_bot
from checker.audit.population import summarise
from checker.errors import PolicyError
from checker.evaluate import evaluate
from checker.render.markdown import render_markdown
from checker.serde import to_json

EVERYONE = {"organizations": ["everyone"]}


def evaluation_of(section: dict, facts=None):  # type: ignore[no-untyped-def]
    policy = policies.load_text(policy_text(section), "p.yml")
    return evaluate(policy, facts or base_pull())


def test_summary_says_why_each_approval_did_not_count_and_who_can_still_approve() -> None:
    evaluation = evaluation_of(single_rule({"name": "two of everyone", "requires": {"count": 3, **EVERYONE}}))
    text = render_markdown(evaluation)
    assert "two of everyone" in text
    assert "counted: comment\\-approver (comment 2)" in text
    assert "not counted: mhaypenny (comment 4): author" in text
    assert "not counted: contributor\\-author (comment 5): contributor" in text
    assert "can still approve: members of everyone" in text
    assert "relaxes changeproof" in text and "SOC2 CC8" in text


def test_untrusted_logins_are_escaped_in_the_summary() -> None:
    facts = base_pull()
    hostile = facts.approval.comments[1].__class__(99, "evil|<script>", ":+1: @acme/admins", "2026-11-28T10:05:00Z")  # type: ignore[union-attr]
    facts = facts.__class__(
        **{
            **facts.__dict__,
            "approval": facts.approval.__class__(**{**facts.approval.__dict__, "comments": (hostile,)}),
        }
    )  # type: ignore[union-attr]
    text = render_markdown(evaluation_of(single_rule({"requires": {"count": 1, "users": ["x"]}}), facts))
    assert "<script>" not in text and "evil\\|&lt;script&gt;" in text


def test_export_marks_a_relaxed_approval_policy() -> None:
    facts = base_pull()
    evaluation = evaluation_of(single_rule({"requires": {"count": 1, **EVERYONE}}), facts)
    statement = {
        "predicate": {
            "kind": "merge",
            "repository": facts.repository,
            "pr": facts.number,
            "verdict": evaluation.verdict.value,
            "facts": to_json(facts),
            "evaluation": to_json(evaluation),
        }
    }
    row = summarise(statement, 1, "h").row
    assert row["control:approval_policy"] == "pass (relaxed)"
    strict = evaluation_of(single_rule({"requires": {"count": 1, **EVERYONE}}, pb_defaults=False), facts)
    statement["predicate"]["evaluation"] = to_json(strict)  # type: ignore[index]
    assert summarise(statement, 1, "h").row["control:approval_policy"] in ("pass", "pending", "unobservable")
    assert "(relaxed)" not in summarise(statement, 1, "h").row["control:approval_policy"]


NAMES = st.text(alphabet="abc -", min_size=1, max_size=6)
TREE = st.recursive(
    NAMES,
    lambda kids: st.dictionaries(
        st.sampled_from(["and", "or", "xor"]), st.lists(kids, max_size=3), min_size=1, max_size=2
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(tree=st.lists(TREE, max_size=4), rules=st.lists(NAMES, max_size=4, unique=True))
def test_any_approval_tree_validates_or_fails_with_located_problems(tree: list, rules: list) -> None:  # type: ignore[type-arg]
    section = {"policy": {"approval": tree}, "approval_rules": [{"name": r} for r in rules]}
    try:
        policy = policies.load_text(policy_text(section), "p.yml")
    except PolicyError as error:
        assert error.problems and all(p.line > 0 for p in error.problems)
        return
    result = next(r for r in evaluate(policy, base_pull()).results if r.control == "approval_policy")
    assert result.observed["status"] in ("approved", "pending", "skipped", "unobservable")


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_the_importer_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        result = import_policy_bot(text, ".policy.yml")
    except PolicyError as error:
        assert error.problems
        return
    for p in result.problems:
        assert p.file == ".policy.yml"
