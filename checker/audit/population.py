"""The recorded population: one row per merged change, built in one pass over the ledger entries.

Which record is which:
- the *merge-time record* of a PR is its first `merge` entry (the record job's evaluation of the
  PR as it stood at merge). Later `merge` entries of the same PR (a scheduled backfill, or a
  re-record after a retrospective review) never replace it;
- the *gate* column shows the last `gate` entry of that PR appended before the merge-time record;
- an `exception` entry (a direct or force push the record job saw) is a row of its own.

Emergency changes (verdict `emergency`) are "awaiting retrospective review" until a later entry of
the same PR (any kind, appended after the merge-time record) carries an approval submitted after
`merged_at` that the core's approval rule (`checker.approvals`, via `approval_summary`) counts:
independent of the PR's author, committers and co-authors, with write access, not an untrusted
bot, bound to the merged head. The record job records such a follow-up with
`changeproof record --kind merge` on the merged PR's fresh facts; no new entry kind is needed,
and the facts that prove the closure are signed like any other.

The `approvals` column lists the approvals the core's rule counts under the entry's recorded
policy; `approvals_not_counted` lists the other standing approvals with the core's reason.

Rows are plain dicts of strings and numbers so CSV, JSON and HTML share one shape; apart from the
approvals (decoded into the model for the core's rule), the work is done on the recorded JSON
directly to stay fast at 100 000 entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from checker.approvals import ApprovalOptions
from checker.audit.approval_summary import (
    NO_APPROVALS,
    STRICTEST,
    ApprovalSummary,
    retrospective_approval,
    summarise_approvals,
)
from checker.audit.times import parse_time
from checker.commit_fingerprint import recorded_commits
from checker.errors import UsageError
from checker.evidence import LedgerEntry

AWAITING = "awaiting retrospective review"
BASE_COLUMNS = (
    "ledger",
    "ledger_status",
    "repository",
    "kind",
    "pr",
    "title",
    "author",
    "approvals",
    "approvals_not_counted",
    "merged_by",
    "merged_at",
    "merge_sha",
    "required_checks",
    "iac_findings",
    "waivers",
    "emergency",
    "verdict",
    "gate_verdict",
    "gate_seq",
    "exception",
    "seq",
    "entry_hash",
    "evaluated_at",
    "policy_digest",
)


@dataclass(frozen=True)
class Period:
    """The review period, inclusive at both ends; a bare --to date covers that whole UTC day."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        def one(text: str | None, option: str, end_of_day: bool) -> datetime | None:
            if not text:
                return None
            value = parse_time(text)
            if value is None:
                raise UsageError(f"{option} {text!r} is not a date", fix=f"use {option} 2026-01-31 or an RFC 3339 time")
            if end_of_day and len(text) == 10:
                value = value.replace(hour=23, minute=59, second=59, microsecond=999999)
            return value

        period = cls(one(start, "--from", False), one(end, "--to", True))
        if period.start and period.end and period.start > period.end:
            raise UsageError(f"--from {start} is after --to {end}", fix="swap the two dates")
        return period

    def contains(self, when: str) -> bool:
        if self.start is None and self.end is None:
            return True
        value = parse_time(when)
        if value is None:
            return False
        return (self.start is None or value >= self.start) and (self.end is None or value <= self.end)

    def describe(self) -> str:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        return (
            f"{self.start.strftime(fmt) if self.start else 'beginning'} .. "
            f"{self.end.strftime(fmt) if self.end else 'now'}"
        )


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def required_checks(facts: dict[str, Any]) -> list[tuple[str, str]]:
    rules = facts.get("branch_rules") or {}
    found: dict[str, str] = {}
    for check in facts.get("checks") or []:
        conclusion = check.get("conclusion") or check.get("status") or ""
        found[str(check.get("name"))] = str(conclusion)
    return [(str(name), found.get(str(name), "missing")) for name in rules.get("required_status_checks") or []]


def iac_findings(facts: dict[str, Any]) -> list[str]:
    iac = facts.get("iac") or {}
    return [
        f"{f.get('check_id')} {f.get('file')}:{f.get('line_start')} ({f.get('severity')})"
        for f in iac.get("introduced") or []
    ]


