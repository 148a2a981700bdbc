"""Coverage per repository: did the controls operate over the whole period, from signed evidence?

For each ledger: how many days of the period a trusted posture entry observed (bounded by a
witness or Rekor time) or merely self-asserted, every posture change and weakening with who
and when, the enforcement gaps rebuilt from ruleset history, the bypasses GitHub recorded
(`null` when rule suites were never readable), emergency changes closed in time, late or still
open, changes to the gate itself, and what could not be observed, from when to when. All UTC.
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from checker.audit.ledgers import OpenLedger
from checker.audit.population import Period, Population
from checker.evidence import blobs, layout
from checker.evidence.access import blob_cache
from checker.evidence.gitio import Git
from checker.evidence.keys import TrustedKey
from checker.evidence.ledger import entry_hash
from checker.evidence.posture_verify import PeriodTrust, classify
from checker.period.retrospective import moment as parse_time

MARKERS = (
    b"attestation/posture/v1",
    b"attestation/retrospective/v1",
    b'"reason":"bypass"',
    b'"source":"retrospectives"',
)
CHANGE_KEYS = ("at", "ruleset_id", "field", "before", "after", "actor")
BYPASS_KEYS = ("at", "actor", "ref", "before_sha", "after_sha", "rule_suite_id")


@dataclass(frozen=True)
class PeriodOptions:
    """The auditor's trust for period entries: posture keys and witnessed times (seq -> time) per ledger."""

    posture_keys: tuple[TrustedKey, ...] = ()
    witness_times: dict[str, dict[int, str]] | None = None
    keyless_trusted: bool = False


def period_entries(ledger: OpenLedger) -> list[tuple[int, dict[str, Any], dict[str, Any], str]]:
    """(seq, statement, bundle, entry hash) of the ledger's posture, bypass and retrospective entries."""
    if ledger.period_read is not None:  # taken beside verification (checker/audit/collect.py)
        return ledger.period_read
    git = Git(ledger.git_dir)
    index = sorted(
        (int(v), oid)
        for path, oid in git.ls_tree_recursive(ledger.commit)
        for kind, v in [layout.classify(path)]
        if kind == "entry" and isinstance(v, int) and not oid.startswith("!")
    )
    out = []
    cache = blob_cache(git, ledger.commit)  # format 2 statements get their values back
    for start in range(0, len(index), 2000):
        chunk = index[start : start + 2000]
        for (seq, _), data in zip(chunk, git.cat_blobs([o for _, o in chunk]), strict=True):
            try:
                raw = orjson.loads(data)
                payload = base64.b64decode(raw["dsseEnvelope"]["payload"])
            except (ValueError, KeyError, TypeError):
                continue  # verify reports corrupt entries
            if any(m in payload for m in MARKERS):
                statement = orjson.loads(payload)
                if isinstance(statement.get("predicate"), dict):
                    statement["predicate"] = blobs.expand(statement["predicate"], cache, f"entry {seq}")
                out.append((seq, statement, raw, entry_hash(data)))
    return out


def _days(period: Period, times: list[datetime]) -> list[date]:
    start = period.start or (min(times) if times else None)
    end = period.end or (max(times) if times else None)
    if start is None or end is None:
        return []
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _iso_day(d: date, end: bool = False) -> str:
    return f"{d.isoformat()}T23:59:59Z" if end else f"{d.isoformat()}T00:00:00Z"


