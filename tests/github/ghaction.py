"""Run entrypoint.py the way the Actions runner does, and read back what it wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests") not in sys.path:
    sys.path.append(str(ROOT / "tests"))  # appended: `fakegithub` never shadows an installed package

from fakegithub import scenario as scenario_mod  # noqa: E402

FAST_ENV = {
    "CHANGEPROOF_API_THROTTLE": "0",
    "CHANGEPROOF_API_BACKOFF": "0.05",
    "CHANGEPROOF_API_RETRIES": "3",
    "CHANGEPROOF_API_MAX_WAIT": "5",
    "CHANGEPROOF_LINK_RETRIES": "3",
    "CHANGEPROOF_LINK_DELAY": "0.05",
    # REST, so the fault tests can aim at single endpoints; tests/github/test_graphql.py covers GraphQL.
    "CHANGEPROOF_GRAPHQL": "0",
}


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]
    workspace: Path

    def commands(self, name: str) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(f"::{name}")]

    def report(self) -> dict[str, Any]:
        return json.loads(Path(self.outputs["report-json"]).read_text())  # type: ignore[no-any-return]


def parse_outputs(text: str) -> dict[str, str]:
    """Parse GITHUB_OUTPUT the way the runner does (name<<DELIM ... DELIM)."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        match = re.match(r"^([\w-]+)<<(.+)$", lines[i])
        if match:
            name, delim = match.groups()
            j = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1 : j])
            i = j + 1
        elif "=" in lines[i]:
            name, value = lines[i].split("=", 1)
            out[name] = value
            i += 1
        else:
            i += 1
    return out


def run_action(
    tmp_path: Path,
    api_url: str,
    event_name: str,
    payload: dict[str, Any],
    inputs: dict[str, str] | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 120,
) -> ActionRun:
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    files = tmp_path / "file_commands"
    files.mkdir(exist_ok=True)
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(payload))
    output = files / "output"
    summary = files / "summary"
    output.write_text("")
    summary.write_text("")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": "acme/web",
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": f"file://{tmp_path}/no-server",  # git never leaves this machine
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_RUN_ID": "4242",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_WORKFLOW_REF": "acme/web/.github/workflows/changeproof.yml@refs/heads/main",
        "INPUT_GITHUB-TOKEN": "ghs_faketoken1234567890",
        **FAST_ENV,
        **{f"INPUT_{k.upper()}": v for k, v in (inputs or {}).items()},
        **(extra_env or {}),
    }
    proc = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(workspace),
    )
    return ActionRun(
        proc.returncode, proc.stdout, proc.stderr, summary.read_text(), parse_outputs(output.read_text()), workspace
    )


def pr_event(number: int = 7, *, action: str = "synchronize", fork: bool = False) -> dict[str, Any]:
    head_repo = "mallory/web" if fork else "acme/web"
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": scenario_mod.HEAD_SHA, "repo": {"full_name": head_repo}},
            "base": {"sha": scenario_mod.BASE_SHA, "ref": "main", "repo": {"full_name": "acme/web"}},
        },
        "repository": {"full_name": "acme/web", "default_branch": "main"},
    }
