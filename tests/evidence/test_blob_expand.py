"""Format 2 round trip: whatever `externalise` moves into blobs, `expand` puts back exactly, without
touching the statement it was given."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.evidence import blobs

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)
_FACT_KEYS = ["policy", "codeowners", "files", "commits", "reviews", "checks", "title", "number"]
_PREDICATES = st.fixed_dictionaries(
    {
        "facts": st.dictionaries(st.sampled_from(_FACT_KEYS), _JSON, max_size=8),
        "evaluation": st.fixed_dictionaries({"results": _JSON}, optional={"verdict": st.text(max_size=3)}),
        "items": st.lists(_JSON, max_size=4),
        "kind": st.sampled_from(["merge", "gate"]),
    }
)
PATTERNS = (*blobs.EVALUATION_POINTERS, "/items/*")


def _cache(files: dict[str, bytes]) -> blobs.BlobCache:
    return blobs.BlobCache(lambda paths: [files.get(p) for p in paths])


@settings(max_examples=300, deadline=None)
@given(_PREDICATES, st.sampled_from([0, 8, 128]))
def test_expand_gives_back_what_externalise_moved(predicate: dict[str, Any], min_bytes: int) -> None:
    small, files = blobs.externalise(predicate, PATTERNS, min_bytes)
    before = copy.deepcopy(small)
    cache = _cache(files)
    expanded = blobs.expand(small, cache)
    assert small == before  # the format 2 statement itself is untouched
    assert {k: v for k, v in expanded.items() if k not in (blobs.FORMAT_FIELD, "blobs")} == orjson.loads(
        orjson.dumps(predicate)
    )
    assert blobs.expand(small, cache) == expanded  # the second time from the cache
    assert blobs.checked(small) == (tuple(sorted(set(files))), "")


def test_a_blob_edited_or_missing_is_refused_before_anything_is_put_back() -> None:
    predicate = {"facts": {"reviews": ["x" * 200], "commits": ["y" * 200]}, "evaluation": {"results": []}}
    small, files = blobs.externalise(predicate, blobs.EVALUATION_POINTERS)
    edited = dict(files)
    path = sorted(edited)[0]
    edited[path] = edited[path].replace(b"x", b"z")
    for bad in (edited, {path: files[path]}):
        try:
            blobs.expand(small, _cache(bad))
        except blobs.CorruptEntryError as exc:
            assert "missing or does not match its digest" in exc.summary
        else:
            raise AssertionError("expanded with a bad blob")
