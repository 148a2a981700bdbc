"""Without the `iac` extra changeproof still installs and runs; a scan that needs checkov says how to get it."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

from packaging.requirements import Requirement

# Makes `import checkov` fail the way it does when the package is not installed.
BLOCK = """
import importlib.abc, sys
class _NoCheckov(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "checkov" or name.startswith("checkov."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoCheckov())
"""


def _cli_without_checkov(tmp_path: Path, changed: str) -> subprocess.CompletedProcess[str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK)
    base, head = tmp_path / "base", tmp_path / "head"
    for tree in (base, head):
        (tree / "infra").mkdir(parents=True)
        (tree / "README.md").write_text("# app\n")
    (base / "infra" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    (head / "infra" / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "c"\n}\n')
    (head / "README.md").write_text("# app, changed\n")
    return subprocess.run(
        [sys.executable, "-m", "checker", "iac", "--base", str(base), "--head", str(head), "--changed", changed],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(site)},
        timeout=120,
        check=False,
    )


def test_a_terraform_change_without_checkov_exits_2_with_the_fix(tmp_path: Path) -> None:
    proc = _cli_without_checkov(tmp_path, "infra/main.tf")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "checkov (changeproof's IaC scanner) is not installed" in proc.stderr + proc.stdout
    assert "pip install 'changeproof[iac]'" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_change_without_iac_files_never_needs_checkov(tmp_path: Path) -> None:
    proc = _cli_without_checkov(tmp_path, "README.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no IaC file changed" in proc.stdout


def test_checkov_is_only_required_by_the_iac_extra() -> None:
    requirements = [Requirement(r) for r in importlib.metadata.requires("changeproof") or []]
    checkov = [r for r in requirements if r.name == "checkov"]
    assert checkov, "the iac extra must bring checkov"
    assert any(r.marker is not None and r.marker.evaluate({"extra": "iac"}) for r in checkov)
    for req in checkov:
        assert req.marker is not None and not req.marker.evaluate({"extra": ""}), "checkov must stay optional"
