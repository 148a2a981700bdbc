"""The recorded population: one row per merged change, built in one pass over the ledger entries.

Which record is which:
- the *merge-time record* of a PR is its first `merge` entry (the record job's evaluation of the
  PR as it stood at merge). Later `merge` entries of the same PR (a scheduled backfill, or a
  re-record after a retrospective review) never replace it;
- the *gate* column shows the last `gate` entry of that PR appended before the merge-time record;
- an `exception` entry (a direct or force push the record job saw) is a row of its own.

Emergency changes (verdict `emergency`) are "awaiting retrospective review" until a later entry of
the same PR (any kind, appended after the merge-time record) carries an independent approval:
an APPROVED review submitted after `merged_at` by a non-bot reviewer with write access who is
not the PR author nor an author, committer or co-author of its commits. The record job records
such a follow-up with `changeproof record --kind merge` on the merged PR's fresh facts; no new
entry kind is needed, and the facts that prove the closure are signed like any other.

Rows are plain dicts of strings and numbers so CSV, JSON and HTML share one shape; the work is
done on the recorded JSON directly (no dataclass decoding) to stay fast at 100 000 entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from checker.errors import UsageError
from checker.evidence import LedgerEntry
from checker.model import WRITE_PERMISSIONS

AWAITING = "awaiting retrospective review"
BASE_COLUMNS = (
    "ledger", "ledger_status", "repository", "kind", "pr", "title", "author", "approvals", "merged_by", "merged_at",
    "merge_sha", "required_checks", "iac_findings", "waivers", "emergency", "verdict", "gate_verdict", "gate_seq",
    "exception", "seq", "entry_hash", "evaluated_at", "policy_digest",
)


def parse_time(text: str) -> datetime | None:
    """RFC 3339 (or a bare date) to an aware UTC datetime; None when empty or unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
        return (f"{self.start.strftime(fmt) if self.start else 'beginning'} .. "
                f"{self.end.strftime(fmt) if self.end else 'now'}")


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _short(sha: str) -> str:
    return sha[:12]


def approvals(facts: dict[str, Any]) -> list[dict[str, str]]:
    """APPROVED reviews still standing (the latest decisive review of each reviewer)."""
    latest: dict[str, dict[str, Any]] = {}
    for review in facts.get("reviews") or []:
        if review.get("state") in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[str(review.get("reviewer"))] = review
    return [{"reviewer": str(r.get("reviewer")), "at": str(r.get("submitted_at")), "sha": str(r.get("commit_id"))}
            for r in latest.values() if r.get("state") == "APPROVED"]


def required_checks(facts: dict[str, Any]) -> list[tuple[str, str]]:
    rules = facts.get("branch_rules") or {}
    found: dict[str, str] = {}
    for check in facts.get("checks") or []:
        conclusion = check.get("conclusion") or check.get("status") or ""
        found[str(check.get("name"))] = str(conclusion)
    return [(str(name), found.get(str(name), "missing")) for name in rules.get("required_status_checks") or []]


def iac_findings(facts: dict[str, Any]) -> list[str]:
    iac = facts.get("iac") or {}
    return [f"{f.get('check_id')} {f.get('file')}:{f.get('line_start')} ({f.get('severity')})"
            for f in iac.get("introduced") or []]


def _people(facts: dict[str, Any]) -> set[str]:
    people = {str(facts.get("author") or "").lower()}
    for commit in facts.get("commits") or []:
        for who in (commit.get("author"), commit.get("committer"), *(commit.get("co_authors") or [])):
            if isinstance(who, dict) and who.get("login"):
                people.add(str(who["login"]).lower())
    people.discard("")
    return people


def retrospective_approval(facts: dict[str, Any], merged_at: str, involved: set[str]) -> dict[str, str] | None:
    """The first independent approval submitted after the merge, if these facts hold one."""
    merged = parse_time(merged_at)
    if merged is None:
        return None
    involved = involved | _people(facts)
    for review in sorted(facts.get("reviews") or [], key=lambda r: str(r.get("submitted_at"))):
        when = parse_time(str(review.get("submitted_at") or ""))
        who = str(review.get("reviewer") or "")
        if (review.get("state") == "APPROVED" and when is not None and when > merged and who
                and who.lower() not in involved and not review.get("reviewer_is_bot")
                and review.get("reviewer_permission") in WRITE_PERMISSIONS):
            return {"reviewer": who, "at": str(review.get("submitted_at"))}
    return None


