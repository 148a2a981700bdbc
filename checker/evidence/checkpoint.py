"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A checkpoint commits to (origin, tree size, RFC 6962 root). Copies printed in every run and kept
by auditors are what make a rollback of the ledger branch detectable: an older checkpoint must be
consistent with the current tree.

The note body is three lines: origin, decimal size, base64 root. Each signature line is
`— <name> <base64(key hash[4] || signature)>`. For Ed25519 the key hash is the first four bytes
of SHA-256(name || 0x0A || 0x01 || raw 32-byte key), as c2sp.org/signed-note specifies; for ECDSA
P-256 (ASN.1 signature over SHA-256) it is the first four bytes of SHA-256 of the DER
SubjectPublicKeyInfo, the convention of Sigstore's Rekor checkpoints. Keyless ledgers sign the
note with the ephemeral key certified in the newest entry's Sigstore bundle, under the key hash
0xffffffff; verifying that entry's certificate identity is what makes the note trustworthy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

import pybase64

EM_DASH = "\u2014"
ALG_ED25519 = 0x01
ALG_ECDSA = 0x02
KEYLESS_HASH = b"\xff\xff\xff\xff"


class NoteError(ValueError):
    """The text is not a well-formed checkpoint note."""


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_hash: bytes
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    body: str  # the signed text, ending in a newline
    signatures: tuple[NoteSignature, ...] = ()

    @property
    def root_hex(self) -> str:
        return self.root.hex()


def body(origin: str, size: int, root: bytes) -> str:
    if not origin or "\n" in origin:
        raise ValueError("checkpoint origin must be one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def key_hash(name: str, alg: int, public_key: bytes) -> bytes:
    if alg == ALG_ECDSA:
        return hashlib.sha256(public_key).digest()[:4]
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def signature_line(name: str, khash: bytes, signature: bytes) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise ValueError(f"note key name {name!r} must be non-empty without spaces or '+'")
    return f"{EM_DASH} {name} {base64.b64encode(khash + signature).decode()}\n"


def assemble(text: str, lines: list[str]) -> str:
    return text + "\n" + "".join(lines)


def parse(note: str) -> Checkpoint:
    """Split a signed note into its checkpoint fields and signature lines (no signature checks)."""
    if "\n\n" not in note:
        raise NoteError("no blank line between the checkpoint text and its signatures")
    text, _, sigpart = note.partition("\n\n")
    text += "\n"
    lines = text.split("\n")[:-1]
    if len(lines) < 3:
        raise NoteError("a checkpoint needs origin, size and root lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not (size_text.isascii() and size_text.isdigit()) or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"tree size {size_text!r} is not a decimal number")
    try:
        root = pybase64.b64decode(root_text, validate=True)  # strict; the stdlib's regex check is slow
    except (binascii.Error, ValueError):
        raise NoteError("root hash is not base64") from None
    if len(root) != 32:
        raise NoteError(f"root hash has {len(root)} bytes, not 32")
    sigs = []
    if not sigpart.endswith("\n"):
        raise NoteError("the note must end with a newline")
    for line in sigpart[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH:
            raise NoteError(f"malformed signature line {line[:80]!r}")
        try:
            raw = pybase64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError):
            raise NoteError("signature is not base64") from None
        if len(raw) < 5:
            raise NoteError("signature line too short")
        sigs.append(NoteSignature(parts[1], raw[:4], raw[4:]))
    if not sigs:
        raise NoteError("the checkpoint carries no signature")
    return Checkpoint(origin, int(size_text), root, text, tuple(sigs))
