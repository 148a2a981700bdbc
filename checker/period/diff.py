"""Differences between two postures, rebuilt version by version from the ruleset history.

Each ruleset is flattened to fields (`enforcement`, `bypass_actors`, `rules.pull_request.
required_approving_review_count`, ...). Walking the previous posture's state through every
version GitHub recorded since then attributes each change to its actor and time, so a rule
disabled and re-enabled between two daily runs still shows, as two changes and an
enforcement interval. A change that makes the branch easier to reach without review is a
*weakening*. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.period.environment_diff import NOTE, environment_change_time, environment_fields, environment_weakening

Change = dict[str, Any]  # {at, ruleset_id, field, before, after, actor, weakening, note}

WEAKER_IF_REMOVED = {
    "rules.pull_request": "pull requests no longer required",
    "rules.required_status_checks": "required status checks removed",
    "rules.non_fast_forward": "force pushes allowed",
    "rules.deletion": "branch deletion allowed",
    "rules.update": "updates no longer restricted",
    "rules.pull_request.dismiss_stale_reviews_on_push": "stale-review dismissal off",
    "rules.pull_request.require_code_owner_review": "code-owner review no longer required",
    "rules.pull_request.require_last_push_approval": "last-push approval no longer required",
}
BOOL_FIELDS = {
    "requires_pull_request": "pull requests no longer required",
    "requires_code_owner_review": "code-owner review no longer required",
    "dismisses_stale_reviews": "stale-review dismissal off",
    "blocks_force_push": "force pushes allowed",
    "blocks_deletion": "branch deletion allowed",
    "restricts_updates": "updates no longer restricted",
}


def ruleset_fields(ruleset: dict[str, Any] | None) -> dict[str, Any]:
    """A normalised ruleset as flat fields; absent rules and parameters are simply missing."""
    if ruleset is None:
        return {}
    actors = ruleset.get("bypass_actors")
    out: dict[str, Any] = {
        "name": ruleset.get("name"),
        "enforcement": ruleset.get("enforcement"),
        "conditions": ruleset.get("conditions"),
        "bypass_actors": None
        if actors is None
        else sorted(f"{a.get('actor_type')}:{a.get('actor_id')}:{a.get('bypass_mode')}" for a in actors),
    }
    for rule in ruleset.get("rules") or []:
        kind = str(rule.get("type"))
        out[f"rules.{kind}"] = True
        for key, value in (rule.get("parameters") or {}).items():
            if kind == "required_status_checks" and key == "required_status_checks":
                value = sorted(str(c.get("context")) for c in value or [] if isinstance(c, dict))
            out[f"rules.{kind}.{key}"] = value
    return out


def weakening(field: str, before: Any, after: Any) -> str:
    """Why this change weakens the controls ("" when it does not)."""
    if field == "enforcement":
        return f"enforcement {after}" if before == "active" and after != "active" else ""
    if field == "bypass_actors":
        if before is None or after is None:
            return ""
        added = sorted(set(after) - set(before))
        return f"bypass actor added: {', '.join(added)}" if added else ""
    if field in WEAKER_IF_REMOVED:
        return WEAKER_IF_REMOVED[field] if before is True and after is not True else ""
    leaf = field.rsplit(".", 1)[-1]
    if leaf in ("required_approving_review_count", "required_approvals"):
        if isinstance(before, int) and (after or 0) < before:
            return f"fewer required approvals ({before} -> {after or 0})"
        return ""
    if leaf == "required_status_checks":
        removed = sorted(_names(before) - _names(after))
        return f"required check removed: {', '.join(removed)}" if removed else ""
    reason = BOOL_FIELDS.get(leaf, "")
    if reason and before is True and after is not True:
        return reason
    return ""


def _names(value: Any) -> set[str]:
    """Check names from a list of names or of `{context: ...}` objects (anything else: none)."""
    if not isinstance(value, list):
        return set()
    return {str(v.get("context")) if isinstance(v, dict) else str(v) for v in value}


def _field_changes(
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    at: str,
    ruleset_id: int | None,
    actor: str | None,
    note: str = "",
    prefix: str = "",
    judge: Callable[[str, Any, Any], str] = weakening,
) -> list[Change]:
    out = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        if b == a:
            continue
        out.append(
            {
                "at": at,
                "ruleset_id": ruleset_id,
                "field": prefix + name,
                "before": b,
                "after": a,
                "actor": actor,
                "weakening": judge(name, b, a),
                "note": note,
            }
        )
    return out


def environment_changes(previous: dict[str, Any] | None, posture: dict[str, Any]) -> list[Change]:
    """Each changed field of the signing environment since the previous posture (environment_diff
    judges them); nothing when it was unreadable on either side (the posture says so)."""
    if previous is None:
        return []
    old = (previous.get("config") or {}).get("environment")
    new = (posture.get("config") or {}).get("environment")
    before, after = environment_fields(old), environment_fields(new)
    if not before or not after:
        return []
    name = str((new or old or {}).get("name") or "")
    at = environment_change_time(previous, posture)
    return _field_changes(
        before,
        after,
        at=at,
        ruleset_id=None,
        actor=None,
        note=NOTE,
        prefix=f"environment.{name}.",
        judge=environment_weakening,
    )


def _flat(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value and prefix.count(".") < 3:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(f"{prefix}.{k}", v))
        return out
    return {prefix: value}


def ruleset_changes(
    previous: dict[str, Any] | None, posture: dict[str, Any]
) -> tuple[list[Change], list[dict[str, Any]]]:
    """(changes, enforcement intervals) of every ruleset between the previous posture and this one."""
    since = str(previous.get("collected_at")) if previous else ""
    now = str(posture.get("collected_at") or "")
    before_sets: dict[str, Any] = (previous or {}).get("config", {}).get("rulesets", {}) if previous else {}
    after_sets: dict[str, Any] = posture.get("config", {}).get("rulesets", {})
    history: dict[str, list[dict[str, Any]]] = posture.get("history") or {}
    changes: list[Change] = []
    intervals: list[dict[str, Any]] = []
    for rid in sorted(set(before_sets) | set(after_sets), key=int):
        old, new = before_sets.get(rid), after_sets.get(rid)
        versions = [v for v in history.get(rid, []) if not since or str(v.get("updated_at")) > since]
        timeline: list[tuple[str, str | None]] = [(since or now, (old or {}).get("enforcement"))]
        state = old
        if previous is None:
            state = new  # the first posture is the baseline: nothing to compare with
            versions = []
        for v in versions:
            actor = (v.get("actor") or {}).get("login")
            at = str(v.get("updated_at"))
            if state is None:
                changes.append(_created(at, int(rid), actor, v["state"]))
            else:
                changes += _field_changes(
                    ruleset_fields(state), ruleset_fields(v["state"]), at=at, ruleset_id=int(rid), actor=actor
                )
            state = v["state"]
            timeline.append((at, state.get("enforcement")))
        if new is None and old is not None:
            changes.append(
                {
                    "at": now,
                    "ruleset_id": int(rid),
                    "field": "ruleset",
                    "before": old.get("name"),
                    "after": None,
                    "actor": None,
                    "weakening": "ruleset deleted",
                    "note": f"deleted between {since} and {now}; its history is gone with it",
                }
            )
            timeline.append((now, "deleted"))
        elif new is not None and state is not None and ruleset_fields(state) != ruleset_fields(new):
            note = "the ruleset history was not readable" if rid not in history else "history incomplete"
            changes += _field_changes(
                ruleset_fields(state), ruleset_fields(new), at=now, ruleset_id=int(rid), actor=None, note=note
            )
            timeline.append((now, new.get("enforcement")))
        elif new is not None and state is None:
            changes.append(_created(now, int(rid), None, new))
            timeline.append((now, new.get("enforcement")))
        intervals += _weak_intervals(int(rid), timeline, now)
    _history_lost(changes, before_sets, after_sets)
    return changes, intervals


def _created(at: str, rid: int, actor: str | None, state: dict[str, Any]) -> Change:
    return {
        "at": at,
        "ruleset_id": rid,
        "field": "ruleset",
        "before": None,
        "after": state.get("name"),
        "actor": actor,
        "weakening": "",
        "note": f"created with enforcement {state.get('enforcement')}",
    }


def _history_lost(changes: list[Change], before: dict[str, Any], after: dict[str, Any]) -> None:
    """A ruleset deleted and another created with its name: the old versions are lost."""
    created = {str(s.get("name")): rid for rid, s in after.items() if rid not in before}
    for c in changes:
        if c["field"] == "ruleset" and c["after"] is None and str(c["before"]) in created:
            c["weakening"] = "ruleset deleted and recreated: history lost"
            c["note"] = f"recreated as ruleset {created[str(c['before'])]}; versions before that are gone"


def _weak_intervals(rid: int, timeline: list[tuple[str, str | None]], end: str) -> list[dict[str, Any]]:
    out = []
    for (at, state), (until, _) in zip(timeline, [*timeline[1:], (end, None)], strict=True):
        if state not in (None, "active", "deleted") and at < until:
            out.append({"ruleset_id": rid, "enforcement": state, "from": at, "to": until})
    return out


def config_changes(
    previous: dict[str, Any] | None,
    posture: dict[str, Any],
    *,
    count_rules: bool,
    parts: tuple[str, ...] = ("effective_rules", "ledger", "merge_settings", "files"),
) -> list[Change]:
    """Changes outside the rulesets (effective and classic rules, files, merge settings).

    `count_rules`: the effective rules are compared only when no ruleset change explains them
    (classic protection, or rulesets that could not be read), so one change is never listed twice.
    `parts`: the configuration parts compared field by field (the environment has its own judge
    since diff rules 2; rules 1 compared it here, unjudged).
    """
    if previous is None:
        return []
    now = str(posture.get("collected_at") or "")
    out = []
    for part in parts:
        before = _flat(part, previous.get("config", {}).get(part))
        after = _flat(part, posture.get("config", {}).get(part))
        if part == "effective_rules" and not count_rules:
            continue
        for c in _field_changes(before, after, at=now, ruleset_id=None, actor=None):
            if part not in ("effective_rules", "ledger"):
                c["weakening"] = ""
            out.append(c)
    return out


# The version of the rules below, recorded in each posture entry's differences so that
# `verify --reperform` re-derives an old entry with the rules it was recorded under.
# 1: the signing environment compared field by field, never a weakening (no "rules" key).
# 2: the signing environment judged by environment_diff (weakenings flagged).
DIFF_RULES = 2


def differences(previous: dict[str, Any] | None, posture: dict[str, Any], *, rules: int = DIFF_RULES) -> dict[str, Any]:
    """Everything that changed since the previous posture, weakenings flagged, enforcement gaps listed."""
    rulesets, intervals = ruleset_changes(previous, posture)
    if rules == 1:
        parts = ("effective_rules", "ledger", "merge_settings", "environment", "files")
        others = config_changes(previous, posture, count_rules=not rulesets, parts=parts)
    else:
        others = [*config_changes(previous, posture, count_rules=not rulesets), *environment_changes(previous, posture)]
    changes = sorted([*rulesets, *others], key=lambda c: (str(c["at"]), str(c["ruleset_id"]), str(c["field"])))
    out: dict[str, Any] = {"changes": changes, "enforcement_gaps": intervals}
    if rules != 1:
        out["rules"] = rules
    return out
