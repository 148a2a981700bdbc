"""The two deployment entry kinds, built like every other statement and appended the same way.

- `deployment/v1`: written by the default branch's record job with the ledger's key, from GitHub
  Deployments (or from an ingested claim). It carries what was deployed, who approved the
  release, what git says it shipped, and the judgement at record time (`traced`), which the
  export recomputes from the merge records and never takes from here.
- `deployment-claim/v1`: written by any CD system with its own deployer key or identity, never
  the ledger's. It says what was deployed where (sha, artifacts, what it shipped) and nothing
  about approval. Artifact digests are statement subjects, so `trace --artifact` finds them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from checker import __version__
from checker.deploy.model import (
    Deployment,
    Shipment,
    TracedDeployment,
    change_json,
    deployment_json,
    shipment_json,
)
from checker.deploy.unobservable import Unobserved, unobserved_json
from checker.errors import UsageError
from checker.evidence import bundle as bundles
from checker.evidence import layout
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.ledger import AppendResult, append
from checker.evidence.signing import Signer
from checker.evidence.statement import (
    DEPLOYMENT_CLAIM_PREDICATE,
    DEPLOYMENT_PREDICATE,
    PAYLOAD_TYPE,
    STATEMENT_TYPE,
    RunContext,
    _run,
    canonical,
    sha256_hex,
    statement_bytes,
    with_blobs,
)

# Entry format 2 (checker.evidence.blobs): what repeats across an environment's deployment
# entries is the release rule (the required reviewers) and, while the environment cannot be
# read, the reasons why; large enough values of these are stored once. Everything else of a
# deployment (its sha, what it shipped, the run's approvals, an embedded claim) is its own.
DEPLOYMENT_POINTERS = ("/approval/reviewers", "/approval/unobservable")

ARTIFACT = re.compile(r"^sha256:([0-9a-f]{64})$")


def artifact_digest(text: str) -> str:
    """The hex of a `sha256:<64 hex>` artifact digest; a usage error for anything else."""
    match = ARTIFACT.match(text.strip().lower())
    if match is None:
        raise UsageError(
            f"artifact digest {text!r} is not of the form sha256:<64 hex digits>",
            fix="pass the image or file digest, e.g. --artifact sha256:$(sha256sum app.tar | cut -c1-64)",
        )
    return match.group(1)


def _subjects(deployment: Deployment, record: dict[str, Any]) -> list[dict[str, Any]]:
    subjects: list[dict[str, Any]] = [
        {
            "name": f"{deployment.repository}@{deployment.sha}",
            "digest": {"sha256": sha256_hex(canonical(record)), "gitCommit": deployment.sha},
        }
    ]
    subjects += [{"name": a, "digest": {"sha256": artifact_digest(a)}} for a in deployment.artifacts]
    return subjects


def _recorded_by(context: RunContext, seq: int, prev: str) -> dict[str, Any]:
    """What every record job entry says about the run that made it, and its place in the ledger."""
    return {
        "evaluator": {"tool": "changeproof", "version": __version__, "image_digest": context.image_digest},
        "run": _run(context),
        "event": context.event,
        "ledger": {"seq": seq, "prev": prev},
    }


def deployment_statement(
    traced: TracedDeployment, *, observed_at: str, context: RunContext, seq: int, prev: str, claim: Any = None
) -> dict[str, Any]:
    record = {
        **deployment_json(traced.deployment),
        "shipment": shipment_json(traced.shipment),
        "observed_at": observed_at,
    }
    predicate = {
        "kind": "deployment",
        **record,
        "changes": [change_json(c) for c in traced.changes],
        "traced": traced.traced,
        "untraced_changes": list(traced.untraced_changes),
        "claim": claim,
        **_recorded_by(context, seq, prev),
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subjects(traced.deployment, record),
        "predicateType": DEPLOYMENT_PREDICATE,
        "predicate": predicate,
    }


def claim_statement(
    deployment: Deployment,
    shipment: Shipment,
    *,
    observed_at: str,
    context: RunContext,
    seq: int | None = None,
    prev: str = "",
) -> dict[str, Any]:
    """`seq=None`: a claim for `--out FILE`, without a ledger position (the record job embeds it)."""
    record = {**deployment_json(deployment), "shipment": shipment_json(shipment), "observed_at": observed_at}
    record.pop("approval")  # a claim says what was deployed, never whether it was approved
    predicate = {
        "kind": "deployment-claim",
        **record,
        "deployer": {"tool": "changeproof", "version": __version__},
        "run": _run(context),
        "event": context.event,
        **({} if seq is None else {"ledger": {"seq": seq, "prev": prev}}),
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subjects(deployment, record),
        "predicateType": DEPLOYMENT_CLAIM_PREDICATE,
        "predicate": predicate,
    }


def claim_bundle(
    deployment: Deployment, shipment: Shipment, *, observed_at: str, context: RunContext, signer: Signer
) -> dict[str, Any]:
    """A signed claim to hand to the record job (`claims:` input) instead of appending it."""
    statement = claim_statement(deployment, shipment, observed_at=observed_at, context=context)
    return signer.sign_bundle(PAYLOAD_TYPE, statement_bytes(statement))


def read_claim(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(bundle, statement) of a claim file written by `attest deployment --out`; usage error otherwise."""
    try:
        data = path.read_bytes()
        parsed = bundles.parse(data)
        statement = json.loads(parsed.payload)
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{path}: not a deployment claim bundle ({exc})", fix="pass files written by `attest deployment --out`"
        ) from None
    if not isinstance(statement, dict) or statement.get("predicateType") != DEPLOYMENT_CLAIM_PREDICATE:
        raise UsageError(
            f"{path}: the bundle's statement is not a {DEPLOYMENT_CLAIM_PREDICATE}",
            fix="pass files written by `attest deployment --out`",
        )
    return parsed.raw, statement


