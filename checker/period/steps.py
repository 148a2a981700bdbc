"""The scheduled run's period steps, one repository at a time: bypasses, retrospectives, posture.

Each step reads what it needs from the ledger (the previous posture, the bypasses already
recorded, emergency merges still awaiting review), asks GitHub (GET only, through
`PostureCollector`), and appends signed entries. Settings arrive as parameters; the clock is
the `now` argument, so simulated days in tests are real runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from checker import policy as policies
from checker.errors import PolicyError, UsageError
from checker.evidence import LedgerEntry, read_entries
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.posture_record import (
    LATE,
    OVERDUE,
    RETROSPECTIVE_SOURCE,
    posture_digest,
    record_bypass,
    record_posture,
    record_retrospective,
    record_retrospective_exception,
)
from checker.evidence.posture_record import (
    PeriodRun as PeriodRun,  # (where a scheduled run writes; re-exported for the jobs)
)
from checker.evidence.statement import POSTURE_PREDICATE, RETROSPECTIVE_PREDICATE
from checker.github.collector import Collector
from checker.github.posture import PostureCollector, PostureSettings
from checker.model import Policy
from checker.period.diff import differences
from checker.period.evaluate import evaluate_posture
from checker.period.retrospective import closing_approval, involved, moment

BYPASS_WINDOW = timedelta(days=7)  # GitHub's time_period=week: older rule suites cannot be read back
DEFAULT_REVIEW_DAYS = 5


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LedgerState:
    """What the period steps need from the ledger so far."""

    previous: dict[str, Any] | None = None  # the last posture (as recorded)
    previous_seq: int = -1
    previous_digest: str = ""
    bypass_ids: set[int] = field(default_factory=set)
    merges: list[LedgerEntry] = field(default_factory=list)  # merge records after the previous posture
    emergencies: dict[int, LedgerEntry] = field(default_factory=dict)  # PR -> merge-time record
    closed: set[int] = field(default_factory=set)
    flagged: set[int] = field(default_factory=set)  # PRs with a late/overdue retrospective exception


def read_state(ledger: str, branch: str, token: Token = AMBIENT_TOKEN) -> LedgerState:
    state = LedgerState()
    try:
        entries = list(read_entries(ledger, branch, token=token))
    except UsageError:  # no ledger branch yet: nothing recorded so far
        return state
    for e in entries:
        p = e.predicate
        kind = p.get("kind")
        if e.predicate_type == POSTURE_PREDICATE:
            state.previous, state.previous_seq = p.get("posture"), e.seq
            state.previous_digest = str((p.get("digest") or {}).get("sha256") or "")
            state.merges = []
        elif e.predicate_type == RETROSPECTIVE_PREDICATE:
            state.closed.add(int(p.get("pr") or 0))
        elif kind == "exception" and p.get("source") == RETROSPECTIVE_SOURCE:
            state.flagged.add(int(p.get("pr") or 0))
        elif kind == "exception" and p.get("reason") == "bypass" and isinstance(p.get("rule_suite_id"), int):
            state.bypass_ids.add(int(p["rule_suite_id"]))
        elif kind == "merge":
            state.merges.append(e)
            pr = int(p.get("pr") or 0)
            if p.get("verdict") == "emergency" and pr not in state.emergencies:
                state.emergencies[pr] = e
    return state


def load_policy(collector: Collector, repository: str, path: str, branch: str) -> Policy:
    """The audited repository's policy at the branch head (baseline when absent or broken)."""
    found = collector.read_file(repository, path, branch)
    if found.state != "present" or found.content is None:
        return policies.profile("baseline")
    try:
        return policies.load_text(found.content, f"{path}@{branch}")
    except PolicyError:
        return policies.profile("baseline")


def gate_changes(previous: dict[str, Any] | None, posture: dict[str, Any], merges: list[LedgerEntry]) -> Any:
    """Gate files whose digest changed since the previous posture, with the merge records that touched them."""
    if previous is None:
        return None

    def files(p: dict[str, Any]) -> dict[str, dict[str, Any]]:
        f = (p.get("config") or {}).get("files") or {}
        out = {"policy": f.get("policy"), "codeowners": f.get("codeowners")}
        out.update({f"workflow:{k}": v for k, v in (f.get("workflows") or {}).items()})
        return {k: v for k, v in out.items() if isinstance(v, dict)}

    before, after = files(previous), files(posture)
    out = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key) or {}, after.get(key) or {}
        if b.get("sha256") == a.get("sha256") and b.get("state") == a.get("state"):
            continue
        path = str(a.get("path") or b.get("path"))
        touching = []
        for m in merges:
            facts = m.predicate.get("facts") or {}
            paths = {str(x.get("path")) for x in facts.get("files") or []}
            paths |= {str(x.get("previous_path")) for x in facts.get("files") or [] if x.get("previous_path")}
            if path in paths:
                touching.append(
                    {
                        "pr": m.predicate.get("pr"),
                        "seq": m.seq,
                        "verdict": m.predicate.get("verdict"),
                        "entry_hash": m.entry_hash,
                    }
                )
        out.append(
            {
                "path": path,
                "before": b.get("sha256"),
                "after": a.get("sha256"),
                "state": a.get("state"),
                "merges": touching,
            }
        )
    return out