def compute(
    repository: str,
    period: Period,
    entries: list[tuple[int, dict[str, Any], dict[str, Any], str]],
    trust: PeriodTrust,
    emergency_rows: Iterable[dict[str, Any]],
) -> dict[str, Any]:
    """The coverage of one repository (pure: everything comes from the entries passed in)."""
    postures: list[tuple[int, dict[str, Any], str]] = []
    bypass_entries: list[tuple[int, dict[str, Any], str]] = []
    retros: list[tuple[int, dict[str, Any], str]] = []
    late: list[tuple[int, dict[str, Any], str]] = []  # exception entries of late or missing retrospectives
    lists = {"posture": postures, "bypass": bypass_entries, "retrospective": retros, "retrospective_exception": late}
    for seq, statement, _, digest in entries:
        if seq not in trust.trusted:
            continue
        lists[trust.trusted[seq].kind].append((seq, statement.get("predicate") or {}, digest))
    times = [t for _, p, _ in postures if (t := parse_time(str(p.get("observed_at") or ""))) is not None]
    days = _days(period, times)
    observed: set[date] = set()
    asserted: set[date] = set()
    for seq, p, _ in postures:
        when = parse_time(str(p.get("observed_at") or ""))
        if when is None:
            continue
        (observed if trust.trusted[seq].trusted_time else asserted).add(when.astimezone(UTC).date())
    asserted -= observed
    in_days = set(days)
    unobservable: list[dict[str, Any]] = []
    missing = [d for d in days if d not in observed and d not in asserted]
    for a, b in _ranges(missing):
        unobservable.append(
            {
                "what": "posture",
                "why": "no posture entry from the trusted posture key on these days (no run, or another key)",
                "from": _iso_day(a),
                "to": _iso_day(b, True),
            }
        )
    in_period = [(s, p, d) for s, p, d in postures if period.contains(str(p.get("observed_at") or ""))]
    unobservable += _posture_gaps(in_period)
    changes, weakenings, gaps, gate = [], [], [], []
    for _, p, _ in in_period:
        diff = p.get("differences") or {}
        for c in diff.get("changes") or []:
            item = {k: c.get(k) for k in CHANGE_KEYS}
            changes.append(item)
            if c.get("weakening"):
                weakenings.append({**item, "why": c["weakening"]})
        gaps += [dict(g) for g in diff.get("enforcement_gaps") or []]
        for r in p.get("results") or []:
            if r.get("control") == "gate_integrity" and (r.get("observed") or {}).get("changes"):
                for g in r["observed"]["changes"]:
                    gate.append({"at": p.get("observed_at"), "status": r.get("status"), **g})
    readable = [bool(((p.get("posture") or {}).get("bypass_scan") or {}).get("readable")) for _, p, _ in in_period]
    bypasses: list[dict[str, Any]] | None = None
    if any(readable):
        bypasses = sorted(
            (
                {
                    "at": p.get("pushed_at"),
                    "actor": p.get("actor"),
                    "ref": p.get("ref"),
                    "before_sha": p.get("before"),
                    "after_sha": p.get("after"),
                    "rule_suite_id": p.get("rule_suite_id"),
                }
                for _, p, _ in bypass_entries
                if period.contains(str(p.get("pushed_at") or ""))
            ),
            key=lambda b: (str(b["at"]), int(b["rule_suite_id"] or 0)),
        )
    return {
        "repository": repository,
        "days_in_period": len(days),
        "days_observed": len(observed & in_days),
        "days_self_asserted": len(asserted & in_days),
        "days": {
            "first": days[0].isoformat() if days else None,
            "observed": sorted(d.isoformat() for d in observed & in_days),
            "self_asserted": sorted(d.isoformat() for d in asserted & in_days),
        },
        "posture_changes": changes,
        "weakenings": weakenings,
        "enforcement_gaps": gaps,
        "bypasses": bypasses,
        "emergencies": _emergencies(emergency_rows, retros, late, period),
        "gate_integrity_changes": gate,
        "unobservable": unobservable,
        "untrusted_period_entries": trust.untrusted,
    }


def _posture_gaps(postures: list[tuple[int, dict[str, Any], str]]) -> list[dict[str, Any]]:
    """What each posture could not read, merged into runs from the first to the last posture that said so."""
    spans: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str]] = []
    for _, p, _ in postures:
        posture = p.get("posture") or {}
        at = str(p.get("observed_at") or "")
        items = list(posture.get("unobservable") or [])
        scan = posture.get("bypass_scan") or {}
        if scan and not scan.get("readable"):
            items.append({"what": "rule suites (bypasses)", "why": "GitHub refused the rule suites to this token"})
        if scan.get("gap"):
            gap = scan["gap"]
            key = ("bypasses", f"{gap['why']}: {gap['from']} .. {gap['to']} cannot be read back")
            spans.setdefault(key, [gap["from"], gap["to"]])
            if key not in order:
                order.append(key)
        for u in items:
            key = (str(u.get("what")), str(u.get("why")))
            if key not in spans:
                spans[key] = [at, at]
                order.append(key)
            spans[key][1] = at
    return [{"what": w, "why": y, "from": spans[(w, y)][0], "to": spans[(w, y)][1]} for w, y in order]


