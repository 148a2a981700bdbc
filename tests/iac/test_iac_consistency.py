"""The scanner's findings equal the checkov CLI's for the same directory and frameworks (both run here)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from iac_fixtures import make_head, write_secret

from checker.iac import scan_change
from checker.iac.changes import changed_between
from checker.iac.engine import OFFLINE_ENV
from checker.iac.severity import custom_policies_dir

FRAMEWORKS = ["terraform", "cloudformation", "kubernetes", "dockerfile", "github_actions", "secrets"]


def cli_findings(directory: Path) -> set[tuple[str, str, int, int]]:
    checkov = Path(sys.executable).with_name("checkov")
    env = {**os.environ, **OFFLINE_ENV}
    done = subprocess.run(
        [
            str(checkov),
            "-d",
            ".",
            "--framework",
            *FRAMEWORKS,
            "--external-checks-dir",
            str(custom_policies_dir()),
            "--enable-secret-scan-all-files",
            "-o",
            "json",
            "--quiet",
            "--compact",
            "--skip-download",
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    found = set()
    for report in reports if isinstance(reports, list) else [reports]:
        for check in report["results"]["failed_checks"]:
            file = check["file_path"].lstrip("/")
            found.add((check["check_id"], file, *check["file_line_range"]))
    return found


def test_scanner_equals_checkov_cli(tmp_path: Path) -> None:
    head = make_head(tmp_path / "head", "public_bucket")
    write_secret(head)
    empty = tmp_path / "empty"
    empty.mkdir()
    # Every file is "added" against an empty base, so every finding of the tree is introduced.
    scan = scan_change(base_dir=empty, head_dir=head, changed=changed_between(empty, head), mode="inprocess")
    ours = {(f.check_id, f.file, f.line_start, f.line_end) for f in scan.facts.introduced}
    theirs = cli_findings(head)
    assert ours == theirs
    assert len(ours) > 40 and {f.framework for f in scan.facts.introduced} == {
        "terraform",
        "cloudformation",
        "kubernetes",
        "dockerfile",
        "secrets",
    }
    shutil.rmtree(head)
