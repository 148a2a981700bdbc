"""Property tests of the note parsers verify and the witness rely on: they never fail with
anything but their own error types, and what they accept round-trips."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.errors import UsageError
from checker.evidence import checkpoint as notes
from checker.evidence.cosignature import WitnessKey, cosign, cosignatures, parse_vkey

NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Zs", "Cc", "Zl", "Zp"), blacklist_characters="+"),
    min_size=1,
    max_size=30,
)
KEY = ed25519.Ed25519PrivateKey.generate()
RAW = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_parse_vkey_fails_only_with_a_usage_error(text):
    try:
        parse_vkey(text)
    except UsageError:
        pass


@settings(max_examples=100, deadline=None)
@given(NAMES)
def test_vkey_round_trips(name):
    key = WitnessKey(name, RAW)
    assert parse_vkey(key.vkey()) == key


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_note_parse_fails_only_with_a_note_error(text):
    try:
        notes.parse(text)
    except notes.NoteError:
        pass


def test_a_size_of_non_ascii_digits_is_a_note_error():
    for size in ("\u00b2", "\u0663"):  # digits to str.isdigit, but not to the format (int() fails on one)
        note = f"o\n{size}\n{base64.b64encode(bytes(32)).decode()}\n\n\u2014 k AAAAAAA=\n"
        try:
            notes.parse(note)
        except notes.NoteError:
            continue
        raise AssertionError(f"size {size!r} accepted")


@settings(max_examples=50, deadline=None)
@given(
    NAMES,
    st.integers(min_value=0, max_value=2**40),
    st.integers(min_value=0, max_value=2**63 - 1),
    st.binary(min_size=32, max_size=32),
)
def test_cosignature_round_trips_and_any_flipped_bit_is_a_forgery(name, size, timestamp, root):
    body = notes.body("example.com/log", size, root)
    note = notes.assemble(body, [cosign(KEY, name, body, timestamp)])
    cp = notes.parse(note)
    good, bad = cosignatures(cp, [WitnessKey(name, RAW)])
    assert [(g.witness.name, g.timestamp) for g in good] == [(name, timestamp)] and not bad
    line = note.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(line[1]))
    raw[-1] ^= 1
    forged = notes.parse(line[0] + " " + base64.b64encode(bytes(raw)).decode() + "\n")
    good, bad = cosignatures(forged, [WitnessKey(name, RAW)])
    assert not good and len(bad) == 1
