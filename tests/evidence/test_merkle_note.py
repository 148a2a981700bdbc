"""RFC 6962 tree hashing, frontiers and consistency proofs; C2SP checkpoint notes."""

from __future__ import annotations

import hashlib

import pytest
from evidence_support import make_keypair

from checker.evidence import checkpoint as notes
from checker.evidence import load_signer, merkle
from checker.evidence.keys import trusted_key
from checker.evidence.ledger import note_verifies


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, literally (leaves are already leaf hashes)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


LEAVES = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(40)]


def test_root_and_frontier_match_the_rfc_definition():
    frontier: list[bytes] = []
    for n in range(41):
        assert merkle.root(LEAVES[:n]) == naive_mth(LEAVES[:n])
        assert merkle.frontier_root(frontier) == naive_mth(LEAVES[:n])
        assert len(frontier) == bin(n).count("1")
        if n < 40:
            frontier = merkle.frontier_append(frontier, n, LEAVES[n])


def test_consistency_proofs_verify_and_detect_rewrites():
    for n in range(1, 25):
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(LEAVES[:n], m)
            assert merkle.verify_consistency(m, n, naive_mth(LEAVES[:m]), naive_mth(LEAVES[:n]), proof), (m, n)
            if m < n:
                rewritten = LEAVES[:n].copy()
                rewritten[m - 1] = merkle.leaf_hash(b"edited")
                assert not merkle.verify_consistency(
                    m, n, naive_mth(LEAVES[:m]), merkle.root(rewritten), merkle.consistency_proof(rewritten, m)
                )


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_checkpoint_note_roundtrip_and_tamper(tmp_path, kind):
    key = make_keypair(tmp_path, kind)
    signer = load_signer("key", key.private_pem)
    body = notes.body("changeproof.dev/ledger/acme/payments", 7, merkle.root(LEAVES[:7]))
    note = notes.assemble(body, [signer.sign_note("changeproof.dev/ledger/acme/payments", body)])
    cp = notes.parse(note)
    assert (cp.origin, cp.size, cp.root) == ("changeproof.dev/ledger/acme/payments", 7, merkle.root(LEAVES[:7]))
    assert note.split("\n")[3] == "" and note.split("\n")[4].startswith("\u2014 changeproof.dev/ledger/acme/payments ")
    assert note_verifies(cp, [trusted_key(key.public_pem)])
    forged = notes.parse(note.replace("\n7\n", "\n8\n"))
    assert not note_verifies(forged, [trusted_key(key.public_pem)])
    other = make_keypair(tmp_path / "o", kind)
    assert not note_verifies(cp, [trusted_key(other.public_pem)])


@pytest.mark.parametrize(
    "text", ["", "origin\n1\nAAAA\n", "o\nx\nAAAA\n\n\u2014 k AAAAAAA=\n", "o\n1\n" + "A" * 44 + "\n\n- k AAAA\n"]
)
def test_malformed_notes_are_rejected(text):
    with pytest.raises(notes.NoteError):
        notes.parse(text)
