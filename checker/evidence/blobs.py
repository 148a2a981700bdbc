"""Entry format 2: large statement values stored once by digest under `blobs/`, beside the entries.

A policy, a CODEOWNERS file, branch rules or a control's result repeat across many entries of a
ledger; format 1 embedded them in every statement. A format 2 statement replaces each such value
(named by a JSON pointer into the predicate) with the text `@blob` and lists it in
`predicate.blobs` (pointer -> sha256 of the value's RFC 8785 JSON, the bytes of the blob file).
The signature covers the digests, so the rebuilt statement is exactly the one that was built:
`expand` puts every value back, parsed from its blob, and the facts and evaluation decode byte
for byte as recorded. Any statement kind can use it: `externalise` takes the pointers to try.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson
import rfc8785

from checker.errors import CorruptEntryError
from checker.evidence import layout

FORMAT_FIELD = "entry_format"
FORMAT = 2  # entries without the field are format 1: every value inline
FORMATS = (1, FORMAT)
DIRECTORY = "blobs"
MIN_BYTES = 128  # smaller values stay inline: a reference costs about 100 bytes
_DIGEST = re.compile(r"[0-9a-f]{64}")
PLACEHOLDER = "@blob"  # what a format 2 statement holds where a value was moved to a blob

# What an evaluation statement stores by digest: the facts that repeat across a repository's
# entries (policy, CODEOWNERS, rules, teams), the PR's own lists that repeat across its gate and
# merge entries, and the control results (one blob: a reference per control would cost more
# signed bytes in every entry than the identical results it would share).
EVALUATION_POINTERS = (
    "/facts/policy",
    "/facts/codeowners",
    "/facts/branch_rules",
    "/facts/ledger_rules",
    "/facts/teams",
    "/facts/permissions",
    "/facts/iac",
    "/facts/files",
    "/facts/commits",
    "/facts/reviews",
    "/facts/checks",
    "/evaluation/results",
)


def blob_path(digest: str) -> str:
    return layout.blob_path(DIRECTORY, digest)


def _canonical(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


def _pointers(predicate: dict[str, Any], patterns: Iterable[str]) -> list[list[str | int]]:
    """Concrete paths of `patterns` present in `predicate` (`*` takes every index of a list)."""
    out: list[list[str | int]] = []
    for pattern in patterns:
        paths: list[list[str | int]] = [[]]
        for part in pattern.strip("/").split("/"):
            nxt: list[list[str | int]] = []
            for path in paths:
                node = _get(predicate, path)
                if part == "*" and isinstance(node, list):
                    nxt.extend([*path, i] for i in range(len(node)))
                elif isinstance(node, dict) and part in node:
                    nxt.append([*path, part])
            paths = nxt
        out.extend(paths)
    return out


def _get(node: Any, path: list[str | int]) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: list[str | int], value: Any) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _text(path: list[str | int]) -> str:
    return "/" + "/".join(str(p) for p in path)


@functools.lru_cache(maxsize=4096)
def _parsed(pointer: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in pointer.strip("/").split("/"))


def _parse(pointer: str) -> list[str | int]:
    """A pointer's parts (the same few pointers recur in every entry: parsed once each)."""
    return list(_parsed(pointer))


