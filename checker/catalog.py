"""The control catalog (rules/controls.yml): titles, rationale, remediation, framework mappings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from checker.resources import rules_dir


@dataclass(frozen=True)
class ControlInfo:
    id: str
    title: str
    family: str
    rationale: str
    remediation: str
    mappings: dict[str, tuple[str, ...]]
    defaults: dict[str, Any]
    # Per framework, what a control run with relaxed defaults weakens (e.g. approval_policy).
    relaxed: dict[str, str] = field(default_factory=dict)


@cache
def catalog() -> dict[str, ControlInfo]:
    raw = yaml.safe_load((rules_dir() / "controls.yml").read_text(encoding="utf-8"))
    out: dict[str, ControlInfo] = {}
    for control_id, entry in raw["controls"].items():
        out[control_id] = ControlInfo(
            id=control_id,
            title=entry["title"],
            family=entry["family"],
            rationale=" ".join(entry["rationale"].split()),
            remediation=" ".join(entry["remediation"].split()),
            mappings={k: tuple(str(x) for x in v) for k, v in entry.get("mappings", {}).items()},
            defaults=dict(entry.get("defaults") or {}),
            relaxed={k: str(v) for k, v in (entry.get("relaxed") or {}).items()},
        )
    return out


def info(control_id: str) -> ControlInfo:
    return catalog()[control_id]