def record_deployment(
    traced: TracedDeployment,
    *,
    observed_at: str,
    ledger: str,
    branch: str,
    signer: Signer,
    context: RunContext,
    claim: dict[str, Any] | None = None,
    token: Token = AMBIENT_TOKEN,
) -> AppendResult:
    """Append a `deployment/v1` entry (the record job, with the ledger's key); `claim` is the
    deployer-signed bundle it was made from, when it was ingested from a claim file."""
    return append(
        ledger,
        branch,
        signer=signer,
        repository=traced.deployment.repository,
        build=lambda seq, prev: with_blobs(
            deployment_statement(traced, observed_at=observed_at, context=context, seq=seq, prev=prev, claim=claim),
            DEPLOYMENT_POINTERS,
        ),
        token=token,
    )


def record_claim(
    deployment: Deployment,
    shipment: Shipment,
    *,
    observed_at: str,
    ledger: str,
    branch: str = layout.DEFAULT_BRANCH,
    signer: Signer,
    context: RunContext,
) -> AppendResult:
    """Append a `deployment-claim/v1` entry signed by the deployer's own key or identity."""
    return append(
        ledger,
        branch,
        signer=signer,
        repository=deployment.repository,
        build=lambda seq, prev: (
            claim_statement(deployment, shipment, observed_at=observed_at, context=context, seq=seq, prev=prev),
            {},
        ),
    )


def unobservable_statement(gap: Unobserved, *, context: RunContext, seq: int, prev: str) -> dict[str, Any]:
    """A `deployment/v1` of kind `deployments-unobservable`: the record job could not list the
    deployments to an environment (never traced, never a pass: the export reports the interval)."""
    record = unobserved_json(gap)
    predicate = {**record, **_recorded_by(context, seq, prev)}
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {
                "name": f"{gap.repository}@deployments/{gap.environment}",
                "digest": {"sha256": sha256_hex(canonical(record))},
            }
        ],
        "predicateType": DEPLOYMENT_PREDICATE,
        "predicate": predicate,
    }


def record_unobservable(
    gap: Unobserved, *, ledger: str, branch: str, signer: Signer, context: RunContext, token: Token = AMBIENT_TOKEN
) -> AppendResult:
    """Append the record job's `deployments-unobservable` entry (with the ledger's key)."""
    return append(
        ledger,
        branch,
        signer=signer,
        repository=gap.repository,
        build=lambda seq, prev: (unobservable_statement(gap, context=context, seq=seq, prev=prev), {}),
        token=token,
    )
