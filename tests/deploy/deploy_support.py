"""Helpers for the deployment tests: a real local git repository and the audit tests' ledger helpers.

(A uniquely named module; the audit helpers are imported from their directory.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audit"))

from audit_helpers import (
    BRANCH,
    POLICY,
    RECORD,
    Keys,
    Recorder,
    bare_repo,
    make_keys,
    pr_facts,
    review,
    run_cli,
)

__all__ = [
    "BRANCH",
    "POLICY",
    "RECORD",
    "GitRepo",
    "Keys",
    "Recorder",
    "bare_repo",
    "make_keys",
    "pr_facts",
    "review",
    "run_cli",
]


class GitRepo:
    """A real repository whose `main` gets merge commits (first parent = main) and direct pushes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.commit("initial")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.path), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    def commit(self, message: str) -> str:
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, message: str) -> str:
        """A PR merged with a merge commit: a side commit on `branch`, then --no-ff into main."""
        self.git("checkout", "-q", "-b", branch)
        self.commit(f"{branch}: work")
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--no-ff", branch, "-m", message)
        return self.git("rev-parse", "HEAD")

    def side(self, branch: str, message: str) -> str:
        """A commit that never reaches main."""
        self.git("checkout", "-q", "-b", branch)
        sha = self.commit(message)
        self.git("checkout", "-q", "main")
        return sha
