"""The README stays true: its two commands exist and CI runs the test one; its CLI table matches the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from checker.cli import cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


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


def readme_block_after(heading: str) -> list[str]:
    """The command lines of the first code block after the paragraph starting with `heading`."""
    rest = README[README.index(heading) :]
    block = rest[rest.index("```\n") + 4 :]
    return block[: block.index("```")].strip().splitlines()


def test_the_re_perform_recipe_reproduces_the_recorded_evaluation_byte_for_byte(tmp_path: Path) -> None:
    """Record two example PRs (one with a policy file given, one with the policy carried in its facts),
    then run the README's recipe line by line, as written, in a shell."""
    from checker.evidence.keys import generate_keypair

    ledger = tmp_path / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(ledger)], check=True)
    private, _public, _ = generate_keypair(tmp_path / "keys")
    examples = ROOT / "examples"
    for facts, policy in (
        (examples / "pr-42-facts.json", ["--policy", str(examples / "policy.yml")]),
        (examples / "pr-43-facts.json", []),
    ):
        subprocess.run(
            [
                str(BIN / "changeproof"),
                "record",
                "--facts",
                str(facts),
                *policy,
                "--ledger",
                str(ledger),
                "--key",
                str(private),
            ],
            check=True,
            capture_output=True,
        )
    recipe = readme_block_after("**Re-perform one change by hand.**")
    assert [line.split()[:2] for line in recipe] == [
        ["changeproof", "ledger"],
        ["changeproof", "evaluate"],
        ["cmp", "recorded.json"],
    ]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for seq in ("0", "1"):
        work = tmp_path / f"seq{seq}"
        work.mkdir()
        for line in recipe:
            command = line.replace("SEQ", seq).replace("LEDGER", str(ledger))
            done = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True)
            is_evaluate = line.startswith("changeproof evaluate")
            assert done.returncode in ((0, 1) if is_evaluate else (0,)), (command, done.stdout, done.stderr)
        recorded = json.loads((work / "recorded.json").read_text())
        assert recorded["policy_digest"] == json.loads((work / "again.json").read_text())["policy_digest"]