@dataclass
class Population:
    """Rows plus what the summary needs (controls seen, ledger statuses)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    ledgers: list[dict[str, Any]] = field(default_factory=list)
    period: str = ""

    def columns(self) -> list[str]:
        return [*BASE_COLUMNS, *(f"control:{c}" for c in self.controls)]


@dataclass
class _Builder:
    ledger: str
    ledger_status: str
    period: Period
    rows: list[dict[str, Any]]
    controls: dict[str, None]
    gates: dict[tuple[str, int], tuple[str, int, str]] = field(default_factory=dict)
    merged: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    involved: dict[tuple[str, int], set[str]] = field(default_factory=dict)

    def add(self, entry: LedgerEntry) -> None:
        p = entry.predicate
        kind = p.get("kind")
        if kind == "exception":
            self._exception(entry, p)
            return
        if kind not in ("gate", "merge"):
            return
        key = (str(p.get("repository")), int(p.get("pr") or 0))
        row = self.merged.get(key)
        facts = as_dict(p.get("facts"))
        if row is not None:  # a later entry of a merged PR: may close its emergency
            if row["emergency"] == AWAITING:
                closed = retrospective_approval(facts, row["merged_at"], self.involved.get(key, set()))
                if closed:
                    row["emergency"] = (f"closed: retrospective approval by {closed['reviewer']} at {closed['at']} "
                                        f"(entry {entry.seq})")
            return
        if kind == "gate":
            self.gates[key] = (str(p.get("verdict")), entry.seq, entry.entry_hash)
            return
        merge = facts.get("merge") or {}
        merged_at = str(merge.get("merged_at") or "")
        if not self.period.contains(merged_at or str(facts.get("observed_at") or "")):
            self.merged[key] = {"emergency": "", "merged_at": merged_at}  # out of period, still claims the PR
            return
        row = self._pr_row(entry, p, facts, key, merged_at)
        self.merged[key] = row
        self.involved[key] = _people(facts)
        self.rows.append(row)

    def _pr_row(self, entry: LedgerEntry, p: dict[str, Any], facts: dict[str, Any], key: tuple[str, int],
                merged_at: str) -> dict[str, Any]:
        evaluation = as_dict(p.get("evaluation"))
        merge = facts.get("merge") or {}
        gate = self.gates.get(key)
        verdict = str(p.get("verdict") or "")
        row: dict[str, Any] = {
            "ledger": self.ledger, "ledger_status": self.ledger_status, "repository": key[0], "kind": "pr",
            "pr": key[1], "title": str(facts.get("title") or ""), "author": str(facts.get("author") or ""),
            "approvals": "; ".join(f"{a['reviewer']} at {a['at']} on {_short(a['sha'])}" for a in approvals(facts)),
            "merged_by": str(merge.get("merged_by") or ""), "merged_at": merged_at,
            "merge_sha": str(merge.get("merge_commit_sha") or p.get("merge_sha") or ""),
            "required_checks": "; ".join(f"{n}={c}" for n, c in required_checks(facts)),
            "iac_findings": "; ".join(iac_findings(facts)),
            "waivers": "", "emergency": AWAITING if verdict == "emergency" else "",
            "verdict": verdict, "gate_verdict": gate[0] if gate else "none", "gate_seq": gate[1] if gate else "",
            "exception": "", "seq": entry.seq, "entry_hash": entry.entry_hash,
            "evaluated_at": str(evaluation.get("evaluated_at") or ""),
            "policy_digest": str((p.get("policy") or {}).get("digest", {}).get("sha256", "")),
        }
        waivers = []
        for result in evaluation.get("results") or []:
            control = str(result.get("control"))
            self.controls.setdefault(control, None)
            row[f"control:{control}"] = str(result.get("status"))
            waiver = result.get("waiver")
            if isinstance(waiver, dict):
                waivers.append(f"{control}: {waiver.get('reason')} (approved by {waiver.get('approved_by')}, "
                               f"expires {waiver.get('expires')})")
        row["waivers"] = "; ".join(waivers)
        return row

    def _exception(self, entry: LedgerEntry, p: dict[str, Any]) -> None:
        observed = str(p.get("observed_at") or "")
        if not self.period.contains(observed):
            return
        commits = [str(c) for c in p.get("commits") or []]
        self.rows.append({
            "ledger": self.ledger, "ledger_status": self.ledger_status, "repository": str(p.get("repository")),
            "kind": "exception", "pr": "", "title": f"{p.get('reason')}: {len(commits)} commit(s) without a PR",
            "author": "", "approvals": "", "merged_by": "", "merged_at": observed, "merge_sha": str(p.get("after")),
            "required_checks": "", "iac_findings": "", "waivers": "", "emergency": "", "verdict": "exception",
            "gate_verdict": "", "gate_seq": "", "exception": str(p.get("reason") or ""), "seq": entry.seq,
            "entry_hash": entry.entry_hash, "evaluated_at": observed, "policy_digest": "",
        })


def build_population(sources: Iterable[tuple[str, str, Iterable[LedgerEntry]]], period: Period,
                     progress: Callable[[int], None] | None = None) -> Population:
    """`sources` yields (ledger name, ledger status, entries) per ledger; one population for all."""
    population = Population(period=period.describe())
    controls: dict[str, None] = {}
    count = 0
    for name, status, entries in sources:
        builder = _Builder(name, status, period, population.rows, controls)
        for entry in entries:
            builder.add(entry)
            count += 1
            if progress and count % 1000 == 0:
                progress(1000)
        if progress:
            progress(count % 1000)
            count -= count % 1000
    population.controls = sorted(controls)
    return population
