"""SARIF 2.1.0 for GitHub code scanning: the findings a PR introduced and the suppressions it added.

Never carries secret text or code blocks: a result is a rule, a message and a region.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from checker.model import IacFacts, IacFinding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning maps security-severity to critical (>= 9), high (>= 7), medium (>= 4), low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _region(start: int, end: int) -> dict[str, int]:
    start = max(start, 1)
    return {"startLine": start, "endLine": max(end, start)}


def build_sarif(
    facts: IacFacts, checkov_version: str, names: dict[str, str], severity: Callable[[str], str]
) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}

    def rule(check_id: str, name: str, severity: str, guideline: str) -> int:
        if check_id not in rules:
            entry: dict[str, Any] = {
                "id": check_id,
                "name": check_id,
                "shortDescription": {"text": name or check_id},
                "fullDescription": {"text": name or check_id},
                "defaultConfiguration": {"level": LEVEL.get(severity, "error")},
                "properties": {
                    "security-severity": SECURITY_SEVERITY.get(severity, "8.0"),
                    "tags": ["security", "iac"],
                },
            }
            if guideline.startswith(("http://", "https://")):
                entry["helpUri"] = guideline
            if guideline:
                entry["help"] = {"text": guideline}
            rules[check_id] = entry
        return list(rules).index(check_id)

    results: list[dict[str, Any]] = []

    def add(f: IacFinding) -> dict[str, Any]:
        index = rule(f.check_id, f.check_name, f.severity, f.guideline)
        result = {
            "ruleId": f.check_id,
            "ruleIndex": index,
            "level": LEVEL.get(f.severity, "error"),
            "message": {"text": f"{f.check_name or f.check_id} ({f.severity}) on {f.resource}"},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": f.file}, "region": _region(f.line_start, f.line_end)}}
            ],
            "partialFingerprints": {
                "changeproofIacIdentity/v1": _fingerprint(f.check_id, f.framework, f.resource, f.file)
            },
        }
        results.append(result)
        return result

    for finding in facts.introduced:
        add(finding)
    for s in facts.suppressions:
        result = add(
            IacFinding(
                s.check_id, names.get(s.check_id, ""), severity(s.check_id), "", s.file, s.line, s.line, s.resource
            )
        )
        result["suppressions"] = [{"kind": "inSource", "justification": s.reason or "no reason given"}]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "changeproof-iac",
                        "informationUri": "https://www.checkov.io/",
                        "version": checkov_version or "unknown",
                        "rules": list(rules.values()),
                    }
                },
                "automationDetails": {"id": "changeproof/iac/"},
                "results": results,
            }
        ],
    }
