"""The witness: cosign a ledger's checkpoint only if it is consistent with the last one cosigned.

Run by someone the audited organisation does not control (C2SP tlog-witness semantics, with
the ledger's git branch standing in for the log's HTTP API). The witness keeps, per origin, the
(size, root, frontier) it last cosigned in `state.json` and each cosigned checkpoint as
`<origin>/<size>` in its own state directory. Shown a checkpoint, it checks the log's signature,
reads only the entries added since its last cosignature, computes the RFC 6962 consistency proof
from its stored frontier and verifies it against the new root; only then does it write a
`cosignature/v1` line (with its timestamp) and advance its state. A fork or a rollback is refused
with both roots shown, and the state is left as it was.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from checker.errors import UsageError, WitnessRefusedError
from checker.evidence import checkpoint as notes
from checker.evidence import layout, merkle
from checker.evidence.access import Ledger, open_ledger
from checker.evidence.cosignature import check_name, cosign
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.keys import TrustedKey
from checker.evidence.ledger import note_verifies
from checker.evidence.witnessing import STATE_FILE

CHUNK = 2000
ORIGIN_RE = re.compile(r"^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")


@dataclass(frozen=True)
class WitnessResult:
    origin: str
    old_size: int
    size: int
    root: str
    note: str  # the checkpoint with the ledger's signature and this witness's cosignature
    path: Path
    timestamp: int
    already: bool = False  # this exact checkpoint was cosigned before; the earlier cosignature stands


@dataclass(frozen=True)
class _State:
    size: int
    root: bytes
    frontier: list[bytes]


def _origin_dir(state_dir: Path, origin: str) -> Path:
    if not ORIGIN_RE.match(origin) or any(part in (".", "..") for part in origin.split("/")):
        raise UsageError(f"checkpoint origin {origin[:80]!r} cannot name a state directory")
    return state_dir / origin


def _load_state(directory: Path) -> _State:
    path = directory / STATE_FILE
    if not path.exists():
        return _State(0, merkle.EMPTY_ROOT, [])
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        state = _State(int(doc["size"]), bytes.fromhex(doc["root"]), [bytes.fromhex(h) for h in doc["frontier"]])
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise UsageError(
            f"{path}: unreadable witness state ({exc})", fix="restore it from the state repository"
        ) from None
    sizes = merkle.frontier_sizes(state.size)
    if len(sizes) != len(state.frontier) or merkle.frontier_root(state.frontier) != state.root:
        raise UsageError(f"{path}: its frontier does not produce its root", fix="restore it from the state repository")
    return state


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _log_signed(cp: notes.Checkpoint, log_keys: list[TrustedKey], keyless: Callable[[], bool]) -> bool:
    if log_keys and note_verifies(cp, log_keys):
        return True
    return keyless()


def _ledger_root_at(ledger: Ledger, size: int) -> str:
    """The root this ledger claims for its first `size` entries: the archived checkpoint, else computed."""
    archived = ledger.read_paths([layout.archive_path(size)])[0] if size else None
    if archived is not None:
        try:
            return notes.parse(archived.decode()).root_hex
        except (notes.NoteError, UnicodeDecodeError):
            pass
    entries = ledger.index().entries[:size]
    if len(entries) != size or (entries and entries[-1][0] != size - 1):
        return "(the ledger does not hold that many entries)"
    leaves = [merkle.leaf_hash(b) for b in ledger.git.cat_blobs([o for _, _, o in entries])]
    return merkle.root(leaves).hex()


def witness_ledger(
    location: str,
    branch: str = layout.DEFAULT_BRANCH,
    *,
    log_keys: list[TrustedKey],
    keyless_check: Callable[[Ledger, notes.Checkpoint], bool] | None = None,
    state_dir: Path,
    key: ed25519.Ed25519PrivateKey,
    name: str,
    origin: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    token: Token = AMBIENT_TOKEN,
) -> WitnessResult:
    """Cosign the ledger's current checkpoint if it extends what this witness cosigned before."""
    check_name(name)
    if not log_keys and keyless_check is None:
        raise UsageError("no log key given", fix="pass --log-key PUBLIC.pem or --log-identity / --log-issuer")
    with open_ledger(location, branch, token=token, partial=True) as ledger:
        raw = ledger.read_paths([layout.CHECKPOINT_FILE])[0]
        try:
            cp = notes.parse((raw or b"").decode())
        except (notes.NoteError, UnicodeDecodeError) as exc:
            raise WitnessRefusedError(f"{ledger.location}: no readable checkpoint ({exc})") from None
        if origin is not None and cp.origin != origin:
            raise WitnessRefusedError(f"checkpoint is for {cp.origin!r}, this witness is configured for {origin!r}")
        if not _log_signed(cp, log_keys, lambda: keyless_check is not None and keyless_check(ledger, cp)):
            raise WitnessRefusedError(
                f"{ledger.location}: the checkpoint is not signed by the log key (or a line from it is bad)",
                fix="pass the ledger's public key with --log-key",
            )
        directory = _origin_dir(state_dir, cp.origin)
        state = _load_state(directory)
        frontier = _check_consistent(ledger, cp, state)
        return _cosign(directory, cp, state, frontier, key, name, int(clock().timestamp()))


