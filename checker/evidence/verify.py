"""Offline verification of a ledger branch: what an auditor runs, trusting only what they bring.

Checks, each problem naming the entry: sequence numbers contiguous from 0 and matching their
file names; every signature valid for a key (or Sigstore identity) the auditor trusts; the `prev`
chain; policies present and matching their digests; head.json and the signed checkpoint equal
the RFC 6962 root and size of all entries; every archived checkpoint and any checkpoint the
auditor saved earlier consistent with the current tree (a rollback or rewrite contradicts them);
no foreign files. `reperform` re-runs `evaluate` on the recorded facts and policy.

Entries are checked in worker processes (one per core) that read the blobs themselves through
`git cat-file --batch`, so large ledgers verify at disk speed on every core.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker import __version__
from checker.errors import LedgerBranchMissing, UsageError
from checker.evidence import bundle as bundles
from checker.evidence import checkpoint as notes
from checker.evidence import layout, merkle
from checker.evidence.gitio import Git, fetch_tip, is_local, redact, scratch_repo
from checker.evidence.keys import TrustedKey, load_public
from checker.evidence.ledger import check_format, entry_hash, ledger_keys, note_verifies
from checker.evidence.statement import (
    DEPLOYMENT_CLAIM_PREDICATE,
    EVALUATION_PREDICATE,
    PAYLOAD_TYPE,
    PREDICATE_TYPES,
    STATEMENT_TYPE,
    sha256_hex,
)

CHUNK = 2000


@dataclass(frozen=True)
class Identity:
    """A Sigstore keyless identity: certificate SAN (e.g. the workflow ref) and OIDC issuer."""

    identity: str
    issuer: str = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    path: str
    entry_hash: str
    statement: dict[str, Any]
    bundle: dict[str, Any]

    @property
    def predicate_type(self) -> str:
        return str(self.statement.get("predicateType", ""))

    @property
    def predicate(self) -> dict[str, Any]:
        p = self.statement.get("predicate")
        return p if isinstance(p, dict) else {}


@dataclass
class VerifyReport:
    ledger: str
    branch: str
    commit: str = ""
    entries: int = 0
    size: int = 0
    root: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    signers: dict[str, int] = field(default_factory=dict)
    first_date: str = ""
    last_date: str = ""
    trusted_ledger_keys: bool = False
    reperformed: int = 0
    semantic_changes: list[str] = field(default_factory=list)
    bytes_read: int = 0
    # deployment claims: seqs signed by a deployer the auditor trusts / by anyone else (ignored)
    trusted_claims: list[int] = field(default_factory=list)
    ignored_claims: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "ledger": self.ledger,
            "branch": self.branch,
            "commit": self.commit,
            "entries": self.entries,
            "checkpoint": {"size": self.size, "root": self.root},
            "signers": self.signers,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "trusted_ledger_keys": self.trusted_ledger_keys,
            "reperformed": self.reperformed,
            "semantic_changes": self.semantic_changes,
            "trusted_claims": self.trusted_claims,
            "ignored_claims": self.ignored_claims,
            "problems": self.problems,
            "warnings": self.warnings,
        }


# ---------------------------------------------------------------------------------- per entry


@dataclass(frozen=True)
class EntryCheck:
    seq: int
    path: str
    hash: str
    leaf: bytes
    size: int
    problems: tuple[str, ...]
    claimed_seq: int | None = None
    prev: str | None = None
    signer: str = ""
    policy: str = ""
    date: str = ""
    keyless: bool = False
    predicate_type: str = ""
    ignored: bool = False  # a deployment claim by a signer the auditor does not trust: not evidence


def where(seq: int, path: str | None = None) -> str:
    return f"entry {seq} ({path or layout.entry_path(seq)})"


def check_entry(seq: int, path: str, data: bytes, keys: dict[str, TrustedKey]) -> EntryCheck:
    """Everything that can be checked about one entry in isolation."""
    digest = entry_hash(data)
    leaf = merkle.leaf_hash(data)
    base = dict(seq=seq, path=path, hash=digest, leaf=leaf, size=len(data))
    try:
        parsed = bundles.parse(data)
    except bundles.BundleError as exc:
        return EntryCheck(**base, problems=(f"{where(seq, path)}: corrupt entry: {exc}",))  # type: ignore[arg-type]
    problems: list[str] = []
    signer = ""
    untrusted = ""
    if parsed.payload_type != PAYLOAD_TYPE:
        problems.append(f"{where(seq, path)}: payloadType {parsed.payload_type!r} is not {PAYLOAD_TYPE}")
    if not parsed.keyless:  # keyless bundles are checked with sigstore-python in the parent process
        key = keys.get(parsed.keyid)
        if key is None:
            untrusted = f"{where(seq, path)}: signed by key {parsed.keyid[:16] or '(none)'}, which is not trusted"
        elif not key.verify(parsed.signature, bundles.pae(parsed.payload_type, parsed.payload)):
            problems.append(f"{where(seq, path)}: signature does not verify (payload or signature edited)")
        else:
            signer = key.keyid
    fields = _fast_fields(parsed.payload) or _full_fields(parsed.payload)
    if fields is None:
        problems += [untrusted] if untrusted else []
        problems.append(f"{where(seq, path)}: payload is not a changeproof in-toto statement")
        return EntryCheck(**base, problems=tuple(problems), signer=signer, keyless=parsed.keyless)  # type: ignore[arg-type]
    statement_type, predicate_type, claimed, prev, policy, date = fields
    ignored = bool(untrusted) and predicate_type == DEPLOYMENT_CLAIM_PREDICATE
    if untrusted and not ignored:
        problems.append(untrusted)
    if statement_type != STATEMENT_TYPE:
        problems.append(f"{where(seq, path)}: _type is not {STATEMENT_TYPE}")
    if predicate_type not in PREDICATE_TYPES:
        problems.append(f"{where(seq, path)}: unknown predicateType {predicate_type!r}")
    return EntryCheck(
        **base,  # type: ignore[arg-type]
        problems=tuple(problems),
        claimed_seq=claimed,
        prev=prev,
        signer=signer,
        policy=policy,
        date=date,
        keyless=parsed.keyless,
        predicate_type=predicate_type,
        ignored=ignored,
    )


@dataclass(frozen=True)
class ArchiveCheck:
    size: int
    path: str
    root: bytes | None
    problems: tuple[str, ...]


def check_archive(size: int, path: str, data: bytes) -> ArchiveCheck:
    try:
        cp = notes.parse(data.decode())
    except (notes.NoteError, UnicodeDecodeError) as exc:
        return ArchiveCheck(size, path, None, (f"{path} is not a valid checkpoint note ({exc})",))
    # Its root is compared with the tree itself, which proves more than its signature could,
    # so the (costly) signature check is skipped for the archive.
    problems = (f"{path}: holds a checkpoint of size {cp.size}",) if cp.size != size else ()
    return ArchiveCheck(size, path, cp.root, problems)


Fields = tuple[str, str, int, str, str, str]  # _type, predicateType, seq, prev, policy digest, date
_HEAD = b'{"_type":"https://in-toto.io/Statement/v1","predicate":{'


def _quoted_after(payload: bytes, marker: bytes) -> str | None:
    at = payload.rfind(marker)
    if at < 0:
        return None
    start = at + len(marker)
    return payload[start : payload.index(b'"', start)].decode()


def _fast_fields(payload: bytes) -> Fields | None:
    """The few statement fields verify needs, read without parsing 15 KB of facts.

    Only for payloads in the RFC 8785 form changeproof signs: there keys are sorted, so the
    predicate's `ledger`, `policy` and `predicateType` are the last occurrences of their markers
    (JSON strings cannot contain an unescaped quote, so untrusted text cannot forge a marker).
    Anything else takes the full parse.
    """
    if not payload.startswith(_HEAD):
        return None
    try:
        at = payload.rfind(b'"ledger":{"prev":"')
        if at < 0:
            return None
        ledger = json.loads(payload[at + 9 : payload.index(b"}", at) + 1])
        predicate_type = _quoted_after(payload, b'"predicateType":"')
        if predicate_type is None or set(ledger) != {"prev", "seq"} or not isinstance(ledger["seq"], int):
            return None
        policy = _quoted_after(payload, b'"policy":{"digest":{"sha256":"') or ""
        date = _quoted_after(payload, b'"observed_at":"') or ""
        return STATEMENT_TYPE, predicate_type, ledger["seq"], str(ledger["prev"]), policy, date
    except (ValueError, UnicodeDecodeError):
        return None


def _full_fields(payload: bytes) -> Fields | None:
    try:
        statement = json.loads(payload)
        predicate = statement["predicate"]
        ledger_pos = predicate["ledger"]
        claimed, prev = int(ledger_pos["seq"]), str(ledger_pos["prev"])
    except (ValueError, KeyError, TypeError):
        return None
    policy = ""
    pol = predicate.get("policy")
    if isinstance(pol, dict) and isinstance(pol.get("digest"), dict):
        policy = str(pol["digest"].get("sha256", ""))
    facts = predicate.get("facts")
    date = str(facts.get("observed_at", "") if isinstance(facts, dict) else predicate.get("observed_at", ""))
    return (str(statement.get("_type")), str(statement.get("predicateType")), claimed, prev, policy, date)


def _worker(
    git_dir: str, kind: str, items: list[tuple[int, str, str]], key_pems: list[str]
) -> list[EntryCheck] | list[ArchiveCheck]:
    trusted = [TrustedKey.of(load_public(p)) for p in key_pems]
    blobs = Git(Path(git_dir)).cat_blobs([oid for _, _, oid in items])
    if kind == "archive":
        return [check_archive(size, path, data) for (size, path, _), data in zip(items, blobs, strict=True)]
    keys = {k.keyid: k for k in trusted}
    return [check_entry(seq, path, data, keys) for (seq, path, _), data in zip(items, blobs, strict=True)]


# ---------------------------------------------------------------------------------- the ledger


class _Opened:
    def __init__(self, git: Git, commit: str) -> None:
        self.git = git
        self.commit = commit
        self.files = dict(git.ls_tree_recursive(commit))

    def read(self, path: str) -> bytes | None:
        return self.read_many([path])[0]

    def read_many(self, paths: list[str]) -> list[bytes | None]:
        oids = {p: self.files.get(p) for p in paths}
        present = [p for p, o in oids.items() if o is not None and not o.startswith("!")]
        blobs = dict(zip(present, self.git.cat_blobs([str(oids[p]) for p in present]), strict=True))
        return [blobs.get(p) for p in paths]


def _open(ledger: str, branch: str) -> Iterator[_Opened]:
    local = is_local(ledger)
    if local is not None:
        git = Git(local)
        commit = git.rev(f"refs/heads/{branch}")
        if commit is None:
            raise LedgerBranchMissing(f"{ledger} has no branch {branch}", fix="pass --branch, or record an entry first")
        yield _Opened(git, commit)
        return
    with scratch_repo(ledger) as git:
        git.run("config", "--unset", "extensions.partialClone")
        commit = fetch_tip(git, branch, object_filter=None, ledger=ledger)
        if commit is None:
            raise LedgerBranchMissing(f"{redact(ledger)} has no branch {branch}", fix="pass --branch")
        yield _Opened(git, commit)


Index = list[tuple[int, str, str]]


def _index(opened: _Opened) -> tuple[Index, Index, list[str]]:
    """(entries, archived checkpoints, foreign paths); the first two as sorted (number, path, oid)."""
    entries, archives, foreign = [], [], []
    for path, oid in opened.files.items():
        kind, value = layout.classify(path)
        if oid.startswith("!") or kind == "foreign":
            foreign.append(path)
        elif kind == "entry":
            entries.append((int(value), path, oid))  # type: ignore[arg-type]
        elif kind == "archive":
            archives.append((int(value), path, oid))  # type: ignore[arg-type]
    entries.sort()
    archives.sort()
    return entries, archives, foreign


def _entries_index(opened: _Opened) -> tuple[Index, list[str]]:
    entries, _, foreign = _index(opened)
    return entries, foreign


def read_entries(ledger: str, branch: str = layout.DEFAULT_BRANCH) -> Iterator[LedgerEntry]:
    """Every entry in sequence order, parsed but not verified (run verify_ledger for that)."""
    for opened in _open(ledger, branch):
        index, _ = _entries_index(opened)
        for start in range(0, len(index), CHUNK):
            chunk = index[start : start + CHUNK]
            for (seq, path, _), data in zip(chunk, opened.git.cat_blobs([o for _, _, o in chunk]), strict=True):
                try:
                    raw = json.loads(data)
                    statement = json.loads(base64.b64decode(raw["dsseEnvelope"]["payload"]))
                except (ValueError, KeyError, TypeError):
                    raise UsageError(f"{where(seq, path)} is corrupt", fix="run changeproof verify") from None
                yield LedgerEntry(seq, path, entry_hash(data), statement, raw)


def verify_ledger(
    ledger: str,
    branch: str = layout.DEFAULT_BRANCH,
    *,
    keys: list[str] | tuple[str, ...] = (),
    identities: list[Identity] | tuple[Identity, ...] = (),
    checkpoint: str | None = None,
    reperform: bool = False,
    trusted_root: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    deployer_keys: list[str] | tuple[str, ...] = (),
    deployer_identities: list[Identity] | tuple[Identity, ...] = (),
) -> VerifyReport:
    """Verify the whole ledger; `keys` are PEM public keys (text or paths) the auditor trusts;
    `deployer_keys` / `deployer_identities` are trusted for deployment claims only."""
    from checker.evidence.deployments_verify import Deployers

    report = VerifyReport(redact(ledger), branch)
    auditor_keys = [TrustedKey.of(load_public(k)) for k in keys]
    deployers = Deployers.of(deployer_keys, deployer_identities)
    saved = _load_saved_checkpoint(checkpoint) if checkpoint else None
    for opened in _open(ledger, branch):
        report.commit = opened.commit
        _verify(
            opened, report, auditor_keys, list(identities), saved, reperform, trusted_root, workers, progress, deployers
        )
    return report


def _load_saved_checkpoint(path: str) -> notes.Checkpoint:
    p = Path(path)
    text = p.read_text(encoding="utf-8") if p.is_file() else path if "\n" in path else None
    if text is None:
        raise UsageError(f"saved checkpoint {path} does not exist", fix="pass the file you saved a checkpoint to")
    try:
        return notes.parse(text)
    except notes.NoteError as exc:
        raise UsageError(f"saved checkpoint {path} is not a checkpoint note: {exc}") from None


def _verify(
    opened: _Opened,
    report: VerifyReport,
    auditor_keys: list[TrustedKey],
    identities: list[Identity],
    saved: notes.Checkpoint | None,
    reperform: bool,
    trusted_root: str | None,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    deployers: Any = None,
) -> None:
    problems = report.problems
    doc_bytes = opened.read(layout.LEDGER_FILE)
    doc: dict[str, Any] = {}
    if doc_bytes is None:
        problems.append("LEDGER.json is missing")
    else:
        try:
            doc = json.loads(doc_bytes)
        except ValueError as exc:
            problems.append(f"LEDGER.json is not valid JSON ({exc})")
        else:
            check_format(doc, "LEDGER.json")
    listed = ledger_keys(doc) if doc else []
    if auditor_keys or identities:
        trusted = auditor_keys
    else:
        trusted = list(listed)
        report.trusted_ledger_keys = True
        report.warnings.append(
            "no --key or --identity given: trusted the ledger's OWN key list in LEDGER.json, "
            "which whoever controls the branch can change; pass the keys you trust"
        )
    if deployers is not None:
        trusted = [*trusted, *deployers.keys]
    index, archive_index, foreign = _index(opened)
    for path in sorted(foreign):
        problems.append(f"foreign file {path!r} on the ledger branch (not part of the ledger format)")

    checks, archives = _check_all(opened.git, index, archive_index, trusted, workers, progress)
    report.entries = len(checks)
    by_seq = {c.seq: c for c in checks}
    keyless = [c for c in checks if c.keyless and c.predicate_type != DEPLOYMENT_CLAIM_PREDICATE]
    if keyless:
        _verify_keyless(opened, keyless, identities, trusted_root, problems, report)
    if deployers is not None:  # deployment claims: trusted for deployers only, ignored otherwise
        deployers.check_roles(opened, checks, auditor_keys, trusted_root, report)
    for c in checks:
        problems.extend(c.problems)
        if c.signer:
            report.signers[c.signer] = report.signers.get(c.signer, 0) + 1
        report.bytes_read += c.size
    dates = sorted(c.date for c in checks if c.date)
    if dates:
        report.first_date, report.last_date = dates[0], dates[-1]

    # contiguity, positions and the prev chain
    n = (max(by_seq) + 1) if by_seq else 0
    missing = [s for s in range(n) if s not in by_seq]
    for s in missing:
        problems.append(f"{where(s)}: missing (entries after it exist)")
    for c in checks:
        if c.claimed_seq is not None and c.claimed_seq != c.seq:
            problems.append(
                f"{where(c.seq, c.path)}: its signed statement says seq {c.claimed_seq} "
                "(entries moved, swapped or renumbered)"
            )
        if c.prev is None:
            continue
        expected = "" if c.seq == 0 else (by_seq[c.seq - 1].hash if c.seq - 1 in by_seq else None)
        if expected is not None and c.prev != expected:
            problems.append(
                f"{where(c.seq, c.path)}: prev does not match the hash of entry {c.seq - 1} "
                "(chain broken: an entry before it was edited, replaced or reordered)"
            )
    # policies: each stored once, checked once
    digests = sorted({c.policy for c in checks if c.policy})
    bad = {
        d
        for d, body in zip(digests, opened.read_many([layout.policy_path(d) for d in digests]), strict=True)
        if body is None or sha256_hex(body) != d
    }
    for c in checks:
        if c.policy in bad:
            problems.append(
                f"{where(c.seq, c.path)}: its policy policies/{c.policy} is missing or does not match "
                "its digest (edited)"
            )

    leaves = [by_seq[s].leaf for s in sorted(by_seq)]
    _verify_tree(opened, report, leaves, n, trusted, saved, by_seq, archives)
    if doc and auditor_keys:
        listed_ids = {k.keyid for k in listed}
        for key in auditor_keys:
            if report.signers.get(key.keyid) and key.keyid not in listed_ids:
                problems.append(
                    f"LEDGER.json: the trusted key list was changed: key {key.keyid[:16]}, which signed "
                    f"{report.signers[key.keyid]} entries, is no longer listed"
                )
        trusted_ids = {k.keyid for k in [*auditor_keys, *(deployers.keys if deployers is not None else ())]}
        for key in listed:
            if key.keyid not in trusted_ids:
                report.warnings.append(f"LEDGER.json lists key {key.keyid[:16]} which you did not pass with --key")
    if reperform:
        _reperform(opened, checks, report)


def _check_all(
    git: Git,
    index: Index,
    archive_index: Index,
    trusted: list[TrustedKey],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[EntryCheck], list[ArchiveCheck]]:
    """Check entries and archived checkpoints in chunks, on every core."""
    pems = [k.pem for k in trusted]
    jobs = [("entry", index[i : i + CHUNK]) for i in range(0, len(index), CHUNK)]
    jobs += [("archive", archive_index[i : i + CHUNK * 4]) for i in range(0, len(archive_index), CHUNK * 4)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    entries: list[EntryCheck] = []
    archives: list[ArchiveCheck] = []
    done = 0
    total = len(index) + len(archive_index)

    def collect(result: list[EntryCheck] | list[ArchiveCheck]) -> None:
        nonlocal done
        for item in result:
            (entries if isinstance(item, EntryCheck) else archives).append(item)  # type: ignore[arg-type]
        done += len(result)
        if progress:
            progress(done, total)

    if workers <= 1 or total <= CHUNK:
        for kind, items in jobs:
            collect(_worker(str(git.git_dir), kind, items, pems))
        return entries, archives
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_worker, str(git.git_dir), kind, items, pems) for kind, items in jobs]
        for future in futures:
            collect(future.result())
    return entries, archives


def _parse_note(data: bytes | None, what: str, problems: list[str]) -> notes.Checkpoint | None:
    if data is None:
        problems.append(f"{what} is missing")
        return None
    try:
        return notes.parse(data.decode())
    except (notes.NoteError, UnicodeDecodeError) as exc:
        problems.append(f"{what} is not a valid checkpoint note ({exc})")
        return None


def _cp_signed(cp: notes.Checkpoint, trusted: list[TrustedKey], opened: _Opened | None = None) -> bool:
    """A checkpoint verifies under a trusted key, or (keyless ledgers) under the ephemeral key
    certified in the entry it ends with, whose identity is checked with that entry."""
    if note_verifies(cp, trusted):
        return True
    keyless = [s for s in cp.signatures if s.key_hash == notes.KEYLESS_HASH]
    if not keyless or opened is None or cp.size == 0:
        return False
    key = keyless_note_key(opened.read(layout.entry_path(cp.size - 1)))
    return key is not None and any(key.verify(s.signature, cp.body.encode()) for s in keyless)


def keyless_note_key(entry: bytes | None) -> TrustedKey | None:
    from cryptography.hazmat.primitives.asymmetric import ec

    public = bundles.certificate_public_key(entry) if entry else None
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(public.curve, ec.SECP256R1):
        return None
    return TrustedKey.of(public)


def _verify_tree(
    opened: _Opened,
    report: VerifyReport,
    leaves: list[bytes],
    n: int,
    trusted: list[TrustedKey],
    saved: notes.Checkpoint | None,
    by_seq: dict[int, EntryCheck],
    archives: list[ArchiveCheck],
) -> None:
    problems = report.problems
    cp = _parse_note(opened.read(layout.CHECKPOINT_FILE), "checkpoint", problems)
    head_raw = opened.read(layout.HEAD_FILE)
    complete = len(leaves) == n
    root = merkle.root(leaves) if complete else b""
    if cp is not None:
        report.size, report.root = cp.size, cp.root_hex
        if not _cp_signed(cp, trusted, opened):
            problems.append("checkpoint: signature does not verify under any trusted key")
        if cp.size > n:
            problems.append(
                f"entries {n}..{cp.size - 1}: missing (the signed checkpoint covers {cp.size} entries, "
                f"the branch holds {n}: truncated)"
            )
        elif cp.size < n:
            problems.append(f"entries {cp.size}..{n - 1}: not covered by the signed checkpoint (size {cp.size})")
        elif complete and cp.root != root:
            problems.append(
                f"checkpoint: Merkle root of the {n} entries differs from the signed root "
                "(an entry was edited or replaced)"
            )
    if head_raw is None:
        problems.append("head.json is missing")
    else:
        try:
            head = json.loads(head_raw)
            if int(head["size"]) != n:
                problems.append(f"head.json: size {head['size']} but the branch holds {n} entries")
            elif n and by_seq.get(n - 1) and head["last_entry_hash"] != by_seq[n - 1].hash:
                problems.append(f"{where(n - 1)}: does not hash to head.json's last_entry_hash")
        except (ValueError, KeyError, TypeError):
            problems.append("head.json is not valid")
    # archived checkpoints and the auditor's saved checkpoint must be prefixes of this tree
    wanted: dict[int, list[tuple[str, bytes]]] = {}
    for arch in archives:
        problems.extend(arch.problems)
        if arch.root is not None:
            wanted.setdefault(arch.size, []).append((arch.path, arch.root))
    if saved is not None:
        if not _cp_signed(saved, trusted, opened):
            problems.append("saved checkpoint: its signature does not verify under any trusted key")
        if cp is not None and saved.origin != cp.origin:
            problems.append(f"saved checkpoint is for {saved.origin!r}, this ledger is {cp.origin!r}")
        if saved.size > n:
            problems.append(
                f"entries {n}..{saved.size - 1}: missing — your saved checkpoint covers {saved.size} "
                f"entries but the branch holds {n} (rolled back or truncated)"
            )
        else:
            wanted.setdefault(saved.size, []).append(("saved checkpoint", saved.root))
    _check_prefixes(leaves if complete else [], wanted, problems)
    if saved is not None and complete and 0 < saved.size < n:
        proof = merkle.consistency_proof(leaves, saved.size)
        if not merkle.verify_consistency(saved.size, n, saved.root, root, proof):
            problems.append(f"saved checkpoint (size {saved.size}): RFC 6962 consistency proof failed")


def _check_prefixes(leaves: list[bytes], wanted: dict[int, list[tuple[str, bytes]]], problems: list[str]) -> None:
    """Each checkpoint of size m must equal MTH(first m leaves): one pass, extending a frontier."""
    if not leaves:
        return
    stack: list[tuple[int, bytes]] = []
    for m in range(len(leaves) + 1):
        if m:
            stack = merkle.push(stack, leaves[m - 1])
        for label, cp_root in wanted.get(m, []):
            if merkle.frontier_root([h for _, h in stack]) != cp_root:
                problems.append(
                    f"{label} (size {m}): inconsistent with the current ledger — entries 0..{m - 1} "
                    "were rewritten after that checkpoint was signed"
                )


def _verify_keyless(
    opened: _Opened,
    keyless: list[EntryCheck],
    identities: list[Identity],
    trusted_root: str | None,
    problems: list[str],
    report: VerifyReport,
) -> None:
    from checker.evidence.sigstore_verify import verify_keyless_bundle

    for c, data in zip(keyless, opened.read_many([c.path for c in keyless]), strict=True):
        error, who = verify_keyless_bundle(data or b"", identities, trusted_root)
        if error:
            problems.append(f"{where(c.seq, c.path)}: {error}")
        else:
            report.signers[who] = report.signers.get(who, 0) + 1


def _reperform(opened: _Opened, checks: list[EntryCheck], report: VerifyReport) -> None:
    from checker.evaluate import evaluate
    from checker.model import Facts, Policy
    from checker.serde import DecodeError, from_json

    policies: dict[str, Any] = {}
    for c in sorted(checks, key=lambda c: c.seq):
        if not c.policy:
            continue
        data = opened.read(c.path) or b""
        try:
            statement = json.loads(base64.b64decode(json.loads(data)["dsseEnvelope"]["payload"]))
            if statement.get("predicateType") != EVALUATION_PREDICATE:
                continue  # posture entries are re-performed by posture_verify
            predicate = statement["predicate"]
            if c.policy not in policies:
                policies[c.policy] = from_json(Policy, json.loads(opened.read(layout.policy_path(c.policy)) or b""))
            facts = from_json(Facts, predicate["facts"])
            recorded_version = predicate["evaluator"]["version"]
            recorded = predicate["verdict"]
        except (ValueError, KeyError, TypeError, DecodeError) as exc:
            report.problems.append(
                f"{where(c.seq, c.path)}: cannot re-perform: recorded facts or policy unreadable ({exc})"
            )
            continue
        again = evaluate(policies[c.policy], facts).verdict.value
        report.reperformed += 1
        if again == recorded:
            continue
        if recorded_version == __version__:
            report.problems.append(
                f"{where(c.seq, c.path)}: re-performance gives verdict {again!r}, the entry "
                f"records {recorded!r} under the same evaluator version {__version__}"
            )
        else:
            report.semantic_changes.append(
                f"{where(c.seq, c.path)}: recorded {recorded!r} by changeproof "
                f"{recorded_version}; changeproof {__version__} gives {again!r} "
                "(a change in evaluation semantics, not tampering)"
            )
