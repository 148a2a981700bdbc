"""The facts decoder under mutated documents: Facts that evaluate and digest, or one FactsError with a JSON path.

Mutations start from the bundled example PR and replace one value anywhere in it with something a
careless tool or an attacker could write: wrong types, floats for integers, integers beyond 64
bits, lone surrogates, deep nesting, unknown fields.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from fuzz_support import ROOT, assert_located
from hypothesis import given
from hypothesis import strategies as st

from checker.errors import FactsError, UsageError
from checker.evaluate import evaluate
from checker.inputs import decode, read_json_file
from checker.model import Facts
from checker.policy import policy_for_facts
from checker.serde import sha256_digest, to_json

BASE: dict[str, Any] = json.loads((ROOT / "examples" / "pr-42-facts.json").read_text())


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += paths(item, (*prefix, i))
    return out


PATHS = paths(BASE)[1:]
HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.0, 2.5, 1e300]),
    st.text(max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u202e", "x" * 10_000]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["a", "sha", "\ud800", "state"]), st.integers(), max_size=2),
    st.integers(1, 200).map(lambda n: json.loads("[" * n + "]" * n)),
    st.integers(1, 200).map(lambda n: json.loads('{"a":' * n + "1" + "}" * n)),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        target = doc
        try:
            for part in path[:-1]:
                target = target[part]
            if draw(st.booleans()) and isinstance(target, dict):
                target[draw(st.sampled_from(["extra", path[-1]]))] = draw(HOSTILE)
            else:
                target[path[-1]] = draw(HOSTILE)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced a parent
    return doc


@given(mutated())
def test_mutated_facts_decode_and_evaluate_or_name_the_json_path(doc: dict[str, Any]) -> None:
    try:
        facts = decode(Facts, doc, "facts.json", "facts")
    except FactsError as error:
        assert_located(error)
        (problem,) = error.problems
        assert problem.json_path.startswith("$") and problem.file == "facts.json"
        return
    evaluation = evaluate(policy_for_facts(facts), facts)
    assert evaluation.facts_digest == sha256_digest(facts)
    rfc8785.dumps(to_json(facts))  # what the ledger records
    rfc8785.dumps(to_json(evaluation))


@given(text=st.text(alphabet=st.sampled_from([*list('{}[]":,0123456789.eE-+ tfnrul\\'), "\ud800"]), max_size=300))
def test_any_facts_text_parses_or_is_refused(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.getbasetemp() / "facts.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        data = read_json_file(path, "facts")
        decode(Facts, data, path, "facts")
    except (UsageError, FactsError) as error:
        assert_located(error)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"number": ' + "9" * 5000 + "}", "not a usable JSON document"),
    ],
    ids=["100000-deep", "5000-digit-int"],
)
def test_deep_and_huge_json_texts_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "facts.json"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        read_json_file(path, "facts")
    assert message in info.value.summary


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", 42.0, "expected an integer, got a number"),
        ("number", 2**64, "out of range"),
        ("title", "\ud800", "lone surrogate"),
        ("permissions", {"bob": "\udfff"}, "lone surrogate"),
    ],
)
def test_values_no_canonical_encoder_accepts_are_refused(field: str, value: Any, message: str) -> None:
    with pytest.raises(FactsError) as info:
        decode(Facts, {**BASE, field: value}, "facts.json", "facts")
    assert message in info.value.problems[0].message
    assert info.value.problems[0].json_path.startswith(f"$.{field}")
