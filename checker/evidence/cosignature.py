"""Witness cosignatures: C2SP tlog-cosignature `cosignature/v1` (Ed25519) and note verifier keys.

A cosignature is one more signed-note line on a checkpoint: `— <name> base64(key ID || u64
timestamp || Ed25519 signature)`, where the key ID is SHA-256(name || 0x0A || 0x04 || public
key)[:4] and the signature covers `cosignature/v1\\ntime <timestamp>\\n` followed by the checkpoint
body. Its meaning: as of that time, this is the largest consistent tree the witness has seen for
the origin. The witness's public key is published as a vkey (c2sp.org/signed-note):
`<name>+<hex key ID>+base64(0x04 || public key)`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from checker.errors import UsageError
from checker.evidence import checkpoint as notes

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public).digest()[:4]


def check_name(name: str) -> str:
    """A note key name: non-empty, no whitespace, no '+' (c2sp.org/signed-note)."""
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise UsageError(
            f"witness name {name!r} is not a note key name",
            fix="use a name without spaces or '+', e.g. witness.example.com/auditor",
        )
    return name


@dataclass(frozen=True)
class WitnessKey:
    """A witness's cosignature/v1 verifier key: its name and Ed25519 public key."""

    name: str
    public: bytes  # 32 raw bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public)

    def vkey(self) -> str:
        material = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def verify(self, body: str, timestamp: int, signature: bytes) -> bool:
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(self.public).verify(signature, signed_message(body, timestamp))
        except InvalidSignature:
            return False
        return True


def parse_vkey(text: str, where: str = "witness key") -> WitnessKey:
    """Parse `<name>+<hex key ID>+<base64(0x04 || key)>`, checking the key ID against the key."""
    parts = text.strip().split("+", 2)  # the base64 key may itself contain "+"
    fix = "pass the witness.vkey file that `changeproof keygen --witness` wrote"
    if len(parts) != 3:
        raise UsageError(f"{where}: not a note verifier key (name+keyid+key)", fix=fix)
    name, hex_id, material = parts
    check_name(name)
    try:
        raw = base64.b64decode(material, validate=True)
        claimed = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError):
        raise UsageError(f"{where}: key ID or key material is not hex / base64", fix=fix) from None
    if len(claimed) != 4 or len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise UsageError(
            f"{where}: not a cosignature/v1 Ed25519 key (needs a 4-byte key ID and type 0x04 + 32 bytes)", fix=fix
        )
    key = WitnessKey(name, raw[1:])
    if key.key_id != claimed:
        raise UsageError(f"{where}: key ID {hex_id} does not match the key (C2SP key-ID rule)", fix=fix)
    return key


def load_vkey(path_or_text: str) -> WitnessKey:
    p = Path(path_or_text).expanduser()
    if "+" not in path_or_text or p.is_file():
        if not p.is_file():
            raise UsageError(f"witness key {path_or_text} does not exist", fix="pass the witness's witness.vkey file")
        return parse_vkey(p.read_text(encoding="utf-8"), str(p))
    return parse_vkey(path_or_text)


def signed_message(body: str, timestamp: int) -> bytes:
    return f"{HEADER}time {timestamp}\n{body}".encode()


def cosign(private: ed25519.Ed25519PrivateKey, name: str, body: str, timestamp: int) -> str:
    """One cosignature/v1 signature line over a checkpoint body."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} out of range")
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signature = private.sign(signed_message(body, timestamp))
    return notes.signature_line(check_name(name), key_id(name, public), struct.pack(">Q", timestamp) + signature)


@dataclass(frozen=True)
class Cosignature:
    witness: WitnessKey
    timestamp: int


def cosignatures(cp: notes.Checkpoint, keys: list[WitnessKey]) -> tuple[list[Cosignature], list[str]]:
    """(valid cosignatures by `keys`, problems): lines whose name and key ID are a trusted
    witness's must verify (a bad one is a forgery, as Go's note.Open rejects); others are ignored."""
    good: list[Cosignature] = []
    bad: list[str] = []
    for sig in cp.signatures:
        for key in keys:
            if sig.name != key.name or sig.key_hash != key.key_id:
                continue
            if len(sig.signature) != 8 + 64:
                bad.append(f"witness {key.name}: cosignature has {len(sig.signature)} bytes, not 72")
                continue
            (timestamp,) = struct.unpack(">Q", sig.signature[:8])
            if timestamp > MAX_TIMESTAMP or not key.verify(cp.body, timestamp, sig.signature[8:]):
                bad.append(f"witness {key.name}: cosignature does not verify (forged or edited)")
                continue
            good.append(Cosignature(key, timestamp))
    return good, bad


def load_witness_private(path: str, password: str | None = None) -> ed25519.Ed25519PrivateKey:
    from checker.evidence.keys import load_private

    key = load_private(path, password)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise UsageError(f"{path}: a witness key must be Ed25519", fix="create one with `changeproof keygen --witness`")
    return key


def generate_witness_key(out: Path, name: str, *, force: bool = False) -> tuple[Path, Path, WitnessKey]:
    """Write `out/witness.key` (PKCS#8 PEM, mode 0600) and `out/witness.vkey` (the vkey line)."""
    from checker.evidence.keys import write_private_file

    check_name(name)
    out.mkdir(parents=True, exist_ok=True)
    priv_path, vkey_path = out / "witness.key", out / "witness.vkey"
    if not force and (priv_path.exists() or vkey_path.exists()):
        raise UsageError(f"{priv_path} or {vkey_path} already exists", fix="choose another --out or pass --force")
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private_file(priv_path, pem)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = WitnessKey(name, public)
    vkey_path.write_text(key.vkey() + "\n", encoding="utf-8")
    return priv_path, vkey_path, key
