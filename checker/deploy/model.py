"""The deployment record: what was deployed where, who approved the release, which changes it shipped.

Frozen dataclasses with a plain JSON form (`to_predicate` / `from_predicate`), the same form the
ledger's `deployment/v1` and `deployment-claim/v1` predicates carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SOURCE_GITHUB = "github"
SOURCE_CLAIM = "claim"

# How a shipped commit is accounted for in the ledger.
MERGE = "merge"  # a merge record of a PR
EXCEPTION = "exception"  # an exception entry (direct push, force push)
UNRECORDED = "unrecorded"  # no entry at all
OFF_BRANCH = "off-branch"  # the deployed sha is not on the default branch's first-parent line


@dataclass(frozen=True)
class Approval:
    """One review of the deploying run's environment gate."""

    user: str
    state: str  # approved / rejected
    comment: str = ""


@dataclass(frozen=True)
class ReleaseApproval:
    """Who approved the release, where the environment requires reviewers.

    `required` is None when the environment's protection rules could not be read, and
    `unobservable` says what could not be read: an unreadable gate never counts as approved.
    """

    required: bool | None = None
    prevent_self_review: bool | None = None
    reviewers: tuple[str, ...] = ()
    run_id: str = ""
    approvals: tuple[Approval, ...] = ()
    unobservable: tuple[str, ...] = ()

    @property
    def approved_by(self) -> tuple[str, ...]:
        return tuple(a.user for a in self.approvals if a.state == "approved")


@dataclass(frozen=True)
class Deployment:
    """A deployment that reached `success` (GitHub Deployments) or that a deployer claims."""

    source: str  # github / claim
    repository: str
    environment: str
    id: str  # GitHub's deployment id, or the claim's id
    sha: str
    ref: str = ""
    creator: str = ""
    deployed_at: str = ""
    approval: ReleaseApproval | None = None
    artifacts: tuple[str, ...] = ()  # "sha256:<hex>" digests


@dataclass(frozen=True)
class Shipment:
    """What git says a deployment shipped (a fact; no judgement).

    `changes` are first-parent commits, oldest first. A rollback ships nothing and names the
    deployment it `returns_to` (empty when that sha was never deployed to the environment).
    """

    baseline: str | None  # the previous deployment's id; None for the first deployment
    changes: tuple[str, ...] = ()
    rollback: bool = False
    returns_to: str = ""
    off_branch: bool = False
    covers: tuple[str, ...] = ()  # a rollback to a sha never deployed: the commits it returns to
    # (sha, fingerprint) of the commits in `changes` and `covers`, from git: a rebase-merged PR's
    # commits are matched to its merge record by these (checker.commit_fingerprint)
    fingerprints: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Change:
    """One shipped commit and the ledger record that accounts for it."""

    sha: str
    record: str  # merge / exception / unrecorded / off-branch
    traced: bool
    verdict: str = ""
    pr: int | None = None
    seq: int | None = None
    entry_hash: str = ""
    note: str = ""


@dataclass(frozen=True)
class TracedDeployment:
    deployment: Deployment
    shipment: Shipment
    changes: tuple[Change, ...]
    traced: bool
    untraced_changes: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class Collected:
    """Deployments read from a delivery system to record (oldest first), and what was not and why."""

    deployments: list[Deployment] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (deployment id, why)
    unobservable: list[str] = field(default_factory=list)


def approval_json(approval: ReleaseApproval | None) -> dict[str, Any] | None:
    if approval is None:
        return None
    return {
        "required": approval.required,
        "prevent_self_review": approval.prevent_self_review,
        "reviewers": list(approval.reviewers),
        "run_id": approval.run_id,
        "approvals": [{"user": a.user, "state": a.state, "comment": a.comment} for a in approval.approvals],
        "approved_by": list(approval.approved_by),
        "unobservable": list(approval.unobservable),
    }


def approval_from(data: Any) -> ReleaseApproval | None:
    if not isinstance(data, dict):
        return None
    required, prevent = data.get("required"), data.get("prevent_self_review")
    return ReleaseApproval(
        required=required if isinstance(required, bool) else None,
        prevent_self_review=prevent if isinstance(prevent, bool) else None,
        reviewers=tuple(str(r) for r in data.get("reviewers") or ()),
        run_id=str(data.get("run_id") or ""),
        approvals=tuple(
            Approval(str(a.get("user", "")), str(a.get("state", "")), str(a.get("comment", "")))
            for a in data.get("approvals") or ()
            if isinstance(a, dict)
        ),
        unobservable=tuple(str(u) for u in data.get("unobservable") or ()),
    )


def deployment_json(d: Deployment) -> dict[str, Any]:
    return {
        "source": d.source,
        "repository": d.repository,
        "environment": d.environment,
        "deployment_id": d.id,
        "sha": d.sha,
        "ref": d.ref,
        "creator": d.creator,
        "deployed_at": d.deployed_at,
        "approval": approval_json(d.approval),
        "artifacts": list(d.artifacts),
    }


def deployment_from(p: dict[str, Any]) -> Deployment:
    return Deployment(
        source=str(p.get("source") or ""),
        repository=str(p.get("repository") or ""),
        environment=str(p.get("environment") or ""),
        id=str(p.get("deployment_id") or ""),
        sha=str(p.get("sha") or ""),
        ref=str(p.get("ref") or ""),
        creator=str(p.get("creator") or ""),
        deployed_at=str(p.get("deployed_at") or ""),
        approval=approval_from(p.get("approval")),
        artifacts=tuple(str(a) for a in p.get("artifacts") or ()),
    )


def shipment_json(s: Shipment) -> dict[str, Any]:
    return {
        "baseline": s.baseline,
        "changes": list(s.changes),
        "rollback": s.rollback,
        "returns_to": s.returns_to,
        "off_branch": s.off_branch,
        "covers": list(s.covers),
        "fingerprints": dict(s.fingerprints),
    }


def shipment_from(data: Any) -> Shipment:
    data = data if isinstance(data, dict) else {}
    baseline, fingerprints = data.get("baseline"), data.get("fingerprints")
    return Shipment(
        baseline=str(baseline) if baseline is not None else None,
        changes=tuple(str(c) for c in data.get("changes") or ()),
        rollback=bool(data.get("rollback")),
        returns_to=str(data.get("returns_to") or ""),
        off_branch=bool(data.get("off_branch")),
        covers=tuple(str(c) for c in data.get("covers") or ()),
        fingerprints=tuple((str(k), str(v)) for k, v in fingerprints.items()) if isinstance(fingerprints, dict) else (),
    )


def change_json(c: Change) -> dict[str, Any]:
    return {
        "sha": c.sha,
        "record": c.record,
        "traced": c.traced,
        "verdict": c.verdict,
        "pr": c.pr,
        "seq": c.seq,
        "entry_hash": c.entry_hash,
        "note": c.note,
    }
