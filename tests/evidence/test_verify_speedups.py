"""The fast paths verify took for 100 000 entries give exactly what the plain definitions give.

One pass over the leaves for every archived checkpoint's root (`merkle.scan`) against RFC 6962
computed literally; the SIMD base64 decoder against the standard library's strict one (never
more permissive); the one-pass check of a format 2 blob list against the full one.
"""

from __future__ import annotations

import binascii
import hashlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_merkle_note import naive_mth

from checker.evidence import blobs, bundle, merkle

LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(70)]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 70), sizes=st.sets(st.integers(0, 80), max_size=20))
def test_scan_gives_each_prefix_root_and_the_frontier(n: int, sizes: set[int]) -> None:
    roots, frontier = merkle.scan(LEAVES[:n], sizes)
    assert roots == {m: naive_mth(LEAVES[:m]) for m in sizes if m <= n}
    assert frontier == merkle.frontier_of(LEAVES[:n])
    assert merkle.frontier_root(frontier) == naive_mth(LEAVES[:n])


def test_scan_of_every_size_as_verify_asks_for_archived_checkpoints() -> None:
    roots, _ = merkle.scan(LEAVES, set(range(1, len(LEAVES) + 1)))
    assert [roots[m] for m in range(1, len(LEAVES) + 1)] == [naive_mth(LEAVES[:m]) for m in range(1, len(LEAVES) + 1)]


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _strict(text: str) -> bytes | None:
    try:
        return binascii.a2b_base64(text.encode("utf-8"), strict_mode=True)
    except (binascii.Error, ValueError):
        return None


def _fast(text: str) -> bytes | None:
    try:
        return bundle._b64decode(text)
    except (binascii.Error, ValueError, TypeError):
        return None


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from([*ALPHABET, "=", "\n", " ", "-", "_", "é", "\x00"]), max_size=24))
def test_payload_base64_is_never_more_permissive_than_strict_binascii(text: str) -> None:
    fast, strict = _fast(text), _strict(text)
    if fast is not None:
        assert fast == strict
    if strict is not None and fast is None:  # only surplus padding after a full quantum
        assert text.rstrip("=") != text and len(text.rstrip("=")) % 4 == 0


@given(st.binary(max_size=300))
def test_payload_base64_decodes_what_the_writer_encodes(data: bytes) -> None:
    assert bundle._b64decode(binascii.b2a_base64(data, newline=False).decode()) == data


DIGEST = hashlib.sha256(b"x").hexdigest()


def _slow_checked(predicate: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    if blobs.FORMAT_FIELD not in predicate and "blobs" not in predicate:
        return (), ""
    problem = blobs.malformed(predicate)
    refs = (predicate.get("blobs") or {}) if not problem else {}
    return tuple(sorted({f"{blobs.DIRECTORY}/{d}" for d in refs.values()})), problem


values = st.one_of(
    st.just(blobs.PLACEHOLDER), st.just("@blo"), st.integers(), st.none(), st.lists(st.just(blobs.PLACEHOLDER))
)
digests = st.one_of(st.just(DIGEST), st.just(DIGEST.upper()), st.just(DIGEST[:-1]), st.integers(), st.none())
pointers = st.sampled_from(["/facts/policy", "/facts/files", "/evaluation/results", "/facts/0", "/nope", "facts/files"])


@settings(max_examples=500, deadline=None)
@given(
    fmt=st.one_of(st.just(2), st.just(1), st.just(True), st.just("2"), st.just(3), st.none()),
    facts=st.dictionaries(st.sampled_from(["policy", "files", "0"]), values, max_size=3),
    results=values,
    refs=st.one_of(st.dictionaries(pointers, digests, max_size=4), st.lists(st.just(DIGEST)), st.none()),
    drop_format=st.booleans(),
)
def test_one_pass_blob_list_check_matches_the_full_check(
    fmt: Any, facts: dict[str, Any], results: Any, refs: Any, drop_format: bool
) -> None:
    predicate: dict[str, Any] = {"facts": facts, "evaluation": {"results": results}, "blobs": refs}
    if not drop_format:
        predicate[blobs.FORMAT_FIELD] = fmt
    if refs is None:
        del predicate["blobs"]
    assert blobs.checked(predicate) == _slow_checked(predicate)
