"""Intervals in which the record job could not see the deployments to an environment.

When the deployments API (or a deployment's statuses) cannot be read, the record job appends a
`deployment/v1` entry of kind `deployments-unobservable`: the environment, `since` (the time of the
last deployment to it the ledger recorded from GitHub; null when none was) and `until` (the run's
time), and why. Deployments in between may be missing from the ledger, so the export reports the
interval beside the figure ("N of M production deployments traced; deployments unobservable from X
to Y") and never reads it as complete. Consecutive entries of one environment (every scheduled
run that failed) merge into one interval. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checker.audit.times import parse_time

KIND = "deployments-unobservable"


@dataclass(frozen=True)
class Unobserved:
    """One record job run that could not list the deployments to `environment`."""

    repository: str
    environment: str
    since: str | None  # the last deployment to the environment recorded before; None: none was
    until: str  # the run's time
    reasons: tuple[str, ...]
    seq: int = -1
    entry_hash: str = ""


def unobserved_json(u: Unobserved) -> dict[str, Any]:
    return {
        "kind": KIND,
        "repository": u.repository,
        "environment": u.environment,
        "since": u.since,
        "until": u.until,
        "reasons": list(u.reasons),
    }


def unobserved_from(predicate: dict[str, Any], seq: int, entry_hash: str) -> Unobserved:
    since, reasons = predicate.get("since"), predicate.get("reasons")
    return Unobserved(
        repository=str(predicate.get("repository") or ""),
        environment=str(predicate.get("environment") or ""),
        since=str(since) if since else None,
        until=str(predicate.get("until") or ""),
        reasons=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
        seq=seq,
        entry_hash=entry_hash,
    )


def _before(a: str | None, b: str | None) -> bool:
    """a <= b, where None is the beginning of time; an unparseable time sorts first (widest interval)."""
    if a is None:
        return True
    if b is None:
        return False
    ta, tb = parse_time(a), parse_time(b)
    return ta is None or (tb is not None and ta <= tb)


def intervals(items: Iterable[Unobserved]) -> list[dict[str, Any]]:
    """The merged intervals per (repository, environment), in ledger order."""
    out: list[dict[str, Any]] = []
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for u in items:
        key = (u.repository, u.environment)
        open_ = last.get(key)
        if open_ is not None and _before(u.since, open_["to"]):  # overlaps the interval before
            if _before(u.since, open_["from"]):
                open_["from"] = u.since
            if not _before(u.until, open_["to"]):
                open_["to"] = u.until
            open_["runs"] += 1
            open_["reasons"] = list(dict.fromkeys([*open_["reasons"], *u.reasons]))
            open_["seqs"].append(u.seq)
            continue
        interval = {
            "repository": u.repository,
            "environment": u.environment,
            "from": u.since,
            "to": u.until,
            "runs": 1,
            "reasons": list(u.reasons),
            "seqs": [u.seq],
        }
        last[key] = interval
        out.append(interval)
    return out


def overlaps(interval: dict[str, Any], start: Any, end: Any) -> bool:
    """Whether an interval touches the period [start, end] (datetimes or None)."""
    since, until = parse_time(interval["from"] or ""), parse_time(interval["to"] or "")
    if start is not None and until is not None and until < start:
        return False
    return not (end is not None and since is not None and since > end)


def describe(interval: dict[str, Any]) -> str:
    since = interval["from"]
    start = f"from {since}" if since else "from the first deployment (none recorded before)"
    return f"deployments unobservable {start} to {interval['to']}"
