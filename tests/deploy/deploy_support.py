"""Helpers for the deployment tests: a real local git repository and the audit tests' ledger helpers.

(A uniquely named module; the audit helpers are imported from their directory.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

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


GITHUB = ("GitHub", "noreply@github.com")  # the committer GitHub writes merged commits as


class MergeMethods(GitRepo):
    """GitHub's three merge methods, each from a branch of real commits by `author` (file changes,
    so that a rebase writes new commits): the PR's own commits (sha, message) and the merge sha."""

    def _branch(self, branch: str, messages: list[str], author: str) -> list[tuple[str, str]]:
        self.git("checkout", "-q", "-b", branch)
        commits = []
        for n, message in enumerate(messages):
            (self.path / f"{branch}-{n}.txt").write_text(message)
            self.git("add", ".")
            self.git("commit", "-q", "-m", message, f"--author=Author <{author}>")
            commits.append((self.git("rev-parse", "HEAD"), message))
        self.git("checkout", "-q", "main")
        return commits

    def _as_github(self, *args: str) -> str:
        name, email = GITHUB
        return self.git("-c", f"user.name={name}", "-c", f"user.email={email}", *args)

    def rebase_merge(self, branch: str, messages: list[str], author: str) -> tuple[list[tuple[str, str]], list[str]]:
        """(the PR's commits, the rebased commits on main, oldest first; the last is merge_commit_sha)."""
        commits = self._branch(branch, messages, author)
        return commits, self.rebase(commits)

    def rebase(self, commits: list[tuple[str, str]]) -> list[str]:
        """The commits written again onto main by GitHub (new committer, new parents: new shas)."""
        rebased = []
        for sha, _ in commits:
            self._as_github("cherry-pick", "--allow-empty", sha)
            rebased.append(self.git("rev-parse", "HEAD"))
        return rebased

    branch = _branch

    def squash_merge(self, branch: str, messages: list[str], author: str, title: str) -> tuple[list, str]:
        commits = self._branch(branch, messages, author)
        self.git("merge", "-q", "--squash", branch)
        self._as_github("commit", "-q", "-m", title, f"--author=Author <{author}>")
        return commits, self.git("rev-parse", "HEAD")

    def merge_commit(self, branch: str, messages: list[str], author: str, title: str) -> tuple[list, str]:
        commits = self._branch(branch, messages, author)
        self._as_github("merge", "-q", "--no-ff", branch, "-m", title)
        return commits, self.git("rev-parse", "HEAD")


def record_job_repo(repository: str, policy: str, sha: str) -> dict:
    """The audited repository as the fake GitHub serves it to a record job: its policy on main, one
    successful deployment (7) of `sha` to production, approved by carol through run 900."""
    sys.path.append(str(Path(__file__).resolve().parents[1]))
    from fakegithub import deployments as gh
    from fakegithub import scenario as sc

    return {
        "repo": sc.repo_obj(repository),
        "pulls": {},
        "contents": {"main": {".github/changeproof.yml": policy}},
        "deployments": [gh.deployment(repository, 7, sha, "production", "dana", "2026-11-03T09:00:00Z")],
        "deployment_statuses": {
            "7": [gh.status(repository, 7, 71, "success", "2026-11-03T09:05:00Z", 900, "production")]
        },
        "environments": {"production": {"environment": gh.environment(repository, "production", ["carol"], True)}},
        "run_approvals": {"900": [gh.approval(repository, "production", "carol")]},
    }


def run_record_job(
    tmp_path: Path, repository: str, policy: str, *, repos: dict | None = None, faults: tuple[dict, ...] = ()
) -> tuple[Any, Path, str]:
    """A scheduled record run through the real entrypoint, on a checkout with one merge (PR #1,
    recorded) that deployment 7 shipped: (the action's run, the ledger, the merge sha)."""
    sys.path.append(str(Path(__file__).resolve().parents[1]))
    sys.path.append(str(Path(__file__).resolve().parents[1] / "github"))
    from fakegithub import scenario as sc
    from fakegithub.server import FakeGitHub
    from ghaction import run_action

    from checker.evidence import load_signer

    run_dir = tmp_path / "run"
    repo = GitRepo(run_dir / "workspace")
    m1 = repo.merge("pr1", "Merge pull request #1")
    ledger = bare_repo(tmp_path / "ledger.git")
    keys = make_keys(tmp_path / "keys")
    Recorder(ledger, load_signer("key", str(keys.private))).record(
        pr_facts(1, "one", merged_at="2026-11-01T10:00:00Z", merge_sha=m1, repository=repository)
    )
    fake = FakeGitHub({"repos": {repository: record_job_repo(repository, policy, m1), **(repos or {})}}).start()
    for fault in faults:
        fake.add_fault(**fault)
    inputs = {"signing-key": keys.private.read_text(), "ledger-repository": str(ledger), "job": "record"}
    try:
        event = {"repository": sc.repo_obj(repository)}
        return run_action(run_dir, fake.base_url, "workflow_dispatch", event, inputs=inputs), ledger, m1
    finally:
        fake.stop()
