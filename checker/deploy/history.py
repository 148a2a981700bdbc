"""The git side: the default branch's first-parent line and whether a commit exists.

The only I/O of the deploy package; it reads a local clone (the record job's checkout, or the
CD pipeline's workspace for `attest deployment`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from checker.commit_fingerprint import fingerprint
from checker.deploy.model import Shipment
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


def fingerprints(repo: Path, shas: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(sha, fingerprint) of each commit: its author's email and message, as a rebase keeps them."""
    out: list[tuple[str, str]] = []
    for start in range(0, len(shas), 500):
        chunk = list(shas[start : start + 500])
        proc = _git(repo, "show", "-s", "--no-notes", "--format=%H%x00%ae%x00%B%x1e", *chunk, "--")
        if proc.returncode != 0:
            raise UsageError(
                f"cannot read commits of {repo}: {proc.stderr.decode(errors='replace').strip()[:300]}",
                fix="run in a full clone of the repository (actions/checkout with fetch-depth: 0)",
            )
        for record in proc.stdout.decode("utf-8", "surrogateescape").split("\x1e"):
            parts = record.lstrip("\n").split("\x00", 2)
            if len(parts) == 3:
                out.append((parts[0], fingerprint(parts[1], parts[2])))
    return tuple(out)


def with_fingerprints(repo: Path, shipment: Shipment) -> Shipment:
    """The shipment with the fingerprints of the commits it ships or covers."""
    shas = list(dict.fromkeys([*shipment.changes, *shipment.covers]))
    return replace(shipment, fingerprints=fingerprints(repo, shas)) if shas else shipment
