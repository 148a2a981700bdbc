"""Issue 12, item 6: messages that said the wrong thing or hid the real one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import cli, main
from checker.errors import PolicyError, Problem
from checker.evidence.gitio import fetch_failure

ROOT = Path(__file__).resolve().parents[2]


def test_unreachable_https_ledger_names_the_connection_error(tmp_path: Path) -> None:
    """Port 1 on this machine refuses at once: no network is touched."""
    pub = tmp_path / "k.pub"
    pub.write_text(
        "-----BEGIN PUBLIC KEY-----\n"
        "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        "-----END PUBLIC KEY-----\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "checker",
            "verify",
            "--ledger",
            "https://127.0.0.1:1/acme/ledger.git",
            "--key",
            str(pub),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3
    assert "cannot fetch ledger branch changeproof-ledger from https://127.0.0.1:1/acme/ledger.git: " in done.stderr
    assert "Failed to connect to 127.0.0.1 port 1" in done.stderr
    assert "How to fix: check the network connection" in done.stderr
    assert "token" not in done.stderr


@pytest.mark.parametrize(
    ("stderr", "fix"),
    [
        ("fatal: unable to access 'https://x/': Could not resolve host: x\n", "DNS"),
        ("fatal: Authentication failed for 'https://u:p@h/r.git/'\n", "token"),
    ],
)
def test_fetch_failures_keep_git_s_reason_and_redact_credentials(stderr: str, fix: str) -> None:
    reason, how = fetch_failure(stderr)
    assert fix in how
    assert "u:p@" not in reason and reason.startswith(("unable", "Authentication"))


def test_one_wording_for_fixes() -> None:
    rendered = PolicyError("bad", fix="do this", problems=(Problem("m", "f.yml", 1, 2, fix="that"),)).diagnostics()
    assert rendered == "error: bad\n  f.yml:1:2: m\n    How to fix: that\n  How to fix: do this"
    sources = "\n".join(p.read_text() for p in (ROOT / "checker").rglob("*.py"))
    assert not re.search(r"\b[fF]ix: (?!str\b)", sources.replace("How to fix:", ""))


def test_help_texts_are_never_cut_off(capsys: pytest.CaptureFixture[str]) -> None:
    def walk(group: object, argv: list[str]) -> None:
        try:
            main([*argv, "--help"])
        except SystemExit as done:
            assert done.code in (0, None)
        out = capsys.readouterr().out
        listing = out.split("Commands:", 1)[1] if "Commands:" in out else ""
        assert "..." not in listing, (argv, out)
        for name, sub in getattr(group, "commands", {}).items():
            walk(sub, [*argv, name])

    walk(cli, [])


def test_readme_sample_with_packets_names_the_key() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "[--packets DIR --key PUB]" in readme and "[--packets DIR]`" not in readme


def test_demo_rerun_says_it_replaces_key_and_ledger(tmp_path: Path) -> None:
    from checker.demo import run_demo

    lines: list[str] = []
    run_demo(tmp_path, echo=lines.append)
    assert not any("replacing" in line for line in lines)
    lines.clear()
    run_demo(tmp_path, echo=lines.append)
    assert any(line.startswith(f"replacing the previous demo's keys and ledger.git in {tmp_path}/") for line in lines)
