"""The in-toto Statement v1 recorded for each evaluation (and for each unreviewed change).

The subject is the canonical (RFC 8785) evaluation, named by repository and head sha; the
predicate carries everything an auditor needs to re-perform the evaluation offline: the full
facts, a reference to the policy (stored once per digest beside the entries), the results and
verdict, who evaluated it (tool version, image digest) and where (workflow run), and the ledger
position `{seq, prev}` that chains entries.

Secrets never enter evidence: IaC findings from secret scanners keep only check id, file and line.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

import rfc8785

from checker.evidence import blobs
from checker.model import Evaluation, Facts, IacFacts, IacFinding, Policy
from checker.serde import to_json

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
EVALUATION_PREDICATE = "https://changeproof.dev/attestation/evaluation/v1"
EXCEPTION_PREDICATE = "https://changeproof.dev/attestation/exception/v1"
DEPLOYMENT_PREDICATE = "https://changeproof.dev/attestation/deployment/v1"
DEPLOYMENT_CLAIM_PREDICATE = "https://changeproof.dev/attestation/deployment-claim/v1"
POSTURE_PREDICATE = "https://changeproof.dev/attestation/posture/v1"
RETROSPECTIVE_PREDICATE = "https://changeproof.dev/attestation/retrospective/v1"
PREDICATE_TYPES = (
    EVALUATION_PREDICATE,
    EXCEPTION_PREDICATE,
    POSTURE_PREDICATE,
    RETROSPECTIVE_PREDICATE,
    DEPLOYMENT_PREDICATE,
    DEPLOYMENT_CLAIM_PREDICATE,
)
SECRET_FRAMEWORKS = frozenset({"secrets", "secret"})


@dataclass(frozen=True)
class RunContext:
    """Where an evaluation ran; every field may be empty (e.g. on a laptop)."""

    event: str
    job: str  # "gate" | "record" | "cli"
    workflow_ref: str
    run_id: str
    run_url: str
    ref: str
    image_digest: str = ""


def canonical(data: Any) -> bytes:
    return bytes(rfc8785.dumps(data))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_secret(finding: IacFinding) -> bool:
    return finding.framework.lower() in SECRET_FRAMEWORKS or finding.check_id.upper().startswith("CKV_SECRET")


def _scrub_finding(finding: IacFinding) -> IacFinding:
    if not _is_secret(finding):
        return finding
    return IacFinding(
        check_id=finding.check_id,
        check_name="",
        severity=finding.severity,
        framework=finding.framework,
        file=finding.file,
        line_start=finding.line_start,
        line_end=finding.line_end,
        resource="",
    )


def scrub_facts(facts: Facts) -> Facts:
    """Facts with secret findings reduced to check id, file and line (and severity, which the
    evaluation uses); the matched text, resource and guideline are dropped."""
    iac = facts.iac
    if iac is None:
        return facts
    scrubbed = IacFacts(
        **{
            **{f.name: getattr(iac, f.name) for f in dataclasses.fields(iac)},
            "introduced": tuple(_scrub_finding(f) for f in iac.introduced),
            "resolved": tuple(_scrub_finding(f) for f in iac.resolved),
        }
    )
    return dataclasses.replace(facts, iac=scrubbed)


def _secret_texts(facts: Facts) -> list[str]:
    """Text of secret findings that could carry (part of) the secret: names, resources, guidelines."""
    iac = facts.iac
    if iac is None:
        return []
    texts = {
        t
        for f in (*iac.introduced, *iac.resolved)
        if _is_secret(f)
        for t in (f.check_name, f.resource, f.guideline)
        if len(t) >= 4
    }
    return sorted(texts, key=len, reverse=True)


def _redact(value: Any, texts: list[str]) -> Any:
    if isinstance(value, str):
        for text in texts:
            value = value.replace(text, "[redacted]")
        return value
    if isinstance(value, list):
        return [_redact(v, texts) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v, texts) for k, v in value.items()}
    return value


def policy_document(policy: Policy) -> tuple[bytes, str]:
    """The policy file body stored under policies/<sha256>, and that digest."""
    body = canonical(to_json(policy))
    return body, sha256_hex(body)


def evaluation_statement(
    evaluation: Evaluation, facts: Facts, policy_digest: str, *, kind: str, context: RunContext, seq: int, prev: str
) -> dict[str, Any]:
    # the evaluation's messages may quote a secret finding's resource or name: redact those too
    evaluation_json = _redact(to_json(evaluation), _secret_texts(facts))
    subject_digest = sha256_hex(canonical(evaluation_json))
    merge_sha = facts.merge.merge_commit_sha or ""
    predicate = {
        "kind": kind,
        "repository": evaluation.repository,
        "pr": evaluation.number,
        "event": context.event,
        "head_sha": evaluation.head_sha,
        "base_sha": evaluation.base_sha,
        "merge_sha": merge_sha,
        "policy": {
            "digest": {"sha256": policy_digest},
            "path": f"policies/{policy_digest}",
            "evaluation_digest": evaluation.policy_digest,
        },
        "facts": to_json(scrub_facts(facts)),
        "evaluation": evaluation_json,
        "verdict": evaluation.verdict.value,
        "evaluator": {"tool": "changeproof", "version": evaluation.tool_version, "image_digest": context.image_digest},
        "run": _run(context),
        "ledger": {"seq": seq, "prev": prev},
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"{evaluation.repository}@{evaluation.head_sha}", "digest": {"sha256": subject_digest}}],
        "predicateType": EVALUATION_PREDICATE,
        "predicate": predicate,
    }


def exception_statement(
    *,
    repository: str,
    reason: str,
    commits: tuple[str, ...],
    before: str,
    after: str,
    observed_at: str,
    tool_version: str,
    context: RunContext,
    seq: int,
    prev: str,
) -> dict[str, Any]:
    record = {
        "repository": repository,
        "reason": reason,
        "commits": list(commits),
        "before": before,
        "after": after,
        "observed_at": observed_at,
    }
    predicate = {
        "kind": "exception",
        **record,
        "event": context.event,
        "evaluator": {"tool": "changeproof", "version": tool_version, "image_digest": context.image_digest},
        "run": _run(context),
        "ledger": {"seq": seq, "prev": prev},
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"{repository}@{after}", "digest": {"sha256": sha256_hex(canonical(record))}}],
        "predicateType": EXCEPTION_PREDICATE,
        "predicate": predicate,
    }


def _run(context: RunContext) -> dict[str, str]:
    return {
        "job": context.job,
        "workflow_ref": context.workflow_ref,
        "run_id": context.run_id,
        "run_url": context.run_url,
        "ref": context.ref,
    }


def with_blobs(statement: dict[str, Any], pointers: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The format 2 form of `statement`: the predicate's values at `pointers` (when large) moved
    to `blobs/<sha256>` files, which are returned for the append to add beside the entry."""
    predicate, files = blobs.externalise(statement["predicate"], pointers)
    return {**statement, "predicate": predicate}, files


def statement_bytes(statement: dict[str, Any]) -> bytes:
    """The DSSE payload: canonical JSON, so the same statement always signs the same bytes."""
    return canonical(statement)
