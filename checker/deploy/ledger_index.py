"""What the ledger says about each commit: its merge record (seq, entry hash, verdict) or exception.

Built in one pass over the ledger's statements with the audit population's own reading of merge
records (`summarise`): the merge-time record of a PR is its first `merge` entry, and an emergency
counts as closed once a later entry of the same PR carries an independent retrospective approval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker.audit.approval_summary import retrospective_approval
from checker.audit.population import Summary, as_dict, summarise


@dataclass
class MergeRecord:
    pr: int
    seq: int
    entry_hash: str
    verdict: str
    merged_at: str
    emergency_closed_by: str = ""  # "reviewer at time (entry N)" once closed
    commits: tuple[str, ...] | None = None  # the PR's commit fingerprints; None: the record cannot say


@dataclass
class ExceptionRecord:
    seq: int
    entry_hash: str
    reason: str


@dataclass
class LedgerIndex:
    merges: dict[str, MergeRecord] = field(default_factory=dict)  # merge sha -> merge-time record
    exceptions: dict[str, ExceptionRecord] = field(default_factory=dict)  # commit sha -> exception
    _by_pr: dict[tuple[str, int], MergeRecord] = field(default_factory=dict)

    def add(self, seq: int, entry_hash: str, statement: dict[str, Any]) -> None:
        predicate = as_dict(statement.get("predicate"))
        kind = predicate.get("kind")
        if kind == "exception":
            commits = [str(c) for c in predicate.get("commits") or []]
            after = str(predicate.get("after") or "")
            for sha in [*commits, after]:
                if sha:
                    self.exceptions.setdefault(sha, ExceptionRecord(seq, entry_hash, str(predicate.get("reason"))))
            return
        if kind in ("gate", "merge"):
            self.add_summary(summarise(statement, seq, entry_hash))

    def add_summary(self, s: Summary) -> None:
        """A gate or merge entry, as the export's population pass already summarised it."""
        if s.kind not in ("gate", "merge"):
            return
        record = self._by_pr.get(s.key)
        if record is not None:
            if record.verdict == "emergency" and not record.emergency_closed_by:
                closed = retrospective_approval(s.approvals, record.merged_at)
                if closed:
                    record.emergency_closed_by = f"{closed.reviewer} at {closed.submitted_at} (entry {s.seq})"
            return
        if s.kind != "merge" or s.row is None:
            return
        record = MergeRecord(s.key[1], s.seq, s.entry_hash, s.verdict, str(s.row["merged_at"]), commits=s.commits)
        self._by_pr[s.key] = record
        if s.row["merge_sha"]:
            self.merges.setdefault(str(s.row["merge_sha"]), record)

    def __contains__(self, sha: object) -> bool:
        return sha in self.merges or sha in self.exceptions

    @classmethod
    def of(cls, entries: Iterable[tuple[int, str, dict[str, Any]]]) -> LedgerIndex:
        index = cls()
        for seq, digest, statement in entries:
            index.add(seq, digest, statement)
        return index
