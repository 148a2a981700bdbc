"""Appending to the ledger branch: verify the tip, then compare-and-swap through `git push`.

Each append fetches only the tip commit (depth 1, no blobs), reads the four small files it needs,
checks that the signed checkpoint, head.json and the last entry agree, builds and signs the next
entry, and writes one commit whose only parent is that tip. A plain (never forced) push is the
compare-and-swap: if another job appended first the push is rejected and the whole entry is
rebuilt on the new tip and re-signed. Nothing is ever partially written.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric import ec

from checker.errors import InfrastructureError, UsageError
from checker.evidence import bundle as bundles
from checker.evidence import checkpoint as notes
from checker.evidence import layout, merkle
from checker.evidence.gitio import (
    AMBIENT_TOKEN,
    Git,
    GitError,
    Token,
    append_filter,
    fetch_tip,
    redact,
    resolve_token,
    scratch_repo,
)
from checker.evidence.keys import TrustedKey, load_public
from checker.evidence.signing import Signer
from checker.evidence.statement import PAYLOAD_TYPE, statement_bytes

ATTEMPTS_ENV = layout.ATTEMPTS_ENV
DEFAULT_ATTEMPTS = layout.DEFAULT_ATTEMPTS


@dataclass(frozen=True)
class AppendResult:
    seq: int
    entry_hash: str
    checkpoint: str
    entry_path: str


# build(seq, prev) -> (statement, extra files to add when absent, e.g. policies/<digest>)
Builder = Callable[[int, str], tuple[dict[str, Any], dict[str, bytes]]]


@dataclass
class Tip:
    commit: str | None
    size: int = 0
    last_hash: str = ""
    frontier: list[bytes] = field(default_factory=list)
    ledger_doc: dict[str, Any] | None = None
    checkpoint_text: str = ""


def encode_entry(bundle: dict[str, Any]) -> bytes:
    """The exact bytes of an entry file; its SHA-256 is the entry hash chained by `prev`."""
    return json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def entry_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refuse(commit: str, what: str) -> InfrastructureError:
    return InfrastructureError(
        f"refusing to append: the ledger tip {commit[:12]} is inconsistent ({what})",
        fix="run `changeproof verify` on the ledger; someone may have edited the branch by hand",
    )


def read_paths(git: Git, commit: str, paths: list[str]) -> dict[str, bytes | None]:
    out: dict[str, bytes | None] = {}
    for path in paths:
        try:
            out[path] = git.run("cat-file", "blob", f"{commit}:{path}")
        except GitError:
            out[path] = None
    return out


def ledger_keys(doc: dict[str, Any]) -> list[TrustedKey]:
    keys = []
    for item in doc.get("trust", []):
        if isinstance(item, dict) and item.get("type") == "key" and isinstance(item.get("public_key"), str):
            try:
                keys.append(TrustedKey.of(load_public(item["public_key"])))
            except UsageError:
                continue
    return keys


def check_format(doc: Any, where: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or not isinstance(doc.get("format"), str):
        raise UsageError(f"{where}: LEDGER.json has no format field", fix="is this a changeproof ledger branch?")
    if doc["format"] != layout.FORMAT:
        raise UsageError(
            f"{where}: unknown ledger format version {doc['format']!r} (this changeproof reads {layout.FORMAT})",
            fix="upgrade changeproof to a version that knows this format",
        )
    return doc


def note_verifies(note: notes.Checkpoint, keys: list[TrustedKey]) -> bool:
    """True when a signature line verifies under one of `keys` and no line that names one of
    `keys` (same name and key hash) fails: like Go's note.Open, a bad signature from a known key
    rejects the whole note, whatever else it carries. Lines from unknown keys are ignored."""
    verified = False
    body = note.body.encode()
    for sig in note.signatures:
        for key in keys:
            alg, public = key.note_key()
            if notes.key_hash(sig.name, alg, public) != sig.key_hash:
                continue
            if not key.verify(sig.signature, body):
                return False
            verified = True
    return verified


def read_tip(git: Git, commit: str | None, extra_keys: list[TrustedKey]) -> Tip:
    """The state an append extends, after checking that checkpoint, head and last entry agree."""
    if commit is None:
        return Tip(commit=None)
    files = read_paths(git, commit, [layout.LEDGER_FILE, layout.HEAD_FILE, layout.CHECKPOINT_FILE])
    if any(v is None for v in files.values()):
        missing = ", ".join(k for k, v in files.items() if v is None)
        raise _refuse(commit, f"missing {missing}")
    try:
        doc = json.loads(files[layout.LEDGER_FILE] or b"")
        head = json.loads(files[layout.HEAD_FILE] or b"")
        note_text = (files[layout.CHECKPOINT_FILE] or b"").decode()
        cp = notes.parse(note_text)
        size = int(head["size"])
        last = str(head["last_entry_hash"])
        frontier = [bytes.fromhex(h) for h in head["frontier"]]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _refuse(commit, f"unreadable head.json or checkpoint: {exc}") from None
    check_format(doc, "ledger tip")
    if cp.size != size:
        raise _refuse(commit, f"checkpoint size {cp.size} != head.json size {size}")
    if len(frontier) != len(merkle.frontier_sizes(size)) or merkle.frontier_root(frontier) != cp.root:
        raise _refuse(commit, "head.json frontier does not produce the checkpoint's root")
    last_bytes = read_paths(git, commit, [layout.entry_path(size - 1)])[layout.entry_path(size - 1)] if size else b""
    if size and (last_bytes is None or entry_hash(last_bytes) != last):
        raise _refuse(commit, f"entry {size - 1} does not hash to head.json's last_entry_hash")
    keys = ledger_keys(doc) + extra_keys
    public = bundles.certificate_public_key(last_bytes) if last_bytes else None
    if isinstance(public, ec.EllipticCurvePublicKey):
        keyless = TrustedKey.of(public)
        keys.append(keyless)
        cp = notes.Checkpoint(
            cp.origin,
            cp.size,
            cp.root,
            cp.body,
            tuple(notes.NoteSignature(s.name, _keyless_hash(keyless, s), s.signature) for s in cp.signatures),
        )
    if not note_verifies(cp, keys):
        raise _refuse(commit, "the checkpoint signature does not verify under any listed key")
    return Tip(commit, size, last, frontier, doc, note_text)


def _keyless_hash(key: TrustedKey, sig: notes.NoteSignature) -> bytes:
    """Map the keyless marker to the key hash of the certificate key, so note_verifies can try it."""
    if sig.key_hash != notes.KEYLESS_HASH:
        return sig.key_hash
    alg, public = key.note_key()
    return notes.key_hash(sig.name, alg, public)


def _fast_import(git: Git, parent: str | None, files: dict[str, bytes], message: str) -> str:
    ref = "refs/changeproof/next"
    out = bytearray()
    out += f"commit {ref}\ncommitter changeproof <ledger@changeproof.invalid> {int(time.time())} +0000\n".encode()
    msg = message.encode()
    out += b"data %d\n%s\n" % (len(msg), msg)
    if parent:
        out += f"from {parent}\n".encode()
    for path, content in files.items():
        out += f"M 100644 inline {path}\n".encode()
        out += b"data %d\n%s\n" % (len(content), content)
    out += b"\n"
    if not parent:
        git.run("update-ref", "-d", ref, check=False)
    git.run("fast-import", "--quiet", "--force", input=bytes(out))
    new = git.rev(ref)
    if new is None:
        raise InfrastructureError("git fast-import did not produce the ledger commit")
    return new


def path_exists(git: Git, commit: str | None, path: str) -> bool:
    if commit is None:
        return False
    out = git.run("rev-parse", "--verify", "-q", f"{commit}:{path}", check=False)
    return bool(out.strip())


def utc_now() -> datetime:
    return datetime.now(UTC)


def signing_time(when: datetime) -> str:
    """RFC 3339 UTC to the second: the form of `predicate.signed_at`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def append(
    ledger: str,
    branch: str,
    *,
    signer: Signer,
    repository: str,
    build: Builder,
    token: Token = AMBIENT_TOKEN,
    attempts: int = DEFAULT_ATTEMPTS,
    object_filter: str | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> AppendResult:
    """Append one entry built by `build(seq, prev)`; retry on lost races; exit 3 when it keeps failing.

    The entry's `predicate.signed_at` is stamped here, just before signing, from `clock`:
    entries are appended in order, so verify checks that these times do not go backwards.
    """
    own_key = [signer.key] if hasattr(signer, "key") else []

    def change(git: Git, commit: str | None) -> tuple[dict[str, bytes], str, AppendResult]:
        tip = read_tip(git, commit, own_key)
        doc = tip.ledger_doc or {
            "format": layout.FORMAT,
            "origin": repository,
            "shard": layout.SHARD,
            "hash": "sha256",
            "checkpoint_origin": layout.checkpoint_origin(repository),
            "trust": [],
            "note": "informational only: auditors verify with their own --key / --identity",
        }
        if doc.get("origin") != repository:
            raise UsageError(
                f"ledger branch {branch} records {doc.get('origin')!r}, not {repository!r}",
                fix="use a separate ledger branch or repository per audited repository",
            )
        files: dict[str, bytes] = {}
        trust = signer.trust_entry()
        if trust not in doc["trust"]:
            doc = {**doc, "trust": [*doc["trust"], trust]}
            files[layout.LEDGER_FILE] = (json.dumps(doc, indent=2) + "\n").encode()
        statement, extra = build(tip.size, tip.last_hash)
        statement["predicate"]["signed_at"] = signing_time(clock())
        for path, content in extra.items():
            if not path_exists(git, tip.commit, path):
                files[path] = content
        entry = encode_entry(signer.sign_bundle(PAYLOAD_TYPE, statement_bytes(statement)))
        digest = entry_hash(entry)
        size = tip.size + 1
        frontier = merkle.frontier_append(tip.frontier, tip.size, merkle.leaf_hash(entry))
        root = merkle.frontier_root(frontier)
        origin = str(doc.get("checkpoint_origin") or layout.checkpoint_origin(repository))
        body = notes.body(origin, size, root)
        note = notes.assemble(body, [signer.sign_note(origin, body)])
        head = {"size": size, "last_entry_hash": digest, "root": root.hex(), "frontier": [h.hex() for h in frontier]}
        path = layout.entry_path(tip.size)
        files[path] = entry
        files[layout.HEAD_FILE] = (json.dumps(head, indent=2) + "\n").encode()
        files[layout.CHECKPOINT_FILE] = note.encode()
        if tip.commit is not None:
            files[layout.archive_path(tip.size)] = tip.checkpoint_text.encode()
        return files, f"changeproof: entry {tip.size} sha256:{digest}\n", AppendResult(tip.size, digest, note, path)

    done = compare_and_swap(
        ledger, branch, change, token=token, attempts=attempts, object_filter=object_filter, what="append to"
    )
    assert done is not None  # an append always has a change to commit
    return done


T = TypeVar("T")


def compare_and_swap(
    ledger: str,
    branch: str,
    change: Callable[[Git, str | None], tuple[dict[str, bytes], str, T] | None],
    *,
    token: Token = AMBIENT_TOKEN,
    attempts: int = DEFAULT_ATTEMPTS,
    object_filter: str | None = None,
    what: str = "update",
) -> T | None:
    """Fetch the tip, let `change(git, tip)` say which files to write (None: nothing to do), commit
    them on the tip and push without force; on a lost race do it all again on the new tip."""
    attempts = max(1, attempts)
    last_error = ""
    with scratch_repo(ledger, resolve_token(token)) as git:
        for attempt in range(attempts):
            commit = fetch_tip(git, branch, object_filter=append_filter(ledger, object_filter), ledger=ledger)
            planned = change(git, commit)
            if planned is None:
                return None
            files, message, result = planned
            new = _fast_import(git, commit, files, message)
            try:
                git.run("push", "-q", "--porcelain", "origin", f"{new}:refs/heads/{branch}")
                return result
            except GitError as exc:
                lines = exc.stderr.strip().splitlines()
                last_error = lines[-1] if lines else ""
            time.sleep(random.uniform(0, min(3.0, 0.05 * 2 ** min(attempt, 6))))  # noqa: S311 - jitter, not crypto
    raise InfrastructureError(
        f"could not {what} {redact(ledger)} branch {branch} after {attempts} attempts ({last_error[:200]})",
        fix="other jobs kept appending or the push is not allowed; re-run, or raise --attempts",
    )