def _emergencies(
    rows: Iterable[dict[str, Any]],
    retros: list[tuple[int, dict[str, Any], str]],
    late: list[tuple[int, dict[str, Any], str]],
    period: Period,
) -> dict[str, Any]:
    """Each emergency merge of the period: closed in time, closed late, or open. A merge with a
    late/overdue exception entry is never counted as closed in time."""
    closures = {int(p.get("pr") or 0): p for _, p, _ in retros}
    flagged = {
        int(p.get("pr") or 0): {"seq": s, "reason": p.get("reason"), "at": p.get("observed_at")} for s, p, _ in late
    }
    out: dict[str, Any] = {"closed_in_time": 0, "closed_late": 0, "open": 0, "items": []}
    for row in rows:
        if (
            row.get("kind") != "pr"
            or row.get("verdict") != "emergency"
            or not period.contains(str(row.get("merged_at")))
        ):
            continue
        closure = closures.get(int(row.get("pr") or 0))
        exception = flagged.get(int(row.get("pr") or 0))
        in_time = bool(closure and closure.get("in_time")) and exception is None
        state = "open" if closure is None else "closed_in_time" if in_time else "closed_late"
        out[state] += 1
        out["items"].append(
            {
                "pr": row.get("pr"),
                "merged_at": row.get("merged_at"),
                "state": state,
                "entry": {"seq": row.get("seq"), "entry_hash": row.get("entry_hash")},
                "approval": (closure or {}).get("approval"),
                "deadline": (closure or {}).get("deadline"),
                "exception": exception,
            }
        )
    return out


def witnessed_times(report: Any, seqs: list[int]) -> dict[int, str]:
    """seq -> earliest witness cosignature time, from a verify report that checked witnesses.

    (`VerifyReport.witnessed_time` comes with witness verification; without it nothing is witnessed.)
    """
    lookup = getattr(report, "witnessed_time", None)
    if not callable(lookup):
        return {}
    return {s: str(t) for s in seqs if (t := lookup(s))}


def coverage_for(
    ledgers: list[OpenLedger], population: Population, period: Period, options: PeriodOptions
) -> list[dict[str, Any]]:
    """One coverage document per ledger (a ledger records one repository)."""
    out = []
    for ledger in ledgers:
        entries = period_entries(ledger)
        witness = dict((options.witness_times or {}).get(ledger.name, {}))
        witness.update(witnessed_times(ledger.report, [s for s, _, _, _ in entries]))
        trust = classify(
            ((s, st, raw) for s, st, raw, _ in entries),
            list(options.posture_keys),
            witness,
            keyless_trusted=options.keyless_trusted,
        )
        repos = {str(st.get("predicate", {}).get("repository")) for _, st, _, _ in entries}
        rows = [r for r in population.rows if r.get("ledger") == ledger.name]
        repository = sorted(repos)[0] if repos else (str(rows[0].get("repository")) if rows else ledger.name)
        out.append(
            {"ledger": ledger.name, "branch": ledger.branch, **compute(repository, period, entries, trust, rows)}
        )
    return out


# ------------------------------------------------------------------------------------ writers
SUMMARY_COLUMNS = (
    "repository",
    "ledger",
    "days_in_period",
    "days_observed",
    "days_self_asserted",
    "posture_changes",
    "weakenings",
    "bypasses",
    "emergencies_closed_in_time",
    "emergencies_closed_late",
    "emergencies_open",
    "gate_integrity_changes",
    "unobservable",
)


def csv_rows(coverage: list[dict[str, Any]]) -> list[list[Any]]:
    """One row per repository: counts, and the details as JSON cells."""
    rows: list[list[Any]] = [list(SUMMARY_COLUMNS)]
    for c in coverage:
        e = c["emergencies"]
        rows.append(
            [
                c["repository"],
                c["ledger"],
                c["days_in_period"],
                c["days_observed"],
                c["days_self_asserted"],
                json.dumps(c["posture_changes"]),
                json.dumps(c["weakenings"]),
                "null" if c["bypasses"] is None else json.dumps(c["bypasses"]),
                e["closed_in_time"],
                e["closed_late"],
                e["open"],
                json.dumps(c["gate_integrity_changes"]),
                json.dumps(c["unobservable"]),
            ]
        )
    return rows


def coverage_csv_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}-coverage.csv")


def write_csv(coverage: list[dict[str, Any]], out: Path) -> Path:
    from checker.audit.cells import neutralise

    path = coverage_csv_path(out)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[neutralise(v) for v in row] for row in csv_rows(coverage)])
    return path


