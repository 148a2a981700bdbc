"""Which period entries (posture, observed bypasses, retrospectives) the auditor may rely on.

Those entries must come from the central evidence repository's key (`--posture-key`), not from
the audited repository's own key: its admins could read that key and sign a year of perfect
days in an afternoon. An entry of these kinds signed by any other key counts neither as
observed nor as self-asserted; it is listed, and the ledger still verifies.

A posture entry makes its day *observed* only when trusted time bounds it: a witness
cosignature (or, keyless, Rekor's integrated time) at or after the entry's signing time and at
most 24 hours later. A key signature alone proves who signed, never when: such a day is
*self-asserted*.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from checker.errors import CorruptEntryError
from checker.evidence import bundle as bundles
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.keys import TrustedKey, load_public
from checker.evidence.ledger import encode_entry
from checker.evidence.statement import EXCEPTION_PREDICATE, POSTURE_PREDICATE, RETROSPECTIVE_PREDICATE

TRUSTED_TIME_WINDOW = timedelta(hours=24)


def period_kind(statement: dict[str, Any]) -> str:
    """ "posture", "bypass", "retrospective", "retrospective_exception" (a late or missing
    emergency retrospective), or "" for every other entry."""
    kind = statement.get("predicateType")
    predicate = statement.get("predicate") if isinstance(statement.get("predicate"), dict) else {}
    assert isinstance(predicate, dict)
    if kind == POSTURE_PREDICATE:
        return "posture"
    if kind == RETROSPECTIVE_PREDICATE:
        return "retrospective"
    if kind == EXCEPTION_PREDICATE and predicate.get("reason") == "bypass" and predicate.get("source") == "rule_suites":
        return "bypass"
    if kind == EXCEPTION_PREDICATE and predicate.get("source") == "retrospectives":
        return "retrospective_exception"
    return ""


def _time(text: Any) -> datetime | None:
    if isinstance(text, (int, float)) or (isinstance(text, str) and text.isdigit()):
        return datetime.fromtimestamp(int(text), UTC)
    if not isinstance(text, str) or not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def rekor_time(raw_bundle: dict[str, Any]) -> datetime | None:
    """The integrated time of a keyless bundle's Rekor entry (already checked by verify)."""
    entries = (raw_bundle.get("verificationMaterial") or {}).get("tlogEntries") or []
    return _time(entries[0].get("integratedTime")) if entries and isinstance(entries[0], dict) else None


@dataclass(frozen=True)
class PeriodEntry:
    seq: int
    kind: str
    signed_at: str  # the time the entry claims (posture: when it was collected)
    trusted_time: str  # "" when no witness or Rekor time bounds it within 24 h


@dataclass
class PeriodTrust:
    """Period entries from the posture key (with their trusted time) and those from other keys."""

    trusted: dict[int, PeriodEntry] = field(default_factory=dict)
    untrusted: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "trusted": len(self.trusted),
            "observed": sum(1 for e in self.trusted.values() if e.kind == "posture" and e.trusted_time),
            "untrusted": self.untrusted,
        }


def load_posture_keys(keys: Iterable[str]) -> list[TrustedKey]:
    return [TrustedKey.of(load_public(k)) for k in keys]


def _signed_by(raw: dict[str, Any], keys: list[TrustedKey]) -> str:
    """The keyid of the posture key that signed this bundle ("" if none of them did)."""
    try:
        parsed = bundles.parse(encode_entry(raw))
    except bundles.BundleError:
        return ""
    for key in keys:
        if key.keyid == parsed.keyid and key.verify(parsed.signature, bundles.pae(parsed.payload_type, parsed.payload)):
            return key.keyid
    return ""


def _bounded(signed_at: datetime | None, witnessed: datetime | None) -> bool:
    return signed_at is not None and witnessed is not None and signed_at <= witnessed <= signed_at + TRUSTED_TIME_WINDOW


def classify(
    entries: Iterable[tuple[int, dict[str, Any], dict[str, Any]]],
    posture_keys: list[TrustedKey],
    witness_times: Mapping[int, str] | None = None,
    *,
    keyless_trusted: bool = False,
) -> PeriodTrust:
    """`entries`: (seq, statement, bundle) of the ledger; `witness_times`: seq -> earliest cosignature time.

    `keyless_trusted`: keyless period entries (whose identity verify already checked) are trusted.
    """
    trust = PeriodTrust()
    witness_times = witness_times or {}
    for seq, statement, raw in entries:
        kind = period_kind(statement)
        if not kind:
            continue
        predicate = statement.get("predicate") or {}
        signed_at = str(predicate.get("observed_at") or "")
        keyless = "publicKey" not in (raw.get("verificationMaterial") or {})
        if keyless:
            ok = keyless_trusted
            witnessed = rekor_time(raw)
        else:
            ok = bool(_signed_by(raw, posture_keys))
            witnessed = _time(witness_times.get(seq))
        if not ok:
            hint = ((raw.get("verificationMaterial") or {}).get("publicKey") or {}).get("hint", "")
            trust.untrusted.append({"seq": seq, "kind": kind, "signer": str(hint)[:16] or "keyless", "at": signed_at})
            continue
        bounded = _bounded(_time(signed_at), witnessed)
        trust.trusted[seq] = PeriodEntry(
            seq, kind, signed_at, witnessed.strftime("%Y-%m-%dT%H:%M:%SZ") if bounded and witnessed else ""
        )
    return trust


