"""Head minus base: findings keyed on (check id, resource identity), never on line numbers.

The identity fits the framework: a Terraform address within its module directory (and the root
that called the module, when checkov evaluated it through one), a CloudFormation logical id within
its template, a Kubernetes object's kind.namespace.name, the file for Dockerfiles and workflows,
and the secret's hash (never the secret) for secrets. So moving a resource between files of a
module, or shifting lines, changes nothing; a new resource is new even where lines line up.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from checker.model import IacFinding, IacSuppression

NO_REASON = "No comment provided"  # what checkov puts in a skip without a reason
_GHA_STEP = re.compile(r"\.steps\[\d+\]|\[\d+\]")

Key = tuple[str, str]


def identity(rec: dict[str, Any]) -> str:
    framework, file, resource = str(rec["framework"]), str(rec["file"]), str(rec["resource"])
    if framework == "terraform":
        caller = posixpath.dirname(rec.get("caller", "")) if rec.get("caller") else ""
        return f"{posixpath.dirname(file)}|{caller}|{resource}"
    if framework == "cloudformation":
        return f"{file}|{resource}"
    if framework == "kubernetes":
        return resource
    if framework == "secrets":
        return resource  # the secret's hash: a secret moved to another file is not a new secret
    if framework == "github_actions":
        return f"{file}|{_GHA_STEP.sub('', resource)}"
    return file  # dockerfile and anything else: the file itself


def key(rec: dict[str, Any]) -> Key:
    return rec["check_id"], identity(rec)


def display_resource(rec: dict[str, Any]) -> str:
    if rec["framework"] in ("secrets", "dockerfile"):
        return str(rec["file"])
    return str(rec["resource"])


@dataclass(frozen=True)
class Delta:
    introduced: tuple[IacFinding, ...]
    resolved: tuple[IacFinding, ...]
    suppressions: tuple[IacSuppression, ...]


def _finding(rec: dict[str, Any], severity: Callable[[str], str]) -> IacFinding:
    return IacFinding(
        check_id=rec["check_id"],
        check_name=rec["check_name"],
        severity=severity(rec["check_id"]),
        framework=rec["framework"],
        file=rec["file"],
        line_start=rec["line_start"],
        line_end=rec["line_end"],
        resource=display_resource(rec),
        guideline=rec.get("guideline", ""),
    )


def _by_key(records: Iterable[dict[str, Any]], state: str) -> dict[Key, dict[str, Any]]:
    found: dict[Key, dict[str, Any]] = {}
    for rec in sorted(records, key=lambda r: (r["file"], r["line_start"], r["check_id"])):
        if rec["state"] == state:
            found.setdefault(key(rec), rec)
    return found


def diff(
    base: list[dict[str, Any]],
    head: list[dict[str, Any]],
    severity: Callable[[str], str],
    suppression_line: Callable[[dict[str, Any]], int],
    unscanned_head: frozenset[str] = frozenset(),
) -> Delta:
    """`unscanned_head`: head files that exist but could not be scanned; their base findings are not resolved."""
    base_failed, head_failed = _by_key(base, "failed"), _by_key(head, "failed")
    base_skipped, head_skipped = _by_key(base, "skipped"), _by_key(head, "skipped")
    introduced = [_finding(r, severity) for k, r in head_failed.items() if k not in base_failed]
    # A finding the PR merely suppressed is not resolved: it shows up as a suppression instead.
    # Nor is one whose file the head scan could not read: breaking a file's syntax fixes nothing.
    resolved = [
        _finding(r, severity)
        for k, r in base_failed.items()
        if k not in head_failed and k not in head_skipped and r["file"] not in unscanned_head
    ]
    suppressions = []
    for k, rec in head_skipped.items():
        if k in base_skipped:
            continue
        reason = rec.get("suppress_comment", "")
        reason = "" if reason.strip() == NO_REASON else reason.strip()
        suppressions.append(
            IacSuppression(
                check_id=rec["check_id"],
                file=rec["file"],
                resource=display_resource(rec),
                reason=reason,
                line=suppression_line(rec),
            )
        )

    def order(f: IacFinding) -> tuple[str, int, str]:
        return f.file, f.line_start, f.check_id

    return Delta(
        tuple(sorted(introduced, key=order)),
        tuple(sorted(resolved, key=order)),
        tuple(sorted(suppressions, key=lambda s: (s.file, s.line, s.check_id))),
    )
