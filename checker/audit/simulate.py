"""What-if: re-evaluate the recorded facts of recent merged changes under a proposed policy.

The recorded facts are exactly what the evaluation saw, so `evaluate(proposed, facts)` shows
which verdicts a policy change would flip, before anyone is surprised by it. Secret findings are
scrubbed from the recorded facts, but their check id, file, line and severity remain, so IaC
verdicts re-evaluate the same.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from checker import policy as policies
from checker.audit.ledgers import open_ledgers
from checker.audit.population import Period, as_dict
from checker.evaluate import evaluate
from checker.model import Facts
from checker.serde import DecodeError, from_json


def simulate(
    policy_path: str,
    ledgers: list[str] | tuple[str, ...],
    branch: str,
    keys: list[str] | tuple[str, ...],
    since: Period,
    last: int,
    *,
    allow_invalid: bool = False,
) -> dict[str, Any]:
    proposed = policies.load_file(policy_path)
    recent: deque[tuple[str, str, int, dict[str, Any]]] = deque(maxlen=last)
    with open_ledgers(ledgers, branch, keys, allow_invalid=allow_invalid) as opened:
        seen: set[tuple[str, str, int]] = set()
        candidates = []
        for ledger in opened:
            for entry in ledger.entries():
                p = entry.predicate
                if p.get("kind") != "merge":
                    continue
                key = (ledger.name, str(p.get("repository")), int(p.get("pr") or 0))
                if key in seen:
                    continue  # the merge-time record only
                seen.add(key)
                facts = as_dict(p.get("facts"))
                merged_at = str(as_dict(facts.get("merge")).get("merged_at") or facts.get("observed_at") or "")
                if since.contains(merged_at):
                    candidates.append((merged_at, ledger.name, entry.seq, p))
        for item in sorted(candidates, key=lambda c: (c[0], c[1], c[2])):
            recent.append((item[0], item[1], item[2], item[3]))
    changed, unreadable = [], []
    flips: Counter[str] = Counter()
    for merged_at, ledger_name, seq, p in recent:
        try:
            recorded: Facts = from_json(Facts, p.get("facts"))
        except DecodeError as exc:
            unreadable.append({"ledger": ledger_name, "seq": seq, "pr": p.get("pr"), "reason": str(exc)})
            continue
        new = evaluate(proposed, recorded)
        old_status = {
            str(r.get("control")): str(r.get("status")) for r in as_dict(p.get("evaluation")).get("results") or []
        }
        old_verdict = str(p.get("verdict"))
        if new.verdict.value == old_verdict:
            continue
        flips[f"{old_verdict} -> {new.verdict.value}"] += 1
        controls = [
            {
                "control": r.control,
                "was": old_status.get(r.control, "absent"),
                "now": r.status.value,
                "message": r.message,
            }
            for r in new.results
            if old_status.get(r.control) != r.status.value
        ]
        changed.append(
            {
                "repository": p.get("repository"),
                "pr": p.get("pr"),
                "title": recorded.title,
                "merged_at": merged_at,
                "ledger": ledger_name,
                "seq": seq,
                "was": old_verdict,
                "now": new.verdict.value,
                "controls": controls,
            }
        )
    return {
        "policy": policy_path,
        "policy_mode": proposed.mode.value,
        "evaluated": len(recent) - len(unreadable),
        "changed": changed,
        "flips": dict(sorted(flips.items())),
        "unreadable": unreadable,
        "window": f"the last {last} merged changes" + (f" since {since.describe()}" if since.start else ""),
    }


def render_text(result: dict[str, Any]) -> str:
    lines = [
        f"re-evaluated {result['evaluated']} merged change(s) ({result['window']}) under {result['policy']}",
        f"{len(result['changed'])} verdict(s) would change"
        + (": " + ", ".join(f"{k}: {v}" for k, v in result["flips"].items()) if result["flips"] else ""),
    ]
    for c in result["changed"]:
        lines.append(
            f"  {c['repository']}#{c['pr']} {c['title'][:60]!r} merged {c['merged_at']}: {c['was']} -> {c['now']}"
        )
        for control in c["controls"]:
            lines.append(
                f"      {control['control']}: {control['was']} -> {control['now']} ({control['message'][:100]})"
            )
    for u in result["unreadable"]:
        lines.append(f"  could not re-evaluate entry {u['seq']}: {u['reason']}")
    return "\n".join(lines)