def _reperform(opened: Any, entries: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> tuple[int, list[str]]:
    """Re-judge each posture entry from its recorded posture and policy, and rebuild its differences."""
    from checker.evidence.statement import sha256_hex
    from checker.model import Policy
    from checker.period.diff import DIFF_RULES, differences
    from checker.period.evaluate import evaluate_posture
    from checker.serde import DecodeError, from_json

    problems: list[str] = []
    done = 0
    previous: dict[str, Any] | None = None
    for seq, statement, _ in entries:
        if statement.get("predicateType") != POSTURE_PREDICATE:
            continue
        p = statement.get("predicate") or {}
        posture = p.get("posture") or {}
        digest = str(((p.get("policy") or {}).get("digest") or {}).get("sha256") or "")
        body = opened.read(f"policies/{digest}") if digest else None
        try:
            if body is None or sha256_hex(body) != digest:
                raise ValueError(f"policy {digest[:12]} missing or edited")
            policy = from_json(Policy, json.loads(body))
        except (ValueError, DecodeError) as exc:
            problems.append(f"entry {seq}: cannot re-perform the posture: {exc}")
            continue
        again = {r["control"]: r["status"] for r in evaluate_posture(policy, posture)}
        recorded = {str(r.get("control")): str(r.get("status")) for r in p.get("results") or []}
        if again != recorded:
            problems.append(f"entry {seq}: posture re-performance gives {again}, the entry records {recorded}")
        recorded_diff = p.get("differences")
        recorded_diff = recorded_diff if isinstance(recorded_diff, dict) else {}
        rules = recorded_diff.get("rules", 1)  # entries before diff rules 2 carry no "rules"
        if not isinstance(rules, int) or rules not in (1, DIFF_RULES):
            unknown = f"its differences name diff rules {rules!r}, which this verifier does not know"
            problems.append(f"entry {seq}: {unknown}")
        elif differences(previous, posture, rules=rules) != p.get("differences"):
            problems.append(f"entry {seq}: its differences do not follow from the previous posture and its history")
        previous = posture
        done += 1
    return done, problems


def period_report(
    ledger: str,
    branch: str,
    posture_keys: list[str],
    *,
    reperform: bool = False,
    keyless_trusted: bool = False,
    witness_times: Mapping[int, str] | None = None,
    token: Token = AMBIENT_TOKEN,
) -> dict[str, Any]:
    """What verify adds for period entries: trusted/untrusted counts, and re-performance of postures."""
    from checker.evidence.access import expand_entry, open_ledger, parse_entry

    keys = load_posture_keys(posture_keys)
    out: dict[str, Any] = {}
    with open_ledger(ledger, branch, token=token) as opened:
        index = opened.index().entries
        entries = []
        for (seq, path, _), data in zip(index, opened.git.cat_blobs([o for _, _, o in index]), strict=True):
            try:
                statement = expand_entry(parse_entry(seq, path, data), opened.blobs).statement  # format 2 too
                raw = json.loads(data)
            except (ValueError, CorruptEntryError):
                continue  # verify reports it
            if period_kind(statement):
                entries.append((seq, statement, raw))
        trust = classify(entries, keys, witness_times, keyless_trusted=keyless_trusted)
        out = trust.to_json()
        if reperform:
            done, problems = _reperform(opened, [e for e in entries if e[0] in trust.trusted])
            out.update(reperformed=done, problems=problems)
    return out


def render_period(period: dict[str, Any]) -> str:
    """verify's text lines about period entries ("" when the ledger has none)."""
    if not period or not (period.get("trusted") or period.get("untrusted")):
        return ""
    lines = [
        f"period entries from the posture key: {period['trusted']} "
        f"({period['observed']} posture entries bounded by trusted time)"
    ]
    for u in period.get("untrusted") or []:
        lines.append(
            f"not counted: entry {u['seq']} ({u['kind']}, {u['at']}) is signed by {u['signer']}, not the posture key"
        )
    if "reperformed" in period:
        lines.append(f"re-performed: {period['reperformed']} posture entries")
    return "\n".join(lines) + "\n"
