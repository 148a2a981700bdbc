"""Offline verification of a ledger branch: what an auditor runs, trusting only what they bring.

Checks, each problem naming the entry or file: sequence numbers contiguous from 0 and matching
their file names; every signature valid for a key (or Sigstore identity) the auditor trusts; the
`prev` chain; signing times that do not go backwards (beyond a clock-skew tolerance) and
evaluator versions that do not go backwards; every content-addressed file an entry references
present and matching its digest, and none unreferenced; head.json (size, last hash, root,
frontier) and the signed checkpoint equal to the tree of all entries; every archived checkpoint,
any checkpoint the auditor saved and every witness cosignature consistent with the current tree;
no foreign files; optionally N witness cosignatures covering the entries (`witnessing.py`);
`reperform` re-runs `evaluate` on the recorded facts and policy.

Entries are checked in worker processes (one per core) that read the blobs themselves through
`git cat-file --batch`, so large ledgers verify at disk speed on every core. All work is bounded
by the files present: a file name claiming a huge sequence number costs no more than any other.
"""

from __future__ import annotations

import functools
import json
import os
from bisect import bisect_right
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from packaging.version import InvalidVersion, Version

from checker import __version__, bulk_gc
from checker.errors import CorruptEntryError, UsageError
from checker.evidence import blobs, layout, merkle
from checker.evidence import bundle as bundles
from checker.evidence import checkpoint as notes
from checker.evidence.access import Index, Ledger, LedgerEntry, open_ledger, parse_entry, read_entries, where
from checker.evidence.gitio import AMBIENT_TOKEN, Git, Token
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
from checker.evidence.witnessed import WitnessedSpan

if TYPE_CHECKING:
    from checker.evidence.deployments_verify import Deployers
    from checker.evidence.witnessing import WitnessPlan

CHUNK = 2000
DEFAULT_CLOCK_SKEW = layout.DEFAULT_CLOCK_SKEW


def worker_count(workers: int | None) -> int:
    """`workers` as asked, or one process per core (at most 8) when not asked: the default of
    verify, the export's reader and its pooled ledgers alike."""
    return workers if workers is not None else min(os.cpu_count() or 1, 8)


__all__ = [
    "Collector",
    "EntryRead",
    "Identity",
    "LedgerEntry",
    "Verification",
    "VerifyOptions",
    "VerifyReport",
    "read_entries",
    "verify_ledger",
    "where",
    "worker_count",
]


@dataclass(frozen=True)
class Identity:
    """A Sigstore keyless identity: certificate SAN (e.g. the workflow ref) and OIDC issuer."""

    identity: str
    issuer: str = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class VerifyOptions:
    """Everything the auditor brings: trust anchors, saved checkpoints, witnesses, tolerances."""

    keys: tuple[str, ...] = ()  # PEM public keys (text or paths)
    identities: tuple[Identity, ...] = ()
    trusted_root: str | None = None
    checkpoint: str | None = None  # a checkpoint note saved earlier (path or text)
    reperform: bool = False
    accept_semantics: tuple[str, ...] = ()  # "OLD..NEW" evaluator version changes the auditor accepts
    witness_keys: tuple[str, ...] = ()  # vkey files (or text)
    witnesses: int | None = None  # cosignatures required (default: 1 when witness keys are given)
    witness_state: tuple[str, ...] = ()  # witness state directories or repositories to read cosignatures from
    through: int | None = None  # last entry that must be witnessed (default: the last entry)
    enforce_witnesses: bool = True  # False: report coverage only, the caller checks its own period
    clock_skew: int = DEFAULT_CLOCK_SKEW
    workers: int | None = None
    deployer_keys: tuple[str, ...] = ()  # trusted for deployment claims only
    deployer_identities: tuple[Identity, ...] = ()


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
    witnesses_required: int = 0
    witnessed_size: dict[str, int] = field(default_factory=dict)  # witness name -> largest size it cosigned
    witnessed: list[WitnessedSpan] = field(default_factory=list)
    not_yet_witnessed: str = ""
    entry_index: Index = field(default_factory=list)  # (seq, path, oid) of the entries checked
    # deployment claims: seqs signed by a deployer the auditor trusts / by anyone else (ignored)
    trusted_claims: list[int] = field(default_factory=list)
    ignored_claims: list[int] = field(default_factory=list)
    # what a caller's collector took from each entry while it was verified (see `EntryRead`),
    # in sequence order; empty without a collector
    collected: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def witnessed_time(self, seq: int) -> str | None:
        """The earliest trusted (witness) time by which entry `seq` existed, or None if unwitnessed."""
        at = bisect_right([s.first for s in self.witnessed], seq) - 1
        if at >= 0 and self.witnessed[at].first <= seq <= self.witnessed[at].last:
            return self.witnessed[at].time
        return None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
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
        if self.witnesses_required or self.witnessed_size:
            out["witnesses"] = {
                "required": self.witnesses_required,
                "largest_cosigned_size": self.witnessed_size,
                "witnessed": [s.to_json() for s in self.witnessed],
                "not_yet_witnessed": self.not_yet_witnessed,
            }
        return out


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
    signed_at: str = ""
    version: str = ""
    refs: tuple[str, ...] = ()  # content-addressed files this entry references (paths)
    predicate_type: str = ""
    ignored: bool = False  # a deployment claim by a signer the auditor does not trust: not evidence
    collected: Any = None  # what the caller's collector returned for this entry (None without one)


