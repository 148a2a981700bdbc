"""The README stays true: its two commands exist and CI runs the test one; its CLI table matches the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from checker.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_lines() -> list[str]:
    lines, inside = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside:
            lines.append(line.strip())
    return lines


def test_the_two_commands_are_in_the_readme_and_exist() -> None:
    commands = code_lines()
    for script in ("./scripts/demo.sh", "./scripts/test.sh"):
        assert script in commands
        assert (ROOT / script).is_file()


def test_ci_runs_the_readme_test_command() -> None:
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_command_in_the_cli_table_exists() -> None:
    named = set(re.findall(r"^\| `changeproof ([a-z-]+)", README, flags=re.M))
    assert {"evaluate", "policy", "verify", "export", "reconcile", "sample", "demo"} <= named
    assert named <= set(cli.commands), named - set(cli.commands)
