"""Reading a verified ledger fast: worker processes each read a chunk of entries straight from git
(`cat-file --batch`), parse them with orjson and reduce each to a small `Summary`; the parent
stitches the summaries in sequence order. At 100 000 entries the statements (facts included)
are several GB of JSON, so the parent never holds them, only the rows.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson

from checker.audit.approval_summary import PolicyOptions
from checker.audit.ledgers import OpenLedger
from checker.audit.population import Summary, summarise
from checker.errors import UsageError
from checker.evidence import layout
from checker.evidence.gitio import Git
from checker.evidence.ledger import entry_hash

CHUNK = 2000


def _index(git: Git, commit: str) -> list[tuple[int, str, str]]:
    out = []
    for path, oid in git.ls_tree_recursive(commit):
        kind, value = layout.classify(path)
        if kind == "entry" and isinstance(value, int) and not oid.startswith("!"):
            out.append((value, path, oid))
    out.sort()
    return out


def _chunk(git_dir: str, commit: str, items: list[tuple[int, str, str]]) -> list[Summary]:
    git = Git(Path(git_dir))
    blobs = git.cat_blobs([oid for _, _, oid in items])
    options = PolicyOptions(lambda path: git.run("cat-file", "blob", f"{commit}:{path}", check=False) or None)
    out = []
    for (seq, path, _), data in zip(items, blobs, strict=True):
        try:
            bundle = orjson.loads(data)
            statement = orjson.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"entry {seq} ({path}) is corrupt", fix="run changeproof verify") from None
        out.append(summarise(statement, seq, entry_hash(data), options))
    return out


def summaries(ledger: OpenLedger, workers: int | None = None) -> Iterator[Summary]:
    """Every entry of the ledger as a Summary, in sequence order."""
    git = Git(ledger.git_dir)
    index = _index(git, ledger.commit)
    chunks = [index[i : i + CHUNK] for i in range(0, len(index), CHUNK)]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield from _chunk(str(ledger.git_dir), ledger.commit, chunk)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(_chunk, [str(ledger.git_dir)] * len(chunks), [ledger.commit] * len(chunks), chunks):
            yield from result