@dataclass(frozen=True)
class EntryRead:
    """One entry as verify read it, handed to a caller's collector in the worker process, so a
    caller that needs every entry (the auditor's export) reads each once, beside its check.
    `blobs` gives format 2 values back (each blob read and digest-checked once per worker)."""

    seq: int
    path: str
    entry_hash: str
    payload: bytes
    statement: dict[str, Any]
    bundle: dict[str, Any]
    blobs: blobs.BlobCache


# A picklable callable run on every entry whose payload is a JSON object (signature valid or
# not: the verify report says which); its result must be picklable. It must not raise.
Collector = Callable[[EntryRead], Any]


def check_entry(
    seq: int,
    path: str,
    data: bytes,
    keys: dict[str, TrustedKey],
    collect: Collector | None = None,
    cache: blobs.BlobCache | None = None,
) -> EntryCheck:
    """Everything that can be checked about one entry in isolation (and, with `collect`, what
    the caller takes from it)."""
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
    statement = _statement(parsed.payload)
    fields = _fields(statement) if statement is not None else None
    if collect is not None and statement is not None and cache is not None:  # after verify took its fields
        base["collected"] = collect(EntryRead(seq, path, digest, parsed.payload, statement, parsed.raw, cache))
    if fields is None:
        problems += [untrusted] if untrusted else []
        problems.append(f"{where(seq, path)}: payload is not a changeproof in-toto statement")
        return EntryCheck(**base, problems=tuple(problems), signer=signer, keyless=parsed.keyless)  # type: ignore[arg-type]
    ignored = bool(untrusted) and fields.predicate_type == DEPLOYMENT_CLAIM_PREDICATE
    if untrusted and not ignored:
        problems.append(untrusted)
    if fields.statement_type != STATEMENT_TYPE:
        problems.append(f"{where(seq, path)}: _type is not {STATEMENT_TYPE}")
    if fields.predicate_type not in PREDICATE_TYPES:
        problems.append(f"{where(seq, path)}: unknown predicateType {fields.predicate_type!r}")
    if fields.format_problem:
        problems.append(f"{where(seq, path)}: {fields.format_problem}")
    if fields.signed_at and _instant(fields.signed_at) is None:
        problems.append(f"{where(seq, path)}: signed_at {fields.signed_at[:40]!r} is not an RFC 3339 time")
    return EntryCheck(
        **base,  # type: ignore[arg-type]
        problems=tuple(problems),
        claimed_seq=fields.seq,
        prev=fields.prev,
        signer=signer,
        policy=_shared(fields.policy),
        date=fields.date,
        keyless=parsed.keyless,
        predicate_type=fields.predicate_type,
        ignored=ignored,
        signed_at=fields.signed_at,
        version=_shared(fields.version),
        refs=_shared(((layout.policy_path(fields.policy),) if fields.policy else ()) + fields.blobs),
    )


