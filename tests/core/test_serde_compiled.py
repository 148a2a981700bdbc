"""serde's compiled decoder gives exactly what the path-tracking walk gives: the same value or the same error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.inputs import load_model
from checker.model import Evaluation, Facts, Policy
from checker.serde import DecodeError, _decode, from_json, to_json

ROOT = Path(__file__).resolve().parents[2]
FACTS = to_json(load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts"))
LEAF = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "x", "APPROVED", "pass", "enforce"])
JSON = st.recursive(
    LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=10,
)


def _both(cls: type, data: Any) -> tuple[Any, Any]:
    def run(fn: Any) -> Any:
        try:
            return ("ok", fn())
        except DecodeError as exc:
            return ("error", str(exc))

    return run(lambda: from_json(cls, data)), run(lambda: _decode(cls, data, "$"))


def test_the_example_facts_decode_the_same() -> None:
    fast, slow = _both(Facts, FACTS)
    assert fast == slow and fast[0] == "ok"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FACTS)), JSON)
def test_a_changed_field_gives_the_same_value_or_error(field: str, value: Any) -> None:
    fast, slow = _both(Facts, {**FACTS, field: value})
    assert fast == slow


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([Facts, Policy, Evaluation]), JSON)
def test_arbitrary_json_gives_the_same_value_or_error(cls: type, data: Any) -> None:
    fast, slow = _both(cls, data)
    assert fast == slow
