"""Infrastructure-as-code findings a pull request introduced, found with checkov, offline.

Public API (the GitHub Action helper and the `changeproof iac` command use only these names).
Importing this package never imports checkov; only a scan whose changed files include IaC does.

How checkov runs (measured with bench/iac_modes.py and bench/iac_scan.py on a 2-core machine):
by default one child interpreter ("worker") imports checkov once and scans base, then head, each
with fresh runner objects. Importing checkov is most of the cost (~2.5-3 s of a ~3.5 s scan), so
one subprocess per tree ("subprocess-per-tree") pays it twice and, on two shared cores, took ~1.8x
as long; in-process saves only the ~0.2 s interpreter start but leaves checkov's ~150 MB, its
logging set-up and any hang inside the Action's own process. The worker keeps those out and can
be timed out. Cross-scan leakage is ruled out by a test that swaps base and head in one process
and compares every mode's result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker.iac.classify import is_iac_path
from checker.iac.scan import IacScan, scan_dirs, scan_git, with_digest
from checker.model import ChangedFile

__all__ = ["IacScan", "is_iac_path", "sarif_bytes", "scan_change", "scan_git_change", "with_digest", "write_sarif"]


def scan_change(
    *,
    base_dir: Path,
    head_dir: Path,
    changed: Sequence[ChangedFile],
    frameworks: Sequence[str] | None = None,
    **options: Any,
) -> IacScan:
    """Findings the change from `base_dir` to `head_dir` introduced, resolved and suppressed.

    `changed` lists the PR's files (paths relative to both directories). `options`: `mode`
    ("subprocess" or "inprocess"), `table` (a SeverityTable), `external_checks` (custom policy dirs).
    """
    return scan_dirs(Path(base_dir), Path(head_dir), changed, frameworks=frameworks, **options)


def scan_git_change(
    *,
    repo_dir: Path,
    base_sha: str,
    head_sha: str,
    changed: Sequence[ChangedFile],
    frameworks: Sequence[str] | None = None,
    **options: Any,
) -> IacScan:
    """Like `scan_change`, reading both versions from a git checkout (fetching the base sha if missing)."""
    return scan_git(Path(repo_dir), base_sha, head_sha, changed, frameworks=frameworks, **options)


def sarif_bytes(scan: IacScan) -> bytes:
    return (json.dumps(scan.sarif, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_sarif(scan: IacScan, path: Path) -> str:
    """Write the SARIF 2.1.0 file; returns its sha256 (hex), the digest recorded in the evidence.

    Record it with `with_digest(scan, digest).facts` (IacFacts.sarif_sha256) before building Facts.
    """
    data = sarif_bytes(scan)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(data)
    return hashlib.sha256(data).hexdigest()