_SHARED: dict[Any, Any] = {}


def _shared(value: Any) -> Any:
    """One object per distinct value in this worker, so the results' pickle refers to it once
    (entries share their blob lists and versions: half of a result's bytes otherwise)."""
    if len(_SHARED) > 50_000:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


@dataclass(frozen=True)
class _Fields:
    statement_type: str
    predicate_type: str
    seq: int
    prev: str
    policy: str
    date: str
    signed_at: str
    version: str
    blobs: tuple[str, ...]  # format 2: the blob files the statement references
    format_problem: str


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _statement(payload: bytes) -> dict[str, Any] | None:
    """The payload parsed (the one JSON parse of a statement: verify's fields and a collector's
    values both come from it), or None when it is not a JSON object."""
    try:
        statement = orjson.loads(payload)
    except ValueError:
        return None
    return statement if isinstance(statement, dict) else None


def _fields(statement: dict[str, Any]) -> _Fields | None:
    """The statement fields verify needs."""
    try:
        predicate = statement["predicate"]
        ledger_pos = predicate["ledger"]
        claimed, prev = ledger_pos["seq"], ledger_pos["prev"]
        if not isinstance(claimed, int) or isinstance(claimed, bool) or not isinstance(prev, str):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    policy = ""
    pol = predicate.get("policy")
    if isinstance(pol, dict) and isinstance(pol.get("digest"), dict):
        policy = _text(pol["digest"].get("sha256"))
    facts = predicate.get("facts")  # observed_at stays inline in format 2
    date = _text(facts.get("observed_at") if isinstance(facts, dict) else predicate.get("observed_at"))
    evaluator = predicate.get("evaluator")
    version = _text(evaluator.get("version")) if isinstance(evaluator, dict) else ""
    return _Fields(
        _text(statement.get("_type")),
        _text(statement.get("predicateType")),
        claimed,
        prev,
        policy,
        date,
        _text(predicate.get("signed_at")),
        version,
        *(blobs.checked(predicate) if isinstance(predicate, dict) else ((), "predicate is not an object")),
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


_CACHES: dict[tuple[str, str], blobs.BlobCache] = {}


def _blob_cache(git: Git, commit: str) -> blobs.BlobCache:
    """The worker's blob cache for one ledger commit, kept across its chunks (blobs recur)."""
    key = (str(git.git_dir), commit)
    if key not in _CACHES:
        from checker.evidence.access import blob_cache

        _CACHES.clear()
        _CACHES[key] = blob_cache(git, commit)
    return _CACHES[key]


def _worker(
    git_dir: str,
    kind: str,
    items: list[tuple[int, str, str]],
    key_pems: list[str],
    commit: str = "",
    collect: Collector | None = None,
) -> list[EntryCheck] | list[ArchiveCheck]:
    trusted = [TrustedKey.of(load_public(p)) for p in key_pems]
    git = Git(Path(git_dir))
    datas = git.cat_blobs([oid for _, _, oid in items])
    if kind == "archive":
        return [check_archive(size, path, data) for (size, path, _), data in zip(items, datas, strict=True)]
    keys = {k.keyid: k for k in trusted}
    cache = _blob_cache(git, commit) if collect is not None else None
    return [
        check_entry(seq, path, data, keys, collect, cache) for (seq, path, _), data in zip(items, datas, strict=True)
    ]


# ---------------------------------------------------------------------------------- the ledger


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
    token: Token = AMBIENT_TOKEN,
    **more: Any,
) -> VerifyReport:
    """Verify the whole ledger; `keys` are PEM public keys (text or paths) the auditor trusts.

    `more` takes the other VerifyOptions fields (witness_keys, witnesses, witness_state, through,
    accept_semantics, clock_skew)."""
    options = VerifyOptions(
        keys=tuple(keys),
        identities=tuple(identities),
        trusted_root=trusted_root,
        checkpoint=checkpoint,
        reperform=reperform,
        workers=workers,
        **more,
    )
    prepared = Verification.prepare(options, token)  # usage errors (keys, files) before any git work
    with open_ledger(ledger, branch, token=token) as opened:
        return prepared.run(opened, progress)


