"""Reading a verified ledger fast: worker processes each read a chunk of the entries verify
checked (the report's own index: same blobs, no second listing) straight from git
(`cat-file --batch`), parse them with the evidence package's `parse_entry` and reduce each to a
small `Summary`; the parent stitches the summaries in sequence order. At 100 000 entries the
statements (facts included) are several GB of JSON, so the parent never holds them, only the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from checker import bulk_gc
from checker.audit.approval_summary import PolicyOptions
from checker.audit.ledgers import OpenLedger
from checker.audit.population import Summary, summarise
from checker.evidence.access import blob_cache, expand_entry, parse_entry
from checker.evidence.gitio import Git
from checker.evidence.verify import worker_count

CHUNK = 2000


def read_chunk(git_dir: str, commit: str, items: list[tuple[int, str, str]]) -> list[Summary]:
    git = Git(Path(git_dir))
    cache = blob_cache(git, commit)  # format 2 statements' values, read once per worker chunk
    options = PolicyOptions(lambda path: git.run("cat-file", "blob", f"{commit}:{path}", check=False) or None)
    out = []
    for (seq, path, _), data in zip(items, git.cat_blobs([oid for _, _, oid in items]), strict=True):
        entry = expand_entry(parse_entry(seq, path, data), cache)  # a corrupt entry is "ledger invalid" (exit 1)
        out.append(summarise(entry.statement, seq, entry.entry_hash, options))
    return out


def summaries(ledger: OpenLedger, workers: int | None = None) -> Iterator[Summary]:
    """Every entry of the ledger as a Summary, in sequence order (those taken beside verification,
    `checker.audit.collect`, handed over once: the ledger keeps no second copy of the rows)."""
    if ledger.summaries_read is not None:
        taken, ledger.summaries_read = ledger.summaries_read, None
        taken.reverse()
        while taken:
            yield taken.pop()
        return
    index = ledger.report.entry_index
    chunks = [index[i : i + CHUNK] for i in range(0, len(index), CHUNK)]
    workers = worker_count(workers)
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield from read_chunk(str(ledger.git_dir), ledger.commit, chunk)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=bulk_gc.worker_start) as pool:
        for result in pool.map(read_chunk, [str(ledger.git_dir)] * len(chunks), [ledger.commit] * len(chunks), chunks):
            yield from result
