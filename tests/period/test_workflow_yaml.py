"""The README's central evidence workflow is valid GitHub Actions YAML (checked with actionlint)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def central_workflow() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The whole organisation: a central evidence repository", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, flags=re.S)
    assert match, "the central workflow YAML is missing from the README"
    return match.group(1)


def test_central_workflow_passes_actionlint(tmp_path: Path) -> None:
    text = central_workflow()
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "evidence.yml").write_text(text)
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is a dev dependency (pyproject.toml)"
    result = subprocess.run(
        [actionlint, "-no-color", "-shellcheck=", "-pyflakes=", str(workflows / "evidence.yml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_central_workflow_runs_the_record_job_per_matrix_entry() -> None:
    doc = yaml.safe_load(central_workflow())
    step = doc["jobs"]["evidence"]["steps"][-1]
    assert step["with"]["repository"] == "${{ matrix.repository }}"
    assert step["with"]["ledger-branch"] == "${{ matrix.ledger_branch }}"
    assert doc["jobs"]["evidence"]["strategy"]["max-parallel"] >= 1
    assert "org plan" in doc["jobs"]["plan"]["steps"][-1]["run"]
