"""Opening a ledger branch at one commit, indexing its files and iterating its entries.

This is the evidence package's public way in to a ledger: `verify` checks what `open_ledger`
opened, and the auditor's export iterates exactly the entries verify checked (same commit, same
blob ids, no second index), through `iter_entries`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from checker.errors import CorruptEntryError, LedgerBranchMissing
from checker.evidence import layout
from checker.evidence.gitio import AMBIENT_TOKEN, Git, Token, fetch_tip, is_local, redact, resolve_token, scratch_repo

CHUNK = 2000

Index = list[tuple[int, str, str]]  # (number, path, blob oid), sorted by number


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
class LedgerIndex:
    """Every file of the branch, by what the format says it is."""

    entries: Index = field(default_factory=list)
    archives: Index = field(default_factory=list)
    cosignatures: Index = field(default_factory=list)
    blobs: dict[str, str] = field(default_factory=dict)  # path -> oid, for content-addressed files
    foreign: list[str] = field(default_factory=list)


def where(seq: int, path: str | None = None) -> str:
    """How a problem names an entry: its number and file."""
    try:
        return f"entry {seq} ({path or layout.entry_path(seq)})"
    except ValueError:
        return f"entry {seq}"


class Ledger:
    """One ledger branch opened at one commit in a local git directory."""

    def __init__(self, git: Git, commit: str, location: str, branch: str) -> None:
        self.git = git
        self.commit = commit
        self.location = redact(location)
        self.branch = branch
        self._files: dict[str, str] | None = None
        self._index: LedgerIndex | None = None

    @property
    def files(self) -> dict[str, str]:
        """path -> blob oid of every file (listed on first use: a large ledger has many)."""
        if self._files is None:
            self._files = dict(self.git.ls_tree_recursive(self.commit))
        return self._files

    def read_paths(self, paths: list[str]) -> list[bytes | None]:
        """Files by path without listing the tree: what reads a few files of a large ledger uses."""
        return self.git.cat_optional([f"{self.commit}:{p}" for p in paths])

    @property
    def git_dir(self) -> Path:
        return self.git.git_dir

    def read(self, path: str) -> bytes | None:
        return self.read_many([path])[0]

    def read_many(self, paths: list[str]) -> list[bytes | None]:
        oids = {p: self.files.get(p) for p in paths}
        present = [p for p, o in oids.items() if o is not None and not o.startswith("!")]
        blobs = dict(zip(present, self.git.cat_blobs([str(oids[p]) for p in present]), strict=True))
        return [blobs.get(p) for p in paths]

    def index(self) -> LedgerIndex:
        """The files by kind, computed once; bounded by the files present, never by their numbers."""
        if self._index is None:
            out = LedgerIndex()
            for path, oid in self.files.items():
                kind, value = layout.classify(path)
                if oid.startswith("!") or kind == "foreign":
                    out.foreign.append(path)
                elif kind == "entry":
                    out.entries.append((int(value), path, oid))  # type: ignore[arg-type]
                elif kind == "archive":
                    out.archives.append((int(value), path, oid))  # type: ignore[arg-type]
                elif kind == "cosignature":
                    out.cosignatures.append((int(value), path, oid))  # type: ignore[arg-type]
                elif kind == "blob":
                    out.blobs[path] = oid
            out.entries.sort()
            out.archives.sort()
            out.cosignatures.sort()
            out.foreign.sort()
            self._index = out
        return self._index


@contextmanager
def open_ledger(
    location: str, branch: str = layout.DEFAULT_BRANCH, *, token: Token = AMBIENT_TOKEN, partial: bool = False
) -> Iterator[Ledger]:
    """The branch tip of a local repository in place, or of a remote one fetched into a temporary
    directory that lives as long as the context: whole, or with `partial` only its trees (blobs
    are then fetched when read, for callers that read a few files of a large ledger)."""
    local = is_local(location)
    if local is not None:
        git = Git(local)
        commit = git.rev(f"refs/heads/{branch}")
        if commit is None:
            raise LedgerBranchMissing(
                f"{location} has no branch {branch}", fix="pass --branch, or record an entry first"
            )
        yield Ledger(git, commit, location, branch)
        return
    with scratch_repo(location, resolve_token(token)) as git:
        if not partial:
            git.run("config", "--unset", "extensions.partialClone")
            git.run("config", "--unset", "remote.origin.promisor")
        commit = fetch_tip(git, branch, object_filter="blob:none" if partial else None, ledger=location)
        if commit is None:
            raise LedgerBranchMissing(f"{redact(location)} has no branch {branch}", fix="pass --branch")
        git.run("update-ref", f"refs/heads/{branch}", commit)
        yield Ledger(git, commit, location, branch)


def parse_entry(seq: int, path: str, data: bytes) -> LedgerEntry:
    from checker.evidence.ledger import entry_hash

    try:
        raw = orjson.loads(data)
        statement = orjson.loads(base64.b64decode(raw["dsseEnvelope"]["payload"]))
        if not isinstance(statement, dict):
            raise TypeError("statement is not an object")
    except (ValueError, KeyError, TypeError):
        raise CorruptEntryError(
            f"{where(seq, path)} is corrupt: not a bundle holding a JSON statement",
            fix="run `changeproof verify` on the ledger; it names every damaged entry",
        ) from None
    return LedgerEntry(seq, path, entry_hash(data), statement, raw)


def iter_entries(ledger: Ledger, index: Iterable[tuple[int, str, str]] | None = None) -> Iterator[LedgerEntry]:
    """The entries of `index` (default: every entry file of the branch) in order, parsed.

    Pass a verify report's `entry_index` to read exactly the entries verify checked."""
    items = list(index) if index is not None else ledger.index().entries
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        for (seq, path, _), data in zip(chunk, ledger.git.cat_blobs([o for _, _, o in chunk]), strict=True):
            yield parse_entry(seq, path, data)


def read_entries(
    location: str, branch: str = layout.DEFAULT_BRANCH, *, token: Token = AMBIENT_TOKEN
) -> Iterator[LedgerEntry]:
    """Every entry in sequence order, parsed but not verified (run verify_ledger for that)."""
    with open_ledger(location, branch, token=token) as ledger:
        yield from iter_entries(ledger)