@dataclass
class Population:
    """Rows plus what the summary needs (controls seen, ledger statuses)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    ledgers: list[dict[str, Any]] = field(default_factory=list)
    period: str = ""
    deployments: list[dict[str, Any]] = field(default_factory=list)  # see checker/audit/deployments.py
    deployment_gaps: list[dict[str, Any]] = field(default_factory=list)  # unobservable intervals, ditto
    coverage: list[dict[str, Any]] = field(default_factory=list)  # per repository, see audit/coverage.py

    def columns(self) -> list[str]:
        return [*BASE_COLUMNS, *(f"control:{c}" for c in self.controls)]


@dataclass(frozen=True)
class Summary:
    """What the population needs from one entry: small, picklable, computed in worker processes."""

    kind: str  # gate / merge / exception / other
    seq: int
    entry_hash: str
    key: tuple[str, int] = ("", 0)
    verdict: str = ""
    when: str = ""  # merged_at (PRs) or observed_at (exceptions)
    row: dict[str, Any] | None = None
    controls: tuple[str, ...] = ()
    approvals: ApprovalSummary = NO_APPROVALS
    commits: tuple[str, ...] | None = None  # merge: the PR's commit fingerprints (rebase merges)


ControlColumns = tuple[dict[str, str], str, tuple[str, ...]]


def control_columns(results: Any) -> ControlColumns:
    """From an evaluation's control results: each control's column (`control:NAME`), the waivers
    text and the controls in order. Pure in `results`, so one value serves every entry whose
    results are the same blob."""
    columns: dict[str, str] = {}
    waivers, controls = [], []
    for result in results or []:
        control = str(result.get("control"))
        controls.append(control)
        columns[f"control:{control}"] = str(result.get("status"))
        if as_dict(result.get("observed")).get("relaxed"):  # a rule weakened the independence defaults
            columns[f"control:{control}"] += " (relaxed)"
        waiver = result.get("waiver")
        if isinstance(waiver, dict):
            waivers.append(
                f"{control}: {waiver.get('reason')} (approved by {waiver.get('approved_by')}, "
                f"expires {waiver.get('expires')})"
            )
    return columns, "; ".join(waivers), tuple(controls)


def summarise(
    statement: dict[str, Any],
    seq: int,
    entry_hash: str,
    options: Callable[[str], ApprovalOptions] | None = None,
    approvals_of: Callable[[dict[str, Any], ApprovalOptions], ApprovalSummary] = summarise_approvals,
    controls_of: Callable[[Any], ControlColumns] = control_columns,
) -> Summary:
    """One entry reduced to what the population needs.

    `options` maps the entry's recorded policy digest to that policy's approval options; without
    it (or for an unreadable policy) the strictest options apply. `approvals_of` is the approval
    summary (an `ApprovalMemo` shares it between entries that record the same reviews), and
    `controls_of` the control columns (shared by entries whose results are one blob).
    """
    p = as_dict(statement.get("predicate"))
    kind = str(p.get("kind") or "")
    if kind == "exception":
        observed = str(p.get("observed_at") or "")
        commits = [str(c) for c in p.get("commits") or []]
        pr = p.get("pr") if isinstance(p.get("pr"), int) else ""  # a late or missing emergency retrospective
        exc_row = {
            "ledger": "",  # set by the population, in place (the row is not copied: 100 000 of them)
            "ledger_status": "",
            "repository": str(p.get("repository")),
            "kind": "exception",
            "pr": pr,
            "title": f"{p.get('reason')}: PR #{pr} (deadline {p.get('deadline')})"
            if pr
            else f"{p.get('reason')}: {len(commits)} commit(s) without a PR",
            "author": "",
            "approvals": "",
            "approvals_not_counted": "",
            "merged_by": "",
            "merged_at": observed,
            "merge_sha": str(p.get("after")),
            "required_checks": "",
            "iac_findings": "",
            "waivers": "",
            "emergency": "",
            "verdict": "exception",
            "gate_verdict": "",
            "gate_seq": "",
            "exception": str(p.get("reason") or ""),
            "seq": seq,
            "entry_hash": entry_hash,
            "evaluated_at": observed,
            "policy_digest": "",
        }
        return Summary("exception", seq, entry_hash, when=observed, row=exc_row)
    if kind not in ("gate", "merge"):
        return Summary("other", seq, entry_hash)
    key = (str(p.get("repository")), int(p.get("pr") or 0))
    facts = as_dict(p.get("facts"))
    digest = str(as_dict(as_dict(p.get("policy")).get("digest")).get("sha256", ""))
    approvals = approvals_of(facts, options(digest) if options else STRICTEST)
    verdict = str(p.get("verdict") or "")
    if kind == "gate":
        return Summary("gate", seq, entry_hash, key, verdict, approvals=approvals)
    merge = as_dict(facts.get("merge"))
    merged_at = str(merge.get("merged_at") or "")
    evaluation = as_dict(p.get("evaluation"))
    row: dict[str, Any] = {
        "ledger": "",  # set by the population, in place
        "ledger_status": "",
        "repository": key[0],
        "kind": "pr",
        "pr": key[1],
        "title": str(facts.get("title") or ""),
        "author": str(facts.get("author") or ""),
        "approvals": approvals.error or "; ".join(a.describe() for a in approvals.valid),
        "approvals_not_counted": "; ".join(a.describe() for a in approvals.not_counted),
        "merged_by": str(merge.get("merged_by") or ""),
        "merged_at": merged_at,
        "merge_sha": str(merge.get("merge_commit_sha") or p.get("merge_sha") or ""),
        "required_checks": "; ".join(f"{n}={c}" for n, c in required_checks(facts)),
        "iac_findings": "; ".join(iac_findings(facts)),
        "waivers": "",
        "emergency": AWAITING if verdict == "emergency" else "",
        "verdict": verdict,
        "exception": "",
        "seq": seq,
        "entry_hash": entry_hash,
        "evaluated_at": str(evaluation.get("evaluated_at") or ""),
        "policy_digest": digest,
    }
    columns, row["waivers"], controls = controls_of(evaluation.get("results"))
    row.update(columns)
    return Summary(
        "merge",
        seq,
        entry_hash,
        key,
        verdict,
        merged_at or str(facts.get("observed_at") or ""),
        row,
        controls,
        approvals,
        recorded_commits(facts),
    )


@dataclass
class _Builder:
    """Stitches summaries together in ledger order (gates before merges, follow-ups after)."""

    ledger: str
    ledger_status: str
    period: Period
    rows: list[dict[str, Any]]
    controls: dict[str, None]
    gates: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    merged: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def add(self, s: Summary) -> None:
        if s.kind == "exception":
            if s.row is not None and self.period.contains(s.when):
                s.row["ledger"], s.row["ledger_status"] = self.ledger, self.ledger_status
                self.rows.append(s.row)
            return
        if s.kind not in ("gate", "merge"):
            return
        row = self.merged.get(s.key)
        if row is not None:  # a later entry of a merged PR: may close its emergency
            if row["emergency"] == AWAITING:
                closed = retrospective_approval(s.approvals, row["merged_at"])
                if closed:
                    row["emergency"] = (
                        f"closed: retrospective approval by {closed.reviewer} at {closed.submitted_at} (entry {s.seq})"
                    )
            return
        if s.kind == "gate":
            self.gates[s.key] = (s.verdict, s.seq)
            return
        assert s.row is not None
        if not self.period.contains(s.when):
            self.merged[s.key] = {"emergency": "", "merged_at": s.row["merged_at"]}  # out of period, claims the PR
            return
        gate = self.gates.get(s.key)
        row = s.row  # completed in place, keys in the same order as a copy would have them
        row["ledger"], row["ledger_status"] = self.ledger, self.ledger_status
        row["gate_verdict"] = gate[0] if gate else "none"
        row["gate_seq"] = gate[1] if gate else ""
        for control in s.controls:
            self.controls.setdefault(control, None)
        self.merged[s.key] = row
        self.rows.append(row)


def build_population(
    sources: Iterable[tuple[str, str, Iterable[LedgerEntry] | Iterable[Summary]]],
    period: Period,
    progress: Callable[[int], None] | None = None,
    options: Callable[[str], ApprovalOptions] | None = None,
) -> Population:
    """`sources` yields (ledger name, ledger status, entries or summaries) per ledger; one population for all.

    `options` (policy digest -> approval options) is used for raw entries; summaries carry theirs.
    """
    population = Population(period=period.describe())
    controls: dict[str, None] = {}
    for name, status, items in sources:
        builder = _Builder(name, status, period, population.rows, controls)
        done = 0
        for item in items:
            builder.add(
                item if isinstance(item, Summary) else summarise(item.statement, item.seq, item.entry_hash, options)
            )
            done += 1
            if progress and done % 1000 == 0:
                progress(1000)
        if progress:
            progress(done % 1000)
    population.controls = sorted(controls)
    return population
