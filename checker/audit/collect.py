"""What the export takes from each entry while verify checks it: one read of every entry.

Verify's worker processes already read, hash, parse and check every entry; the export's
`ExportCollector` runs beside that check on the same parsed statement (`EntryRead`) and reduces
it to the population's `Summary` (format 2 values put back from digest-checked blobs first) and,
for posture, bypass and retrospective entries, the period entry the coverage reads. Before it,
the export read every entry again after verify (and coverage a third time). The results are
attached to the `OpenLedger`; an entry the collector could not take (its bundle or payload did
not parse for verify) is read the old way, so the rows are the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from checker.audit.approval_summary import ApprovalMemo, PolicyOptions
from checker.audit.coverage import MARKERS
from checker.audit.ledgers import OpenLedger
from checker.audit.population import ControlColumns, Summary, control_columns, summarise
from checker.audit.reader import read_chunk
from checker.errors import CorruptEntryError
from checker.evidence import blobs
from checker.evidence.access import where
from checker.evidence.verify import EntryRead

PeriodEntry = tuple[int, dict[str, Any], dict[str, Any], str]  # (seq, statement, bundle, entry hash)


@dataclass(frozen=True)
class Collected:
    """One entry's part of the export: its summary, its period entry (if it is one), or why its
    format 2 values could not be put back (a missing or edited blob)."""

    summary: Summary | None = None
    period: PeriodEntry | None = None
    failure: str = ""
    fix: str = ""


_OPTIONS: dict[int, PolicyOptions] = {}
_APPROVALS = ApprovalMemo()  # per worker process


def _policy_options(cache: blobs.BlobCache) -> PolicyOptions:
    """Approval options per recorded policy, read once per worker and ledger (through its blob reader)."""
    key = id(cache)
    if key not in _OPTIONS:
        _OPTIONS.clear()
        _OPTIONS[key] = PolicyOptions(lambda path: cache.read([path])[0])
    return _OPTIONS[key]


@dataclass(frozen=True)
class ExportCollector:
    """Picklable: runs in verify's worker processes on every entry."""

    def __call__(self, entry: EntryRead) -> Collected:
        statement = entry.statement
        predicate = statement.get("predicate")
        refs = blobs.references(predicate) if isinstance(predicate, dict) else {}
        try:
            if refs and isinstance(predicate, dict):
                statement = {
                    **statement,
                    "predicate": blobs.expand(predicate, entry.blobs, where(entry.seq, entry.path)),
                }
        except CorruptEntryError as exc:
            return Collected(failure=exc.summary, fix=exc.fix)
        period = None
        if any(m in entry.payload for m in MARKERS):
            period = (entry.seq, statement, entry.bundle, entry.entry_hash)
        digest = refs.get(RESULTS)
        summary = summarise(
            statement,
            entry.seq,
            entry.entry_hash,
            _policy_options(entry.blobs),
            _APPROVALS,
            partial(_controls, digest) if digest else control_columns,
        )
        return Collected(_shared(summary), period)


RESULTS = "/evaluation/results"  # a format 2 pointer (blobs.EVALUATION_POINTERS)
_CONTROLS: dict[str, ControlColumns] = {}


def _controls(digest: str, results: Any) -> ControlColumns:
    """The control columns of the results blob `digest`, computed once per worker (the blob's
    content is its digest: verify and the blob cache check it)."""
    found = _CONTROLS.get(digest)
    if found is None:
        if len(_CONTROLS) > 10_000:
            _CONTROLS.clear()
        found = _CONTROLS[digest] = control_columns(results)
    return found


_SHARED: dict[Any, Any] = {}
# The row's texts that are built afresh for each entry and recur across entries (the control
# columns are shared already, one dict per results blob; titles, shas and hashes never recur).
REPEATED = (
    "repository",
    "author",
    "approvals",
    "approvals_not_counted",
    "merged_by",
    "required_checks",
    "iac_findings",
    "waivers",
    "verdict",
    "evaluated_at",
    "policy_digest",
    "exception",
    "merged_at",
)


def _shared(summary: Summary) -> Summary:
    """The summary with its repeated values (verdicts, statuses, logins, approval texts, control
    lists) as one object each in this worker, so a chunk's pickle, and the parent that holds
    100 000 rows, carries each once."""
    if len(_SHARED) > 100_000:
        _SHARED.clear()
    row = summary.row
    if row is not None:
        for key in REPEATED:
            value = row.get(key)
            if isinstance(value, str) and len(value) <= 400:
                row[key] = _SHARED.setdefault(value, value)
    controls = _SHARED.setdefault(summary.controls, summary.controls)  # shared already when memoised
    return summary if controls is summary.controls else replace(summary, controls=controls)


def attach(ledger: OpenLedger) -> None:
    """Move what the collector took from `ledger`'s report onto the ledger (summaries in sequence
    order, period entries); entries it did not take are read the old way. Raises CorruptEntryError
    (exit 1) at the first entry whose values cannot be put back, as reading it would."""
    collected = ledger.report.collected
    index = ledger.report.entry_index
    if len(collected) != len(index):
        return
    missing = [item for item, got in zip(index, collected, strict=True) if got is None]
    again = iter(read_chunk(str(ledger.git_dir), ledger.commit, missing)) if missing else iter(())
    summaries: list[Summary] = []
    period: list[PeriodEntry] = []
    for got in collected:
        if got is None:
            summaries.append(next(again))
            continue
        if got.failure:
            raise CorruptEntryError(got.failure, fix=got.fix)
        summaries.append(got.summary)
        if got.period is not None:
            period.append(got.period)
    ledger.report.collected = []
    ledger.summaries_read = summaries
    ledger.period_read = period if not missing else None  # coverage reads the few period entries itself then