def run_bypasses(
    collector: PostureCollector, repository: str, branch: str, run: PeriodRun, state: LedgerState, now: datetime
) -> dict[str, Any]:
    """Record each new bypass GitHub saw in the last week; say when coverage has a gap."""
    found = collector.bypasses(repository, branch)
    window_from = now - BYPASS_WINDOW
    scan: dict[str, Any] = {"readable": found is not None, "from": iso(window_from), "to": iso(now), "recorded": 0}
    last = moment(str((state.previous or {}).get("collected_at") or ""))
    if last is not None and last < window_from:
        scan["gap"] = {"from": iso(last), "to": iso(window_from), "why": "more than 7 days since the last run"}
    for b in found or []:
        if b["rule_suite_id"] in state.bypass_ids:
            continue
        record_bypass(repository, b, observed_at=iso(now), run=run)
        state.bypass_ids.add(b["rule_suite_id"])
        scan["recorded"] += 1
    return scan


def run_retrospectives(
    collector: PostureCollector, repository: str, run: PeriodRun, state: LedgerState, now: datetime, policy: Policy
) -> dict[str, Any]:
    """Close emergency merges that now have an independent approval given after the merge; an
    emergency whose deadline passed without one (or whose approval came after it) becomes an
    exception entry, once."""
    settings = policy.controls.get("emergency_change")
    days = int((settings.params if settings else {}).get("review_within_days", DEFAULT_REVIEW_DAYS))
    scan: dict[str, Any] = {"awaiting": 0, "closed": 0, "overdue": [], "exceptions": 0}
    for pr, entry in sorted(state.emergencies.items()):
        if pr in state.closed:
            continue
        facts = entry.predicate.get("facts") or {}
        merged_at = str((facts.get("merge") or {}).get("merged_at") or "")
        merged = moment(merged_at)
        if merged is None:
            continue
        deadline = merged + timedelta(days=days)
        approval = closing_approval(collector.reviews(repository, pr), merged_at, involved(facts))
        late = {
            "pr": pr,
            "merged_at": merged_at,
            "merge_sha": (facts.get("merge") or {}).get("merge_commit_sha"),
            "original": {"seq": entry.seq, "entry_hash": entry.entry_hash},
            "review_within_days": days,
            "deadline": iso(deadline),
        }
        if approval is None:
            scan["awaiting"] += 1
            if now > deadline:
                scan["overdue"].append({"pr": pr, "merged_at": merged_at, "deadline": iso(deadline)})
                scan["exceptions"] += _flag(repository, {**late, "reason": OVERDUE}, run, state, now)
            continue
        approved = moment(str(approval["submitted_at"]))
        closure = {
            "pr": pr,
            "merged_at": merged_at,
            "original": late["original"],
            "approval": {
                "reviewer": approval["reviewer"],
                "submitted_at": approval["submitted_at"],
                "permission": approval.get("reviewer_permission"),
                "commit_id": approval.get("commit_id"),
            },
            "review_within_days": days,
            "deadline": iso(deadline),
            "in_time": approved is not None and approved <= deadline,
        }
        record_retrospective(repository, closure, observed_at=iso(now), run=run)
        state.closed.add(pr)
        scan["closed"] += 1
        if not closure["in_time"]:
            scan["exceptions"] += _flag(
                repository, {**late, "reason": LATE, "approval": closure["approval"]}, run, state, now
            )
    return scan


def _flag(repository: str, late: dict[str, Any], run: PeriodRun, state: LedgerState, now: datetime) -> int:
    """Append the late/overdue exception of one emergency merge unless it has one (1 if appended)."""
    if late["pr"] in state.flagged:
        return 0
    record_retrospective_exception(repository, late, observed_at=iso(now), run=run)
    state.flagged.add(late["pr"])
    return 1


def run_posture(
    collector: PostureCollector,
    settings: PostureSettings,
    run: PeriodRun,
    state: LedgerState,
    now: datetime,
    *,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Collect, judge and record the posture; returns the recorded summary."""
    since = str(state.previous.get("collected_at")) if state.previous else None
    posture = collector.collect(settings, collected_at=iso(now), since=since)
    posture["gate_changes"] = gate_changes(state.previous, posture, state.merges)
    posture.update(extra or {})
    policy = load_policy(collector.files, settings.repository, settings.policy_path, posture["config"]["branch"])
    results = evaluate_posture(policy, posture)
    diff = differences(state.previous, posture)
    appended = record_posture(
        posture,
        policy,
        previous_digest=state.previous_digest,
        results=results,
        differences=diff,
        ledger=run.ledger,
        branch=run.branch,
        signer=run.signer,
        token=run.token,
        context=run.context,
        repository=run.origin or None,
    )
    return {
        "seq": appended.seq,
        "digest": posture_digest(posture),
        "changed": state.previous_digest != posture_digest(posture),
        "results": {r["control"]: r["status"] for r in results},
        "weakenings": [c for c in diff["changes"] if c["weakening"]],
        "unobservable": posture["unobservable"],
    }


def run_period_steps(
    collector: PostureCollector, settings: PostureSettings, run: PeriodRun, now: datetime
) -> dict[str, Any]:
    """Bypasses, retrospectives, then the posture (which records what the other two could see)."""
    state = read_state(run.ledger, run.branch, run.token)
    meta = collector.api.get(f"/repos/{settings.repository}", what=f"the repository {settings.repository}")
    branch = settings.branch or str(meta.get("default_branch") or "main")
    bypass = run_bypasses(collector, settings.repository, branch, run, state, now)
    policy = load_policy(collector.files, settings.repository, settings.policy_path, branch)
    retro = run_retrospectives(collector, settings.repository, run, state, now, policy)
    posture = run_posture(
        collector, settings, run, state, now, extra={"bypass_scan": bypass, "retrospective_scan": retro}
    )
    return {"repository": settings.repository, "bypasses": bypass, "retrospectives": retro, "posture": posture}