def externalise(
    predicate: dict[str, Any], patterns: Iterable[str], min_bytes: int = MIN_BYTES
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The format 2 predicate (a copy) and the blob files it references (path -> bytes)."""
    out = orjson.loads(orjson.dumps(predicate))
    files: dict[str, bytes] = {}
    refs: dict[str, str] = {}
    for path in _pointers(out, patterns):
        value = _get(out, path)
        if value is None:
            continue
        body = _canonical(value)
        if len(body) < min_bytes:
            continue
        digest = hashlib.sha256(body).hexdigest()
        files[blob_path(digest)] = body
        refs[_text(path)] = digest
        _set(out, path, PLACEHOLDER)
    out[FORMAT_FIELD] = FORMAT
    out["blobs"] = refs
    return out, files


def entry_format(predicate: dict[str, Any]) -> int | None:
    """1 or 2, or None when the field holds something this version does not know."""
    value = predicate.get(FORMAT_FIELD, 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value in FORMATS else None


def references(predicate: dict[str, Any]) -> dict[str, str]:
    """pointer -> digest of a format 2 predicate ({} for format 1 or a malformed list)."""
    refs = predicate.get("blobs")
    if entry_format(predicate) != FORMAT or not isinstance(refs, dict):
        return {}
    return {str(k): v for k, v in refs.items() if isinstance(v, str) and _is_digest(v)}


def malformed(predicate: dict[str, Any]) -> str:
    """Why a predicate's format or blob list is unusable, or ''."""
    fmt = entry_format(predicate)
    if fmt is None:
        return f"unknown entry format {str(predicate.get(FORMAT_FIELD))[:20]!r} (this changeproof reads 1 and 2)"
    refs = predicate.get("blobs")
    if fmt == 1:
        return "" if refs is None else "a format 1 entry may not reference blobs"
    if not isinstance(refs, dict) or len(references(predicate)) != len(refs):
        return "predicate.blobs is not a map of JSON pointers to SHA-256 digests"
    for pointer in refs:
        try:
            if _get(predicate, _parse(pointer)) != PLACEHOLDER:
                return f"predicate.blobs names {pointer[:60]}, which does not hold {PLACEHOLDER!r}"
        except (KeyError, IndexError, TypeError):
            return f"predicate.blobs names {pointer[:60]}, which the predicate does not have"
    return ""


@functools.lru_cache(maxsize=65536)
def _is_digest(text: str) -> bool:
    """A lowercase SHA-256 hex digest (the same few digests recur in every entry: checked once each)."""
    return _DIGEST.fullmatch(text) is not None


def _well_formed(predicate: dict[str, Any], refs: Any) -> bool:
    """The common case of `malformed` returning '' (format 2, every pointer at a placeholder),
    decided without building the intermediate lists; False sends the caller to the full check."""
    if type(predicate.get(FORMAT_FIELD)) is not int or predicate[FORMAT_FIELD] != FORMAT or type(refs) is not dict:
        return False
    for pointer, digest in refs.items():
        if type(digest) is not str or not _is_digest(digest):
            return False
        node: Any = predicate
        try:
            for part in _parsed(pointer):
                node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
        if node != PLACEHOLDER:
            return False
    return True


@functools.lru_cache(maxsize=4096)
def _files(digests: tuple[str, ...]) -> tuple[str, ...]:
    """The blob files of a digest list, sorted and unique (entries share their lists: built once each)."""
    return tuple(sorted({f"{DIRECTORY}/{d}" for d in digests}))


def checked(predicate: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """What verify needs of one predicate: the blob files it references and why its format or
    blob list is unusable ('' when it is fine), in one pass."""
    if FORMAT_FIELD not in predicate and "blobs" not in predicate:
        return (), ""
    refs = predicate.get("blobs")
    if isinstance(refs, dict) and _well_formed(predicate, refs):
        return _files(tuple(refs.values())), ""
    problem = malformed(predicate)
    refs = (predicate.get("blobs") or {}) if not problem else {}  # a format 1 entry may name its format
    return _files(tuple(refs.values())), problem


BlobReader = Callable[[list[str]], list[bytes | None]]


class BlobCache:
    """Parsed blobs by path, each read and checked once, shared by every entry that references it
    (callers only read the expanded values)."""

    def __init__(self, read: BlobReader) -> None:
        self._read = read
        self._by_digest: dict[str, Any] = {}

    def load(self, paths: list[str]) -> None:
        wanted = sorted({p for p in paths if p.rsplit("/", 1)[1] not in self._by_digest})
        for path, body in zip(wanted, self._read(wanted) if wanted else [], strict=True):
            if body is None or hashlib.sha256(body).hexdigest() != path.rsplit("/", 1)[1]:
                raise CorruptEntryError(
                    f"{path} is missing or does not match its digest",
                    fix="run `changeproof verify` on the ledger; it names every damaged file",
                )
            self._by_digest[path.rsplit("/", 1)[1]] = orjson.loads(body)

    def require(self, digests: Iterable[str]) -> None:
        """Read and check the blobs of `digests` not read yet (raises CorruptEntryError)."""
        missing = [blob_path(d) for d in digests if d not in self._by_digest]
        if missing:
            self.load(missing)

    def value(self, digest: str) -> Any:
        """The parsed blob of `digest` (read and checked on first use)."""
        try:
            return self._by_digest[digest]
        except KeyError:
            self.load([blob_path(digest)])
            return self._by_digest[digest]

    def read(self, paths: list[str]) -> list[bytes | None]:
        """Other files of the same ledger commit, by path, uncached (e.g. a recorded policy)."""
        return self._read(paths)


def expand(predicate: dict[str, Any], cache: BlobCache, where: str = "entry") -> dict[str, Any]:
    """The predicate as format 1 had it (every value inline); `predicate` itself is unchanged."""
    listed = predicate.get("blobs")
    if isinstance(listed, dict) and _well_formed(predicate, listed):
        refs: dict[str, str] = listed  # the common case, checked in one pass
    else:
        refs = references(predicate)
        if not refs:
            return predicate
        problem = malformed(predicate)
        if problem:
            raise CorruptEntryError(f"{where}: {problem}", fix="run `changeproof verify` on the ledger")
    cache.require(refs.values())  # every blob read and checked before any is put back
    # Well-formed pointers are prefix-free (each names a placeholder string), so each can be set
    # as its containers are copied: the copies are this entry's own, the blob values shared.
    out = dict(predicate)
    copied: set[int] = {id(out)}
    for pointer, digest in refs.items():
        parts = _parsed(pointer)
        node: Any = out
        for part in parts[:-1]:
            child = node[part]
            if id(child) not in copied:
                child = dict(child) if isinstance(child, dict) else list(child)
                copied.add(id(child))
                node[part] = child
            node = child
        node[parts[-1]] = cache.value(digest)
    return out