def verify_opened(
    opened: Ledger,
    options: VerifyOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    token: Token = AMBIENT_TOKEN,
    collect: Collector | None = None,
) -> VerifyReport:
    """Verify a ledger already opened with `open_ledger` (so a caller can read what was verified)."""
    return Verification.prepare(options, token).run(opened, progress, collect)


@dataclass(frozen=True)
class Verification:
    """A verification with its inputs loaded and checked (usage errors come before any git work)."""

    options: VerifyOptions
    auditor_keys: list[TrustedKey]
    saved: notes.Checkpoint | None
    witness_plan: WitnessPlan
    deployers: Deployers

    @classmethod
    def prepare(cls, options: VerifyOptions, token: Token = AMBIENT_TOKEN) -> Verification:
        from checker.evidence import witnessing
        from checker.evidence.deployments_verify import Deployers

        keys = [TrustedKey.of(load_public(k)) for k in options.keys]
        saved = _load_saved_checkpoint(options.checkpoint) if options.checkpoint else None
        for item in options.accept_semantics:
            old, sep, new = item.partition("..")
            if not sep or _version(old) is None or _version(new) is None:
                raise UsageError(
                    f"--accept-semantics {item!r} is not OLD..NEW", fix="write two versions, e.g. 0.1.0..0.2.0"
                )
        deployers = Deployers.of(options.deployer_keys, options.deployer_identities)
        return cls(options, keys, saved, witnessing.plan(options, token), deployers)

    def run(
        self, opened: Ledger, progress: Callable[[int, int], None] | None, collect: Collector | None = None
    ) -> VerifyReport:
        """Verify `opened`; with `collect`, also run it on every entry (results in `report.collected`)."""
        report = VerifyReport(opened.location, opened.branch, commit=opened.commit)
        with bulk_gc.paused():
            _verify(
                opened,
                report,
                self.auditor_keys,
                self.saved,
                self.options,
                progress,
                self.witness_plan,
                self.deployers,
                collect,
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


def _read_ledger_doc(opened: Ledger, problems: list[str]) -> dict[str, Any]:
    doc_bytes = opened.read(layout.LEDGER_FILE)
    if doc_bytes is None:
        problems.append("LEDGER.json is missing")
        return {}
    try:
        doc = json.loads(doc_bytes)
    except ValueError as exc:
        problems.append(f"LEDGER.json is not valid JSON ({exc})")
        return {}
    return check_format(doc, "LEDGER.json")


def _verify(
    opened: Ledger,
    report: VerifyReport,
    auditor_keys: list[TrustedKey],
    saved: notes.Checkpoint | None,
    options: VerifyOptions,
    progress: Callable[[int, int], None] | None,
    witness_plan: WitnessPlan,
    deployers: Deployers,
    collect: Collector | None = None,
) -> None:
    problems = report.problems
    doc = _read_ledger_doc(opened, problems)
    listed = ledger_keys(doc) if doc else []
    if auditor_keys or options.identities:
        trusted = auditor_keys
    else:
        trusted = list(listed)
        report.trusted_ledger_keys = True
        report.warnings.append(
            "no --key or --identity given: trusted the ledger's OWN key list in LEDGER.json, "
            "which whoever controls the branch can change; pass the keys you trust"
        )
    trusted = [*trusted, *deployers.keys]
    index = opened.index()
    for path in index.foreign:
        problems.append(f"foreign file {path!r} on the ledger branch (not part of the ledger format)")

    checks, archives = _check_all(
        opened.git, index.entries, index.archives, trusted, options.workers, progress, opened.commit, collect
    )
    checks.sort(key=lambda c: c.seq)
    if collect is not None:
        report.collected = [c.collected for c in checks]
    report.entries = len(checks)
    report.entry_index = index.entries
    by_seq = {c.seq: c for c in checks}
    keyless = [c for c in checks if c.keyless and c.predicate_type != DEPLOYMENT_CLAIM_PREDICATE]
    if keyless:
        _verify_keyless(opened, keyless, list(options.identities), options.trusted_root, problems, report)
    # deployment claims: trusted for deployers only, ignored otherwise
    deployers.check_roles(opened, checks, auditor_keys, options.trusted_root, report)
    for c in checks:
        problems.extend(c.problems)
        if c.signer:
            report.signers[c.signer] = report.signers.get(c.signer, 0) + 1
        report.bytes_read += c.size
    dates = sorted(c.date for c in checks if c.date)
    if dates:
        report.first_date, report.last_date = dates[0], dates[-1]

    n = _check_chain(checks, by_seq, problems)
    _check_order(checks, options.clock_skew, problems)
    _check_blobs(opened, checks, index.blobs, problems)

    leaves = [c.leaf for c in checks] if len(checks) == n else []
    cp = _verify_tree(opened, report, leaves, n, trusted, saved, by_seq, archives)
    origin = cp.origin if cp is not None else str(doc.get("checkpoint_origin") or "")
    witness_plan.check(opened, report, leaves, n, origin, prefix_roots)
    if doc and auditor_keys:
        listed_ids = {k.keyid for k in listed}
        for key in auditor_keys:
            if report.signers.get(key.keyid) and key.keyid not in listed_ids:
                problems.append(
                    f"LEDGER.json: the trusted key list was changed: key {key.keyid[:16]}, which signed "
                    f"{report.signers[key.keyid]} entries, is no longer listed"
                )
        trusted_ids = {k.keyid for k in [*auditor_keys, *deployers.keys]}
        for key in listed:
            if key.keyid not in trusted_ids:
                report.warnings.append(f"LEDGER.json lists key {key.keyid[:16]} which you did not pass with --key")
    if options.reperform:
        _reperform(opened, checks, report, set(options.accept_semantics))


def _check_chain(checks: list[EntryCheck], by_seq: dict[int, EntryCheck], problems: list[str]) -> int:
    """Contiguity (as ranges of missing numbers, so a huge file name costs nothing), positions and
    the prev chain; returns the number of entries the branch claims (highest seq + 1)."""
    n = checks[-1].seq + 1 if checks else 0
    expected = 0
    for c in checks:
        if c.seq > expected:
            gap = (
                where(expected)
                if c.seq == expected + 1
                else f"entries {expected}..{c.seq - 1} ({c.seq - expected} entries before {c.path})"
            )
            problems.append(f"{gap}: missing (entries after it exist)")
        expected = c.seq + 1
    for c in checks:
        if c.claimed_seq is not None and c.claimed_seq != c.seq:
            problems.append(
                f"{where(c.seq, c.path)}: its signed statement says seq {c.claimed_seq} "
                "(entries moved, swapped or renumbered)"
            )
        if c.prev is None:
            continue
        before = "" if c.seq == 0 else (by_seq[c.seq - 1].hash if c.seq - 1 in by_seq else None)
        if before is not None and c.prev != before:
            problems.append(
                f"{where(c.seq, c.path)}: prev does not match the hash of entry {c.seq - 1} "
                "(chain broken: an entry before it was edited, replaced or reordered)"
            )
    return n


def _instant(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


@functools.lru_cache(maxsize=256)  # a ledger has few evaluator versions and many entries
def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _check_order(checks: list[EntryCheck], skew: int, problems: list[str]) -> None:
    """Along the chain, signing times may not go backwards by more than `skew` seconds, and the
    evaluator version may not go backwards at all. (Merge and observation times may: backfill.)"""
    latest: tuple[datetime, EntryCheck] | None = None
    newest: tuple[Version, EntryCheck] | None = None
    for c in checks:
        when = _instant(c.signed_at) if c.signed_at else None
        if when is not None:
            if latest is not None and (latest[0] - when).total_seconds() > skew:
                problems.append(
                    f"{where(c.seq, c.path)}: signed at {c.signed_at}, {int((latest[0] - when).total_seconds())} s "
                    f"before entry {latest[1].seq} ({latest[1].signed_at}); entries are appended in order, "
                    f"and the clock-skew tolerance is {skew} s (re-signed or inserted later)"
                )
            if latest is None or when > latest[0]:
                latest = (when, c)
        elif latest is not None and not c.signed_at and c.claimed_seq is not None:
            problems.append(
                f"{where(c.seq, c.path)}: has no signed_at although entry {latest[1].seq} before it has one"
            )
        if not c.version:
            continue
        version = _version(c.version)
        if version is None:
            problems.append(f"{where(c.seq, c.path)}: evaluator version {c.version[:40]!r} is not a version")
            continue
        if newest is not None and version < newest[0]:
            problems.append(
                f"{where(c.seq, c.path)}: evaluator version {c.version} is older than {newest[1].version} of "
                f"entry {newest[1].seq}; versions only go forward along the chain (re-signed with an old version)"
            )
        if newest is None or version > newest[0]:
            newest = (version, c)


def _check_blobs(opened: Ledger, checks: list[EntryCheck], present: dict[str, str], problems: list[str]) -> None:
    """Content-addressed files: each referenced one present and matching its digest (read and
    hashed once), each present one referenced by some entry (else it is foreign)."""
    referenced = sorted({r for c in checks for r in c.refs})
    bad = {
        path
        for path, body in zip(referenced, opened.read_many(referenced), strict=True)
        if body is None or sha256_hex(body) != path.rsplit("/", 1)[1]
    }
    for c in checks:
        for ref in c.refs:
            if ref in bad:
                problems.append(f"{where(c.seq, c.path)}: its {ref} is missing or does not match its digest (edited)")
    for path in sorted(set(present) - set(referenced)):
        problems.append(f"foreign file {path!r} on the ledger branch (content-addressed, but no entry references it)")


def _check_all(
    git: Git,
    index: Index,
    archive_index: Index,
    trusted: list[TrustedKey],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    commit: str = "",
    collect: Collector | None = None,
) -> tuple[list[EntryCheck], list[ArchiveCheck]]:
    """Check entries and archived checkpoints in chunks, on every core."""
    pems = [k.pem for k in trusted]
    jobs = [("entry", index[i : i + CHUNK]) for i in range(0, len(index), CHUNK)]
    jobs += [("archive", archive_index[i : i + CHUNK * 4]) for i in range(0, len(archive_index), CHUNK * 4)]
    workers = worker_count(workers)
    entries: list[EntryCheck] = []
    archives: list[ArchiveCheck] = []
    done = 0
    total = len(index) + len(archive_index)

    def gather(result: list[EntryCheck] | list[ArchiveCheck]) -> None:
        nonlocal done
        for item in result:
            (entries if isinstance(item, EntryCheck) else archives).append(item)  # type: ignore[arg-type]
        done += len(result)
        if progress:
            progress(done, total)

    if workers <= 1 or total <= CHUNK:
        for kind, items in jobs:
            gather(_worker(str(git.git_dir), kind, items, pems, commit, collect))
        return entries, archives
    # This process is one of the workers: the pool takes jobs from the front, this process from
    # the back until they meet, so its share of the results is never pickled (unpickling every
    # result here cost as much as a tenth of an export's CPU).
    with ProcessPoolExecutor(max_workers=workers - 1, initializer=bulk_gc.worker_start) as pool:
        futures = [pool.submit(_worker, str(git.git_dir), kind, items, pems, commit, collect) for kind, items in jobs]
        here: dict[int, list[EntryCheck] | list[ArchiveCheck]] = {}
        for i in range(len(futures) - 1, 0, -1):
            if not futures[i].cancel():
                break  # the pool has reached it: it has every job before it too
            kind, items = jobs[i]
            here[i] = _worker(str(git.git_dir), kind, items, pems, commit, collect)
        for i, future in enumerate(futures):
            gather(here.pop(i) if i in here else future.result())
    _CACHES.clear()  # this process's blob cache, kept across its chunks
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


def _cp_signed(cp: notes.Checkpoint, trusted: list[TrustedKey], opened: Ledger, n: int) -> bool:
    """A checkpoint verifies under a trusted key, or (keyless ledgers) under the ephemeral key
    certified in the entry it ends with, whose identity is checked with that entry. Every
    signature line from a known key must verify (as Go's note.Open requires)."""
    if note_verifies(cp, trusted):
        return True
    keyless = [s for s in cp.signatures if s.key_hash == notes.KEYLESS_HASH]
    if not keyless or not 0 < cp.size <= n:
        return False
    key = keyless_note_key(opened.read(layout.entry_path(cp.size - 1)))
    return key is not None and all(key.verify(s.signature, cp.body.encode()) for s in keyless)


def keyless_note_key(entry: bytes | None) -> TrustedKey | None:
    from cryptography.hazmat.primitives.asymmetric import ec

    public = bundles.certificate_public_key(entry) if entry else None
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(public.curve, ec.SECP256R1):
        return None
    return TrustedKey.of(public)


def _check_head(
    head_raw: bytes | None,
    n: int,
    leaves: list[bytes],
    by_seq: dict[int, EntryCheck],
    root_hash: bytes,
    frontier_hashes: list[bytes],
) -> list[str]:
    """head.json must hold exactly what the next append will extend: size, last hash, root, frontier."""
    if head_raw is None:
        return ["head.json is missing"]
    try:
        head = json.loads(head_raw)
        size, last, root, frontier = head["size"], head["last_entry_hash"], head["root"], head["frontier"]
    except (ValueError, KeyError, TypeError):
        return ["head.json is not valid (needs size, last_entry_hash, root, frontier)"]
    if not isinstance(size, int) or size != n:
        return [f"head.json: size {str(size)[:30]} but the branch holds {n} entries"]
    if n and by_seq.get(n - 1) and last != by_seq[n - 1].hash:
        return [f"{where(n - 1)}: does not hash to head.json's last_entry_hash"]
    if len(leaves) != n:
        return []  # missing entries are reported already; the tree cannot be recomputed
    problems = []
    if root != root_hash.hex():
        problems.append("head.json: root is not the Merkle root of the entries (the next append would refuse)")
    if frontier != [h.hex() for h in frontier_hashes]:
        problems.append("head.json: frontier is not the entries' Merkle frontier (the next append would refuse)")
    return problems


def _verify_tree(
    opened: Ledger,
    report: VerifyReport,
    leaves: list[bytes],
    n: int,
    trusted: list[TrustedKey],
    saved: notes.Checkpoint | None,
    by_seq: dict[int, EntryCheck],
    archives: list[ArchiveCheck],
) -> notes.Checkpoint | None:
    problems = report.problems
    cp = _parse_note(opened.read(layout.CHECKPOINT_FILE), "checkpoint", problems)
    complete = len(leaves) == n
    # every root this check compares, and the frontier, in one pass over the leaves
    sizes = {a.size for a in archives if a.root is not None} | {n}
    if saved is not None:
        sizes.add(saved.size)
    roots, frontier = merkle.scan(leaves, sizes) if complete else ({}, [])
    root = roots[n] if complete else b""
    if cp is not None:
        report.size, report.root = cp.size, cp.root_hex
        if not _cp_signed(cp, trusted, opened, n):
            problems.append("checkpoint: signature does not verify under any trusted key (or a line from one is bad)")
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
    problems.extend(_check_head(opened.read(layout.HEAD_FILE), n, leaves, by_seq, root, frontier))
    # archived checkpoints and the auditor's saved checkpoint must be prefixes of this tree
    wanted: dict[int, list[tuple[str, bytes]]] = {}
    for arch in archives:
        problems.extend(arch.problems)
        if arch.root is None:
            continue
        if arch.size > n:
            problems.append(
                f"{arch.path}: archived checkpoint of size {arch.size}, but the branch holds only {n} entries "
                "(entries were dropped after it was signed)"
            )
        else:
            wanted.setdefault(arch.size, []).append((arch.path, arch.root))
    if saved is not None:
        if not _cp_signed(saved, trusted, opened, n):
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
    if complete:
        for m, labelled in sorted(wanted.items()):
            for label, cp_root in labelled:
                if roots[m] != cp_root:
                    problems.append(
                        f"{label} (size {m}): inconsistent with the current ledger — entries 0..{m - 1} "
                        "were rewritten after that checkpoint was signed"
                    )
    if saved is not None and complete and 0 < saved.size < n:
        proof = merkle.consistency_proof(leaves, saved.size)
        if not merkle.verify_consistency(saved.size, n, saved.root, root, proof):
            problems.append(f"saved checkpoint (size {saved.size}): RFC 6962 consistency proof failed")
    return cp


def prefix_roots(leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """MTH(first m leaves) for each m in `sizes` (all <= len(leaves)): one pass, extending a frontier."""
    return merkle.scan(leaves, sizes)[0]


def _verify_keyless(
    opened: Ledger,
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


def _reperform(opened: Ledger, checks: list[EntryCheck], report: VerifyReport, accepted: set[str]) -> None:
    """Re-run each evaluation. A different verdict is a problem unless the auditor accepted that
    exact evaluator version change (`OLD..NEW`): a key holder can re-sign anything with any version."""
    from checker.evaluate import evaluate
    from checker.model import Facts, Policy
    from checker.serde import DecodeError, from_json

    policies: dict[str, Any] = {}
    for c in checks:
        if not c.policy:
            continue
        data = opened.read(c.path) or b""
        try:
            parsed = parse_entry(c.seq, c.path, data)
            if parsed.predicate_type != EVALUATION_PREDICATE:
                continue  # posture entries are re-performed by posture_verify
            predicate = blobs.expand(parsed.predicate, opened.blobs, where(c.seq, c.path))
            if c.policy not in policies:
                policies[c.policy] = from_json(Policy, json.loads(opened.read(layout.policy_path(c.policy)) or b""))
            facts = from_json(Facts, predicate["facts"])
            recorded_version = str(predicate["evaluator"]["version"])
            recorded = predicate["verdict"]
        except (ValueError, KeyError, TypeError, DecodeError, CorruptEntryError) as exc:
            report.problems.append(
                f"{where(c.seq, c.path)}: cannot re-perform: recorded facts or policy unreadable ({exc})"
            )
            continue
        again = evaluate(policies[c.policy], facts).verdict.value
        report.reperformed += 1
        if again == recorded:
            continue
        change = f"{recorded_version}..{__version__}"
        if recorded_version == __version__:
            report.problems.append(
                f"{where(c.seq, c.path)}: re-performance gives verdict {again!r}, the entry "
                f"records {recorded!r} under the same evaluator version {__version__}"
            )
        elif change in accepted:
            report.semantic_changes.append(
                f"{where(c.seq, c.path)}: recorded {recorded!r} by changeproof {recorded_version}; changeproof "
                f"{__version__} gives {again!r} (an evaluation-semantics change you accepted with {change})"
            )
        else:
            report.problems.append(
                f"{where(c.seq, c.path)}: re-performance gives verdict {again!r}, the entry records "
                f"{recorded!r} by changeproof {recorded_version}; if you reviewed that change in evaluation "
                f"semantics, pass --accept-semantics {change}"
            )