def _refuse(ledger: Ledger, cp: notes.Checkpoint, state: _State, why: str) -> WitnessRefusedError:
    return WitnessRefusedError(
        f"refusing to cosign {cp.origin} size {cp.size}: {why}\n"
        f"  root this witness cosigned at size {state.size}: {state.root.hex()}\n"
        f"  root this ledger has at size {state.size}:      {_ledger_root_at(ledger, state.size)}\n"
        f"  root of the checkpoint shown (size {cp.size}):  {cp.root_hex}",
        fix="this is what a split view or a rollback looks like: keep this witness's state and "
        "tell the auditors; the ledger's owner must explain the fork",
    )


def _check_consistent(ledger: Ledger, cp: notes.Checkpoint, state: _State) -> list[bytes]:
    """Refuse unless `cp` extends the cosigned state; returns the frontier of `cp`'s tree."""
    if cp.size < state.size:
        raise _refuse(ledger, cp, state, f"it is smaller than the size {state.size} cosigned before (rolled back)")
    if cp.size == state.size:
        if cp.root != state.root:
            raise _refuse(ledger, cp, state, "same size, different root (a fork)")
        return state.frontier
    new_leaves: list[bytes] = []
    for start in range(state.size, cp.size, CHUNK):  # by path: no listing of the whole tree
        seqs = range(start, min(start + CHUNK, cp.size))
        blobs = ledger.read_paths([layout.entry_path(k) for k in seqs])
        if any(b is None for b in blobs):
            missing = next(k for k, b in zip(seqs, blobs, strict=True) if b is None)
            raise _refuse(ledger, cp, state, f"the branch does not hold entry {missing} of 0..{cp.size - 1}")
        new_leaves.extend(merkle.leaf_hash(b) for b in blobs if b is not None)
    if state.size == 0:
        if merkle.root(new_leaves) != cp.root:
            raise _refuse(ledger, cp, state, "its root is not the Merkle root of the entries")
    else:
        proof = merkle.consistency_proof_from_frontier(state.size, state.frontier, new_leaves)
        if not merkle.verify_consistency(state.size, cp.size, state.root, cp.root, proof):
            raise _refuse(ledger, cp, state, "the RFC 6962 consistency proof from the cosigned tree fails (a fork)")
    frontier = list(state.frontier)
    for i, leaf in enumerate(new_leaves):
        frontier = merkle.frontier_append(frontier, state.size + i, leaf)
    return frontier


def _cosign(
    directory: Path,
    cp: notes.Checkpoint,
    state: _State,
    frontier: list[bytes],
    key: ed25519.Ed25519PrivateKey,
    name: str,
    now: int,
) -> WitnessResult:
    path = directory / str(cp.size)
    if path.exists():
        try:
            earlier = notes.parse(path.read_text(encoding="utf-8"))
        except (notes.NoteError, OSError, UnicodeDecodeError):
            earlier = None
        if earlier is not None and earlier.body == cp.body:
            return WitnessResult(cp.origin, state.size, cp.size, cp.root_hex, path.read_text(), path, now, True)
    line = cosign(key, name, cp.body, now)
    lines = [notes.signature_line(s.name, s.key_hash, s.signature) for s in cp.signatures if s.name != name]
    note = notes.assemble(cp.body, [*lines, line])
    _write_atomic(path, note.encode())
    doc = {"origin": cp.origin, "size": cp.size, "root": cp.root.hex(), "frontier": [h.hex() for h in frontier]}
    _write_atomic(directory / STATE_FILE, (json.dumps(doc, indent=2) + "\n").encode())
    return WitnessResult(cp.origin, state.size, cp.size, cp.root_hex, note, path, now)


def keyless_checker(identity: str, issuer: str, trusted_root: str | None) -> Callable[[Ledger, notes.Checkpoint], bool]:
    """For keyless ledgers: the checkpoint is the log's when its last entry's certificate is the
    record workflow's identity and the note verifies under that certificate's key."""
    from checker.evidence.sigstore_verify import verify_keyless_bundle
    from checker.evidence.verify import Identity, keyless_note_key

    def check(ledger: Ledger, cp: notes.Checkpoint) -> bool:
        if cp.size == 0 or cp.size > 10**layout.DIGITS:
            return False
        data = ledger.read_paths([layout.entry_path(cp.size - 1)])[0]
        error, _ = verify_keyless_bundle(data or b"", [Identity(identity, issuer)], trusted_root)
        key = keyless_note_key(data) if not error else None
        lines = [s for s in cp.signatures if s.key_hash == notes.KEYLESS_HASH]
        return key is not None and bool(lines) and all(key.verify(s.signature, cp.body.encode()) for s in lines)

    return check
