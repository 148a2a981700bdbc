"""Entry signatures are checked with libsodium (PyNaCl), for speed: it must accept exactly the
real signatures OpenSSL (`cryptography`) accepts, reject every edit, and never accept one that
OpenSSL rejects."""

from __future__ import annotations

import nacl.bindings
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.evidence.keys import TrustedKey, ed25519_verify

RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def _openssl(public: bytes, signature: bytes, data: bytes) -> bool:
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _raw(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_rfc8032_test_vector_1() -> None:
    assert ed25519_verify(RFC8032_PUBLIC, RFC8032_SIGNATURE, b"")
    assert not ed25519_verify(RFC8032_PUBLIC, RFC8032_SIGNATURE, b"\x00")
    assert _raw(ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)) == RFC8032_PUBLIC


@settings(max_examples=200)
@given(seed=st.binary(min_size=32, max_size=32), data=st.binary(max_size=2048), flip=st.integers(0, 10_000))
def test_agrees_with_openssl_on_real_signatures_and_edits(seed: bytes, data: bytes, flip: int) -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    public, signature = _raw(key), key.sign(data)
    assert ed25519_verify(public, signature, data) and _openssl(public, signature, data)
    bit = flip % ((len(signature) + len(data)) * 8)
    edited_sig, edited_data = bytearray(signature), bytearray(data)
    target, at = (edited_sig, bit) if bit < 512 else (edited_data, bit - 512)
    target[at // 8] ^= 1 << (at % 8)
    assert not ed25519_verify(public, bytes(edited_sig), bytes(edited_data))
    assert not _openssl(public, bytes(edited_sig), bytes(edited_data))


@settings(max_examples=200)
@given(public=st.binary(min_size=0, max_size=40), signature=st.binary(min_size=0, max_size=80), data=st.binary())
def test_never_more_permissive_than_openssl(public: bytes, signature: bytes, data: bytes) -> None:
    if ed25519_verify(public, signature, data):
        assert _openssl(public, signature, data)


def test_wrong_lengths_are_rejected_not_misread() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    data = b"DSSEv1 28 application/vnd.in-toto+json 2 {}"
    signature = key.sign(data)
    assert ed25519_verify(_raw(key), signature, data)
    # a short signature must not borrow the message's first byte
    assert not ed25519_verify(_raw(key), signature[:63], signature[63:] + data)
    assert not ed25519_verify(_raw(key)[:31], signature, data)
    assert not ed25519_verify(_raw(key), signature + b"\x00", data)


def test_small_order_key_forgery_that_openssl_accepts_is_rejected() -> None:
    """With the identity point as public key, R = [S]B verifies any message under the
    cofactorless equation; OpenSSL accepts it, libsodium does not (a hostile LEDGER.json could
    list such a key when the auditor trusts the ledger's own key list)."""
    identity = bytes([1]) + bytes(31)
    scalar = (12345).to_bytes(32, "little")
    forged = nacl.bindings.crypto_scalarmult_ed25519_base_noclamp(scalar) + scalar
    assert _openssl(identity, forged, b"any entry at all")
    assert not ed25519_verify(identity, forged, b"any entry at all")


def test_trusted_key_uses_it() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    trusted = TrustedKey.of(key.public_key())
    assert trusted.raw == _raw(key)
    assert trusted.verify(key.sign(b"x"), b"x")
    assert not trusted.verify(key.sign(b"x"), b"y")
