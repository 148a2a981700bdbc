"""Deployments as the ledger records them, judged again from its merge records.

Used by `trace` and the export (and by the record job to find what it recorded before): every
`deployment/v1` entry, and every `deployment-claim/v1` entry signed by a deployer the auditor
trusts (`trusted_claims`, from verify), in ledger order. The recorded `traced` is ignored;
`judge_all` recomputes it from the merge records the same ledger holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from checker.deploy.judge import judge_all
from checker.deploy.ledger_index import LedgerIndex
from checker.deploy.model import Deployment, Shipment, TracedDeployment, deployment_from, shipment_from
from checker.evidence.statement import DEPLOYMENT_CLAIM_PREDICATE, DEPLOYMENT_PREDICATE


@dataclass(frozen=True)
class Recorded:
    seq: int
    entry_hash: str
    deployment: Deployment
    shipment: Shipment


def recorded_deployments(
    entries: Iterable[tuple[int, str, dict[str, Any]]], trusted_claims: Collection[int], index: LedgerIndex
) -> list[Recorded]:
    """Fill `index` with the merge records and return the deployments, in ledger order."""
    out = []
    for seq, digest, statement in entries:
        kind = statement.get("predicateType")
        if kind == DEPLOYMENT_PREDICATE or (kind == DEPLOYMENT_CLAIM_PREDICATE and seq in trusted_claims):
            predicate = statement.get("predicate")
            if isinstance(predicate, dict):
                deployment = deployment_from(predicate)
                out.append(Recorded(seq, digest, deployment, shipment_from(predicate.get("shipment"))))
        else:
            index.add(seq, digest, statement)
    return out


def traced_deployments(
    entries: Iterable[tuple[int, str, dict[str, Any]]], trusted_claims: Collection[int] = ()
) -> tuple[list[tuple[Recorded, TracedDeployment]], LedgerIndex]:
    index = LedgerIndex()
    recorded = recorded_deployments(entries, trusted_claims, index)
    judged = judge_all(((r.deployment, r.shipment) for r in recorded), index)
    return list(zip(recorded, judged, strict=True)), index
