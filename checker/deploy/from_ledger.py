"""Deployments as the ledger records them, judged again from its merge records.

Used by `trace` and the export: every `deployment/v1` entry from GitHub, and every claim (a
`deployment-claim/v1` entry, or a `deployment/v1` the record job made from a claim file) whose
deployer the auditor trusts (`trusted_claims`, seqs from verify), in ledger order. The record job
passes `trusted_claims=None`: all that it recorded itself. The recorded `traced` is ignored;
`judge_all` recomputes it from the merge records the same ledger holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from checker.deploy.judge import judge_all
from checker.deploy.ledger_index import LedgerIndex
from checker.deploy.model import (
    SOURCE_CLAIM,
    Deployment,
    Shipment,
    TracedDeployment,
    deployment_from,
    shipment_from,
)
from checker.deploy.unobservable import KIND as UNOBSERVABLE
from checker.deploy.unobservable import Unobserved, unobserved_from
from checker.evidence.statement import DEPLOYMENT_CLAIM_PREDICATE, DEPLOYMENT_PREDICATE


@dataclass(frozen=True)
class Recorded:
    seq: int
    entry_hash: str
    deployment: Deployment
    shipment: Shipment


def recorded_deployments(
    entries: Iterable[tuple[int, str, dict[str, Any]]],
    trusted_claims: Collection[int] | None,
    index: LedgerIndex,
    gaps: list[Unobserved] | None = None,
) -> list[Recorded]:
    """Fill `index` with the merge records (and `gaps` with the record job's unobservable
    intervals) and return the deployments, in ledger order."""
    out = []
    for seq, digest, statement in entries:
        kind = statement.get("predicateType")
        predicate = statement.get("predicate")
        if kind == DEPLOYMENT_PREDICATE and isinstance(predicate, dict) and predicate.get("kind") == UNOBSERVABLE:
            if gaps is not None:
                gaps.append(unobserved_from(predicate, seq, digest))
        elif kind in (DEPLOYMENT_PREDICATE, DEPLOYMENT_CLAIM_PREDICATE):
            if trusted_claims is None:
                counts = kind == DEPLOYMENT_PREDICATE
            else:
                from_claim = kind == DEPLOYMENT_CLAIM_PREDICATE or (
                    isinstance(predicate, dict) and predicate.get("source") == SOURCE_CLAIM
                )
                counts = not from_claim or seq in trusted_claims
            if counts and isinstance(predicate, dict):
                deployment = deployment_from(predicate)
                out.append(Recorded(seq, digest, deployment, shipment_from(predicate.get("shipment"))))
        else:
            index.add(seq, digest, statement)
    return out


def traced_deployments(
    entries: Iterable[tuple[int, str, dict[str, Any]]],
    trusted_claims: Collection[int] | None = (),
    index: LedgerIndex | None = None,
    gaps: list[Unobserved] | None = None,
) -> tuple[list[tuple[Recorded, TracedDeployment]], LedgerIndex]:
    """`index` may come pre-filled with the merge records (the export's population pass)."""
    index = index if index is not None else LedgerIndex()
    recorded = recorded_deployments(entries, trusted_claims, index, gaps)
    judged = judge_all(((r.deployment, r.shipment) for r in recorded), index)
    return list(zip(recorded, judged, strict=True)), index
