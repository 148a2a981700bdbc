"""Severity for checkov findings, which checkov leaves empty without a platform API key.

Custom policies (rules/iac/*.yaml) carry their own `metadata.severity`; everything else is looked up
in rules/iac-severity.yml (ordered, first match wins, `default` for ids nobody classified).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from checker.errors import PolicyError
from checker.resources import rules_dir

LEVELS = ("critical", "high", "medium", "low", "info")


def custom_policies_dir() -> Path:
    return rules_dir() / "iac"


@dataclass(frozen=True)
class SeverityTable:
    default: str
    rules: tuple[tuple[str, str], ...]
    custom: dict[str, str]

    def severity(self, check_id: str) -> str:
        if check_id in self.custom:
            return self.custom[check_id]
        for pattern, level in self.rules:
            if pattern == check_id or fnmatch.fnmatchcase(check_id, pattern):
                return level
        return self.default


def _level(value: object, where: str) -> str:
    level = str(value).lower()
    if level not in LEVELS:
        raise PolicyError(f"unknown severity {value!r} in {where}", fix=f"use one of {', '.join(LEVELS)}")
    return level


def load_table(table_path: Path, policies_dir: Path) -> SeverityTable:
    data = yaml.safe_load(table_path.read_text(encoding="utf-8")) or {}
    rules = tuple(
        (str(r["match"]), _level(r["severity"], f"{table_path} ({r['match']})")) for r in data.get("rules", ())
    )
    custom: dict[str, str] = {}
    for path in sorted(policies_dir.glob("*.y*ml")):
        meta = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("metadata", {})
        if meta.get("id") and meta.get("severity"):
            custom[str(meta["id"])] = _level(meta["severity"], str(path))
    return SeverityTable(_level(data.get("default", "high"), str(table_path)), rules, custom)


@cache
def default_table() -> SeverityTable:
    return load_table(rules_dir() / "iac-severity.yml", custom_policies_dir())
