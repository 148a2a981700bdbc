"""The approval memo's fast check of a record's scalar facts never accepts what the model's
decoder would reject (it only skips building the Facts when the decode would succeed)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from checker.audit.approval_summary import _SCALARS, _scalars_decode
from checker.model import Facts
from checker.serde import DecodeError, from_json

_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=8),
    st.lists(st.integers(), max_size=2),
)


@given(st.dictionaries(st.sampled_from(_SCALARS), _VALUES))
def test_fast_check_implies_the_decoder_accepts(facts: dict[str, Any]) -> None:
    if _scalars_decode(facts):
        from_json(Facts, facts, "$.predicate.facts")


@given(st.fixed_dictionaries({k: (st.integers(0, 2**62) if k == "number" else st.text(max_size=5)) for k in _SCALARS}))
def test_fast_check_takes_ordinary_records(facts: dict[str, Any]) -> None:
    try:
        from_json(Facts, facts, "$")
    except DecodeError:
        assert not _scalars_decode(facts)
    else:
        assert _scalars_decode(facts)


def test_examples() -> None:
    good = {
        "repository": "a/b",
        "number": 1,
        "title": "t",
        "head_sha": "h",
        "base_sha": "b",
        "observed_at": "o",
        "author": "x",
    }
    assert _scalars_decode(good)
    assert not _scalars_decode({**good, "number": True})
    assert not _scalars_decode({**good, "number": 2**63})
    assert not _scalars_decode({**good, "title": "\ud800"})
    assert not _scalars_decode({k: v for k, v in good.items() if k != "author"})
