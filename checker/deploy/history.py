"""The git side: the default branch's first-parent line and whether a commit exists.

The only I/O of the deploy package; it reads a local clone (the record job's checkout, or the
CD pipeline's workspace for `attest deployment`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from checker.errors import UsageError


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # the checkout may belong to another user (a container step): trust this one directory only
    safe = f"safe.directory={repo.resolve()}"
    return subprocess.run(["git", "-c", safe, "-C", str(repo), *args], capture_output=True, check=False)


def first_parent_line(repo: Path, ref: str) -> tuple[str, ...]:
    """The commits `ref` has pointed through on its first-parent line, oldest first."""
    if _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true":
        raise UsageError(
            f"{repo} is a shallow clone: the deployed changes cannot be walked",
            fix="check out with actions/checkout and `fetch-depth: 0`",
        )
    proc = _git(repo, "rev-list", "--first-parent", "--reverse", ref, "--")
    if proc.returncode != 0:
        raise UsageError(
            f"cannot read the history of {ref} in {repo}: {proc.stderr.decode(errors='replace').strip()[:300]}",
            fix="run in a full clone of the repository (actions/checkout with fetch-depth: 0) and name its "
            "default branch",
        )
    return tuple(proc.stdout.decode().split())


def resolve_commit(repo: Path, sha: str) -> str | None:
    """The full sha of `sha` when it names a commit in `repo`, else None."""
    if not sha or sha.startswith("-"):
        return None
    proc = _git(repo, "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}")
    return proc.stdout.decode().strip() if proc.returncode == 0 else None
