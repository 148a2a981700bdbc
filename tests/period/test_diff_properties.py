"""Property tests: whatever rulesets GitHub returns, the posture differences are well formed."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.github.posture import normalise_ruleset
from checker.period.diff import differences

RULE = st.fixed_dictionaries(
    {"type": st.sampled_from(["pull_request", "deletion", "non_fast_forward", "required_status_checks", "update"])},
    optional={
        "parameters": st.fixed_dictionaries(
            {},
            optional={
                "required_approving_review_count": st.integers(0, 10),
                "dismiss_stale_reviews_on_push": st.booleans(),
                "required_status_checks": st.lists(st.fixed_dictionaries({"context": st.text(max_size=8)}), max_size=3),
            },
        )
    },
)
RULESET = st.fixed_dictionaries(
    {
        "id": st.integers(1, 5),
        "name": st.text(max_size=10),
        "enforcement": st.sampled_from(["active", "evaluate", "disabled"]),
        "rules": st.lists(RULE, max_size=4),
    },
    optional={
        "bypass_actors": st.lists(
            st.fixed_dictionaries({"actor_id": st.integers(1, 9), "actor_type": st.sampled_from(["User", "Team"])}),
            max_size=3,
        )
    },
)


def posture(at: str, rulesets: list[dict[str, Any]]) -> dict[str, Any]:
    normal = {str(r["id"]): normalise_ruleset(r) for r in rulesets}
    return {"collected_at": at, "config": {"rulesets": normal}, "history": {}}


@settings(max_examples=200, deadline=None)
@given(st.lists(RULESET, max_size=3), st.lists(RULESET, max_size=3))
def test_differences_are_well_formed_and_empty_for_equal_postures(before: list[Any], after: list[Any]) -> None:
    a, b = posture("2026-11-01T00:00:00Z", before), posture("2026-11-02T00:00:00Z", after)
    diff = differences(a, b)
    for change in diff["changes"]:
        assert set(change) == {"at", "ruleset_id", "field", "before", "after", "actor", "weakening", "note"}
        assert change["before"] != change["after"]
        assert isinstance(change["weakening"], str)
    assert differences(a, posture("2026-11-02T00:00:00Z", before))["changes"] == []
    if a["config"]["rulesets"] == b["config"]["rulesets"]:
        assert diff["changes"] == []
