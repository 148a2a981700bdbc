"""The organisation manifest: which repositories to audit, where their clones and ledgers are.

Two shapes are read:
- JSON lines, one repository per line:
  `{"repository": "acme/payments", "clone": "clones/payments", "branch": "main",
    "ledger": "git@github.com:acme/evidence.git", "ledger_branch": "changeproof-ledger"}`
  (blank lines and lines starting with `#` are skipped);
- one JSON object `{"include": [{"repository": ..., "ledger_branch": ...}, ...]}`, the shape of a
  GitHub Actions matrix, so a job that lists the organisation's repositories can feed it here.

Only `repository` (owner/name) is required. `clone` defaults to `<repository>` and relative
paths resolve against the manifest's directory; `branch` defaults to `main`; `ledger` defaults to
the clone (the ledger branch in the audited repository itself); `ledger_branch` defaults to
`changeproof-ledger`. Unknown keys are refused, so a typo cannot silently drop a setting.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.errors import UsageError
from checker.evidence.layout import DEFAULT_BRANCH

KEYS = ("repository", "clone", "branch", "ledger", "ledger_branch")
REMOTE = re.compile(r"^[\w.-]+@[\w.-]+:")  # scp-like git@host:path
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
FIX = "one JSON object per line with repository (owner/name) and optionally clone, branch, ledger, ledger_branch"


@dataclass(frozen=True)
class ManifestLine:
    repository: str
    clone: Path
    branch: str
    ledger: str
    ledger_branch: str
    where: str  # file:line, for messages


@dataclass(frozen=True)
class Manifest:
    path: Path
    lines: tuple[ManifestLine, ...]

    def ledgers(self) -> list[tuple[str, str]]:
        """(ledger, ledger branch) of every line, each once, in manifest order."""
        return list(dict.fromkeys((x.ledger, x.ledger_branch) for x in self.lines))


def _text(item: dict[str, Any], key: str, where: str, path: str, default: str) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where}: {path}.{key} must be a non-empty string", fix=FIX)
    return value


def _line(item: Any, base: Path, where: str, path: str) -> ManifestLine:
    if not isinstance(item, dict):
        raise UsageError(f"{where}: {path} is not an object", fix=FIX)
    unknown = sorted(set(item) - set(KEYS))
    if unknown:
        raise UsageError(f"{where}: {path}.{unknown[0]} is not a manifest key ({', '.join(KEYS)})", fix=FIX)
    if "repository" not in item:
        raise UsageError(f"{where}: {path}.repository is missing", fix=FIX)
    repository = _text(item, "repository", where, path, "")
    if not REPOSITORY.match(repository):
        raise UsageError(f"{where}: {path}.repository {repository!r} is not owner/name", fix=FIX)
    clone = base / _text(item, "clone", where, path, repository)
    ledger = _text(item, "ledger", where, path, str(clone))
    if "://" not in ledger and not REMOTE.match(ledger) and not Path(ledger).is_absolute():
        ledger = str(base / ledger)  # a local path, relative to the manifest
    return ManifestLine(
        repository,
        clone,
        _text(item, "branch", where, path, "main"),
        ledger,
        _text(item, "ledger_branch", where, path, DEFAULT_BRANCH),
        where,
    )


def parse_manifest(text: str, path: Path) -> Manifest:
    base = path.parent
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None  # JSON lines (or broken JSON: reported line by line below)
    if isinstance(whole, dict) and "include" in whole:
        include = whole["include"]
        if not isinstance(include, list):
            raise UsageError(f"{path}: $.include is not a list", fix=FIX)
        return _checked(
            Manifest(path, tuple(_line(x, base, str(path), f"$.include[{n}]") for n, x in enumerate(include)))
        )
    lines: list[ManifestLine] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{number}:{exc.colno}: not JSON ({exc.msg})", fix=FIX) from None
        lines.append(_line(item, base, f"{path}:{number}", "$"))
    return _checked(Manifest(path, tuple(lines)))


def _checked(manifest: Manifest) -> Manifest:
    if not manifest.lines:
        raise UsageError(f"{manifest.path} lists no repository", fix=FIX)
    seen: dict[tuple[str, str], str] = {}
    for line in manifest.lines:
        key = (line.repository.lower(), line.branch)
        if key in seen:
            raise UsageError(
                f"{line.where}: {line.repository} branch {line.branch} is already listed at {seen[key]}",
                fix="list each repository and branch once",
            )
        seen[key] = line.where
    return manifest


def load_manifest(path: Path) -> Manifest:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the manifest {path}: {exc}", fix=FIX) from None
    return parse_manifest(text, path)
