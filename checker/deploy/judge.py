"""Whether a deployment is traced: every shipped change has a passing merge record (or an
emergency closed by a retrospective review). Pure: it reads only the ledger index.

A rollback or redeploy ships nothing and is traced when the deployment it returns to was; a
rollback to a sha never deployed to the environment is traced when the commits it covers are.
A sha off the default branch is an exception of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from checker.deploy.ledger_index import LedgerIndex, MergeRecord
from checker.deploy.model import (
    EXCEPTION,
    MERGE,
    OFF_BRANCH,
    UNRECORDED,
    Change,
    Deployment,
    Shipment,
    TracedDeployment,
)
from checker.deploy.rebased import Member, rebased


def _merged(sha: str, merge: MergeRecord, how: str = "") -> Change:
    closed = merge.verdict == "emergency" and bool(merge.emergency_closed_by)
    note = f"emergency closed by {merge.emergency_closed_by}" if closed else ""
    if merge.verdict == "emergency" and not closed:
        note = "emergency awaiting retrospective review"
    note = "; ".join(n for n in (how, note) if n)
    return Change(
        sha, MERGE, merge.verdict == "pass" or closed, merge.verdict, merge.pr, merge.seq, merge.entry_hash, note
    )


def change_of(sha: str, index: LedgerIndex, members: Mapping[str, Member], why: Mapping[str, str]) -> Change:
    """`members`/`why`: the rebase-merged commits of the same walk and why others did not match."""
    merge = index.merges.get(sha)
    if merge is not None:
        return _merged(sha, merge)
    exception = index.exceptions.get(sha)
    if exception is not None:
        return Change(sha, EXCEPTION, False, "exception", None, exception.seq, exception.entry_hash, exception.reason)
    member = members.get(sha)
    if member is not None:
        how = f"commit {member.position} of {member.of} rebase-merged as {member.merge_sha[:12]}"
        return _merged(sha, member.record, how)
    note = why.get(sha, "")
    return Change(sha, UNRECORDED, False, "unrecorded", note=note or "no ledger entry records this commit")


def changes_of(commits: Sequence[str], shipment: Shipment, index: LedgerIndex) -> tuple[Change, ...]:
    members, why = rebased(commits, dict(shipment.fingerprints), index)
    return tuple(change_of(sha, index, members, why) for sha in commits)


def judge(
    deployment: Deployment, shipment: Shipment, index: LedgerIndex, earlier: dict[str, TracedDeployment]
) -> TracedDeployment:
    """`earlier` maps the ids of earlier deployments to the same environment to their judgement."""
    if shipment.off_branch:
        change = Change(deployment.sha, OFF_BRANCH, False, note="not on the default branch's first-parent history")
        return TracedDeployment(deployment, shipment, (change,), False, (deployment.sha,))
    if not shipment.changes and (shipment.rollback or shipment.returns_to):
        back = earlier.get(shipment.returns_to)
        if back is not None:
            return TracedDeployment(deployment, shipment, (), back.traced, back.untraced_changes)
        covered = changes_of(shipment.covers, shipment, index)
        untraced = tuple(c.sha for c in covered if not c.traced) or (() if covered else (deployment.sha,))
        return TracedDeployment(deployment, shipment, (), not untraced, untraced)
    changes = changes_of(shipment.changes, shipment, index)
    untraced = tuple(c.sha for c in changes if not c.traced)
    return TracedDeployment(deployment, shipment, changes, not untraced, untraced)


def judge_all(items: Iterable[tuple[Deployment, Shipment]], index: LedgerIndex) -> list[TracedDeployment]:
    """Judge deployments in the order they happened (rollbacks look back per environment)."""
    seen: dict[tuple[str, str], dict[str, TracedDeployment]] = {}
    out = []
    for deployment, shipment in items:
        earlier = seen.setdefault((deployment.repository, deployment.environment), {})
        traced = judge(deployment, shipment, index, earlier)
        earlier[deployment.id] = traced
        out.append(traced)
    return out