def timeline_svg(c: dict[str, Any], width: int = 720) -> str:
    """An inline SVG timeline of one repository's period: observed, self-asserted, gaps, events."""
    from html import escape

    days = c["days_in_period"]
    if not days:
        return ""
    start = _first_day(c)
    step = width / days
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="coverage-timeline" width="{width}" height="46" '
        f'role="img" aria-label="coverage of {escape(str(c["repository"]))}">'
    ]
    marks = {"observed": "#2e7d32", "self-asserted": "#f9a825", "gap": "#c62828"}
    observed_days = set(c["days"]["observed"])
    asserted_days = set(c["days"]["self_asserted"])
    for i in range(days):
        d = (start + timedelta(days=i)).isoformat() if start else str(i)
        state = "observed" if d in observed_days else "self-asserted" if d in asserted_days else "gap"
        parts.append(
            f'<rect x="{i * step:.1f}" y="4" width="{max(step - 1, 1):.1f}" height="18" fill="{marks[state]}">'
            f"<title>{escape(d)}: {state}</title></rect>"
        )
    for kind, items, colour in (("weakening", c["weakenings"], "#6a1b9a"), ("bypass", c["bypasses"] or [], "#000")):
        for item in items:
            x = _x(start, str(item.get("at") or ""), step)
            if x is not None:
                label = escape(
                    f"{kind} {item.get('at')}: {item.get('why') or item.get('ref') or ''} by {item.get('actor')}"
                )
                parts.append(f'<circle cx="{x:.1f}" cy="34" r="5" fill="{colour}"><title>{label}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _first_day(c: dict[str, Any]) -> date | None:
    text = c["days"]["first"]
    return date.fromisoformat(text) if isinstance(text, str) else None


def _x(start: date | None, when: str, step: float) -> float | None:
    moment = parse_time(when)
    if start is None or moment is None:
        return None
    delta = moment.astimezone(UTC) - datetime(start.year, start.month, start.day, tzinfo=UTC)
    return delta.total_seconds() / 86400 * step


def period_options(posture_keys: Iterable[str], keyless_trusted: bool = False) -> PeriodOptions:
    """The trust for period entries from key files (witness times come with the witness verification);
    `keyless_trusted`: keyless period entries, whose identity verify pinned, count (with their Rekor time)."""
    from checker.evidence.posture_verify import load_posture_keys

    return PeriodOptions(posture_keys=tuple(load_posture_keys(posture_keys)), keyless_trusted=keyless_trusted)


def coverage_html(coverage: list[dict[str, Any]]) -> str:
    """The HTML report's coverage section: figures and a timeline per repository (all text escaped)."""
    from html import escape

    if not coverage:
        return ""
    parts = ['<h2>Coverage over the period</h2>', '<p>Days observed (green: bounded by witness or Rekor time), '
             'self-asserted (amber), not covered (red); purple: weakenings; black: bypasses. UTC.</p>']  # fmt: skip
    for c in coverage:
        e = c["emergencies"]
        bypasses = "unreadable" if c["bypasses"] is None else str(len(c["bypasses"]))
        figures = (
            f"{c['days_observed']} observed / {c['days_self_asserted']} self-asserted of {c['days_in_period']} days; "
            f"{len(c['posture_changes'])} posture changes, {len(c['weakenings'])} weakenings, bypasses {bypasses}; "
            f"emergencies {e['closed_in_time']} closed in time, {e['closed_late']} late, {e['open']} open; "
            f"{len(c['gate_integrity_changes'])} gate changes"
        )
        parts.append(f'<section class="coverage"><h3>{escape(str(c["repository"]))}</h3><p>{escape(figures)}</p>')
        parts.append(timeline_svg(c))
        if c["weakenings"]:
            parts.append("<ul>")
            parts += [
                f"<li>{escape(str(w['at']))}: {escape(str(w['why']))} (ruleset {escape(str(w['ruleset_id']))}, "
                f"{escape(str(w['field']))}: {escape(json.dumps(w['before']))} → {escape(json.dumps(w['after']))}, "
                f"by {escape(str(w['actor'] or 'unknown'))})</li>"
                for w in c["weakenings"]
            ]
            parts.append("</ul>")
        if c["unobservable"]:
            parts.append("<ul>")
            parts += [
                f"<li>unobservable: {escape(str(u['what']))} — {escape(str(u['why']))} "
                f"({escape(str(u['from']))} .. {escape(str(u['to']))})</li>"
                for u in c["unobservable"]
            ]
            parts.append("</ul>")
        parts.append("</section>")
    return "".join(parts)
