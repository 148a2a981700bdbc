"""Which changes a deployment shipped: a first-parent walk, pure over the default branch's line.

The changes of a deployment to E are the first-parent commits from the deployed sha back to (not
including) the nearest ancestor that was deployed to E. A sha behind the last deployment on the
line is a rollback and ships nothing; a sha deployed before is a redeploy and ships nothing (both
name the deployment they return to; a rollback to a sha never deployed `covers` the commits since
its own nearest deployed ancestor, which decide whether it is traced). The first
deployment (no ancestor deployed to E) covers the commits the ledger recorded before it: from the
oldest commit with a ledger record (merge or exception) up to the deployed sha, so an unrecorded
direct push in between still shows. A sha not on the line at all is off the default branch.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from checker.deploy.model import Shipment


@dataclass(frozen=True)
class Line:
    """The default branch's first-parent line, oldest first, with each commit's position."""

    commits: tuple[str, ...]
    position: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, commits: Sequence[str]) -> Line:
        commits = tuple(commits)
        return cls(commits, {sha: i for i, sha in enumerate(commits)})


def ship(sha: str, line: Line, earlier: Sequence[tuple[str, str]], recorded: Container[str]) -> Shipment:
    """The shipment of a deployment of `sha`, given the `earlier` successful deployments to the
    same environment as (id, sha), oldest first, and the shas the ledger holds a record for."""
    baseline = earlier[-1][0] if earlier else None
    pos = line.position
    if sha not in pos:
        return Shipment(baseline, off_branch=True)
    here = pos[sha]
    on_line = [(dep_id, s) for dep_id, s in earlier if s in pos]
    returns_to = next((dep_id for dep_id, s in reversed(on_line) if s == sha), "")
    deployed = [pos[s] for _, s in on_line if pos[s] < here]
    if deployed:
        start = max(deployed) + 1
    else:
        start = next((i for i, c in enumerate(line.commits[: here + 1]) if c in recorded), here + 1)
    since = line.commits[start : here + 1]
    if on_line and here < pos[on_line[-1][1]]:  # behind the last deployment on the line
        return Shipment(baseline, rollback=True, returns_to=returns_to, covers=() if returns_to else since)
    if returns_to:  # a redeploy (e.g. forward again after a rollback): nothing new ships
        return Shipment(baseline, returns_to=returns_to)
    return Shipment(baseline, changes=since)
