"""The README's central evidence workflows are valid GitHub Actions YAML (checked with actionlint),
run every chunk of `org plan` through the reusable per-chunk workflow, and the plan step's shell
hands each chunk to a job (and fails rather than leave repositories out)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = ("evidence.yml", "evidence-chunk.yml")


def central_workflows() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The whole organisation: a central evidence repository", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "the README shows the central workflow and its per-chunk workflow"
    return dict(zip(FILES, blocks, strict=True))


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load(central_workflows()[name])  # type: ignore[no-any-return]


def test_central_workflows_pass_actionlint(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for name, text in central_workflows().items():
        (workflows / name).write_text(text)
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is a dev dependency (pyproject.toml)"
    result = subprocess.run(
        [actionlint, "-no-color", "-shellcheck=", "-pyflakes=", *(str(workflows / n) for n in FILES)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_chunk_runs_the_record_job_per_matrix_entry() -> None:
    main, chunk = load("evidence.yml"), load("evidence-chunk.yml")
    outputs = main["jobs"]["plan"]["outputs"]
    assert "org plan" in main["jobs"]["plan"]["steps"][-1]["run"]
    assert "--chunk 256" in main["jobs"]["plan"]["steps"][-1]["run"]
    for i in range(len(outputs)):
        job = main["jobs"][f"chunk{i}"]
        assert outputs[f"chunk{i}"] == f"${{{{ steps.plan.outputs.chunk{i} }}}}"
        assert job["uses"] == "./.github/workflows/evidence-chunk.yml"
        assert job["with"]["matrix"] == f"${{{{ needs.plan.outputs.chunk{i} }}}}"
        assert f"needs.plan.outputs.chunk{i} != ''" in job["if"]
        assert i == 0 or f"chunk{i - 1}" in job["needs"]  # one chunk after another: one rate limit
    evidence = chunk["jobs"]["evidence"]
    step = evidence["steps"][-1]
    assert evidence["strategy"]["matrix"] == "${{ fromJSON(inputs.matrix) }}"
    assert step["with"]["job"] == "record"  # backfill, deployments, bypasses, retrospectives, posture
    assert step["with"]["repository"] == "${{ matrix.repository }}"
    assert step["with"]["ledger-branch"] == "${{ matrix.ledger_branch }}"
    assert evidence["strategy"]["max-parallel"] >= 1


def run_plan_step(tmp_path: Path, lines: list[str]) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The plan step's shell with `docker` printing `lines` as `org plan` would."""
    script = load("evidence.yml")["jobs"]["plan"]["steps"][-1]["run"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (tmp_path / "plan.txt").write_text("".join(f"{line}\n" for line in lines))
    shim = bin_dir / "docker"
    shim.write_text(f"#!/bin/sh\ncat {tmp_path / 'plan.txt'}\n")
    shim.chmod(0o755)
    out = tmp_path / "github_output"
    out.write_text("")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "GITHUB_OUTPUT": str(out), "ORG": "acme"}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    pairs = (line.split("=", 1) for line in out.read_text().splitlines())
    return done, dict(pairs)


def test_plan_step_hands_each_chunk_to_a_job_and_refuses_too_many(tmp_path: Path) -> None:
    chunks = [{"include": [{"repository": f"acme/r{c}-{i}", "ledger_branch": f"ledger/r{c}-{i}"} for i in range(3)]}
              for c in range(3)]  # fmt: skip
    done, outputs = run_plan_step(tmp_path, [json.dumps(c, separators=(",", ":")) for c in chunks])
    assert done.returncode == 0, done.stderr
    assert {k: json.loads(v) for k, v in outputs.items()} == {f"chunk{i}": c for i, c in enumerate(chunks)}
    assert set(outputs) <= set(load("evidence.yml")["jobs"]["plan"]["outputs"])
    done, outputs = run_plan_step(tmp_path, ['{"include":[]}'] * 5)
    assert done.returncode == 1 and "::error::5 chunks" in done.stdout and outputs == {}
