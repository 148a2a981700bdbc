"""`ledger show`: write out what re-performing one recorded evaluation needs.

An auditor re-performs an entry by hand with the published CLI: the recorded facts, the policy
document stored under `policies/<digest>` (exactly as stored, so `evaluate --policy` reproduces
the recorded `policy_digest`) and the recorded evaluation in the form `evaluate --format json`
writes, so the two files can be compared byte for byte. Statements are read through
`read_entries`, the evidence package's one statement reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checker.errors import UsageError
from checker.evidence import layout
from checker.evidence.access import LedgerEntry, open_ledger, read_entries
from checker.evidence.statement import EVALUATION_PREDICATE
from checker.model import Evaluation, Facts
from checker.serde import DecodeError, dumps, from_json


@dataclass(frozen=True)
class ShownEntry:
    """One evaluation entry, decoded; `policy_document` is the stored bytes, unchanged."""

    entry: LedgerEntry
    facts: Facts
    evaluation: Evaluation
    policy_digest: str
    policy_document: bytes

    def describe(self) -> str:
        p = self.entry.predicate
        e = self.evaluation
        return (
            f"entry {self.entry.seq} sha256:{self.entry.entry_hash} ({p.get('kind', '?')}): "
            f"{e.repository} #{e.number} at {e.head_sha[:12]}, verdict {e.verdict.value}, "
            f"recorded by changeproof {e.tool_version}, policy sha256:{self.policy_digest[:16]}"
        )


def find_entry(ledger: str, branch: str, seq: int) -> LedgerEntry:
    last = -1
    for entry in read_entries(ledger, branch):
        if entry.seq == seq:
            return entry
        last = entry.seq
    have = f"entries 0..{last}" if last >= 0 else "no entries"
    raise UsageError(f"the ledger has no entry {seq} (it has {have})", fix="pass a sequence number it has")


def show_entry(ledger: str, branch: str, seq: int) -> ShownEntry:
    entry = find_entry(ledger, branch, seq)
    where = f"entry {seq} ({entry.path})"
    if entry.predicate_type != EVALUATION_PREDICATE:
        raise UsageError(
            f"{where} records {entry.predicate.get('kind') or entry.predicate_type}, not an evaluation: "
            "there is nothing to re-perform",
            fix="pick an evaluation entry (changeproof export lists them with their seq)",
        )
    predicate = entry.predicate
    try:
        facts = from_json(Facts, predicate["facts"], "$.predicate.facts")
        evaluation = from_json(Evaluation, predicate["evaluation"], "$.predicate.evaluation")
        digest = str(predicate["policy"]["digest"]["sha256"])
    except (KeyError, TypeError) as exc:
        raise UsageError(f"{where} lacks {exc}", fix="run changeproof verify on the ledger") from None
    except DecodeError as exc:
        raise UsageError(f"{where} is unreadable at {exc.path}: {exc.message}", fix="run changeproof verify") from None
    document = _read(ledger, branch, layout.policy_path(digest) if len(digest) == 64 else "")
    if document is None:
        raise UsageError(
            f"{where} names policy {digest[:16]}..., which the ledger does not hold",
            fix="run changeproof verify on the ledger",
        )
    return ShownEntry(entry, facts, evaluation, digest, document)


def _read(ledger: str, branch: str, path: str) -> bytes | None:
    if not path:
        return None
    with open_ledger(ledger, branch) as opened:
        return opened.read_paths([path])[0]


def write_files(shown: ShownEntry, facts: str | None, policy: str | None, evaluation: str | None) -> list[str]:
    """Write the requested files; returns what was written, for the user."""
    written = []
    for target, body in (
        (facts, dumps(shown.facts).encode("utf-8")),
        (policy, shown.policy_document),
        (evaluation, dumps(shown.evaluation).encode("utf-8")),
    ):
        if target:
            Path(target).write_bytes(body)
            written.append(target)
    return written
