"""Ledger entries of the period controls: posture, observed bypasses and emergency retrospectives.

They are built and appended like every other entry (in-toto Statement, DSSE, the ledger's
compare-and-swap append), so verification, the checkpoint and any later change of the entry
format apply to them unchanged. The posture entry stores its policy once under
`policies/<digest>` as evaluation entries do, so `verify --reperform` can re-judge it.

They are entry format 2 where that makes them smaller: the values that repeat from run to run
(the observed configuration's parts, the results, what could not be observed, the evaluator)
move to `blobs/<sha256>`; an entry with no such value large enough stays format 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker import __version__
from checker.evidence import layout
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.ledger import AppendResult, append
from checker.evidence.signing import Signer
from checker.evidence.statement import (
    EXCEPTION_PREDICATE,
    POSTURE_PREDICATE,
    RETROSPECTIVE_PREDICATE,
    STATEMENT_TYPE,
    RunContext,
    _run,
    canonical,
    policy_document,
    sha256_hex,
    with_blobs,
)
from checker.model import Policy

PERIOD_KINDS = ("posture", "bypass", "retrospective")

# What repeats across a repository's period entries: a day without change observes the same
# configuration, results and gaps as the day before; every entry names the same evaluator.
COMMON_POINTERS = ("/evaluator",)
POSTURE_POINTERS = (
    "/posture/config/rulesets",
    "/posture/config/effective_rules",
    "/posture/config/ledger",
    "/posture/config/files",
    "/posture/config/merge_settings",
    "/posture/config/environment",
    "/posture/unobservable",
    "/results",
    *COMMON_POINTERS,
)


def compact(statement: dict[str, Any], pointers: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The format 2 statement when some value at `pointers` is large enough to share, else the
    format 1 one (a format 2 entry without a blob would only be longer)."""
    smaller, files = with_blobs(statement, pointers)
    return (smaller, files) if files else (statement, {})


def posture_digest(posture: dict[str, Any]) -> str:
    """The digest of the observed configuration (not of when or how it was read)."""
    return sha256_hex(canonical(posture.get("config") or {}))


def _statement(predicate_type: str, subject: str, record: dict[str, Any], predicate: dict[str, Any]) -> dict[str, Any]:
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": subject, "digest": {"sha256": sha256_hex(canonical(record))}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    }


def _common(context: RunContext, seq: int, prev: str) -> dict[str, Any]:
    return {
        "event": context.event,
        "evaluator": {"tool": "changeproof", "version": __version__, "image_digest": context.image_digest},
        "run": _run(context),
        "ledger": {"seq": seq, "prev": prev},
    }


def posture_statement(
    posture: dict[str, Any],
    *,
    previous_digest: str,
    results: list[dict[str, Any]],
    differences: dict[str, Any],
    policy_digest: str,
    context: RunContext,
    seq: int,
    prev: str,
) -> dict[str, Any]:
    digest = posture_digest(posture)
    predicate = {
        "kind": "posture",
        "repository": posture["repository"],
        "observed_at": posture["collected_at"],
        "posture": posture,
        "digest": {"sha256": digest},
        "previous_digest": previous_digest,
        "results": results,
        "differences": differences,
        "policy": {"digest": {"sha256": policy_digest}, "path": f"policies/{policy_digest}"},
        **_common(context, seq, prev),
    }
    subject = f"{posture['repository']}@posture:{posture['collected_at']}"
    return _statement(POSTURE_PREDICATE, subject, posture.get("config") or {}, predicate)


def record_posture(
    posture: dict[str, Any],
    policy: Policy,
    *,
    previous_digest: str,
    results: list[dict[str, Any]],
    differences: dict[str, Any],
    ledger: str,
    branch: str = layout.DEFAULT_BRANCH,
    signer: Signer,
    token: Token = AMBIENT_TOKEN,
    context: RunContext,
    repository: str | None = None,
) -> AppendResult:
    """Append a signed posture entry (`repository`: the ledger's origin, default the audited one)."""
    body, digest = policy_document(policy)

    def build(seq: int, prev: str) -> tuple[dict[str, Any], dict[str, bytes]]:
        statement = posture_statement(
            posture,
            previous_digest=previous_digest,
            results=results,
            differences=differences,
            policy_digest=digest,
            context=context,
            seq=seq,
            prev=prev,
        )
        statement, files = compact(statement, POSTURE_POINTERS)
        return statement, {layout.policy_path(digest): body, **files}

    return append(
        ledger, branch, signer=signer, repository=repository or posture["repository"], build=build, token=token
    )


@dataclass(frozen=True)
class PeriodRun:
    """Where a scheduled run writes: the ledger, its branch, the signer and the run's context."""

    ledger: str
    branch: str
    signer: Signer
    context: RunContext
    origin: str = ""  # the ledger's origin (default: the audited repository)
    token: Token = AMBIENT_TOKEN  # pushes (and reads) the ledger


def _append_period(
    run: PeriodRun, repository: str, predicate_type: str, subject: str, kind: str, record: dict[str, Any]
) -> AppendResult:
    """Append one bypass, retrospective or retrospective-exception entry (format 2 where smaller)."""

    def build(seq: int, prev: str) -> tuple[dict[str, Any], dict[str, bytes]]:
        predicate = {"kind": kind, **record, **_common(run.context, seq, prev)}
        return compact(_statement(predicate_type, subject, record, predicate), COMMON_POINTERS)

    return append(
        run.ledger, run.branch, signer=run.signer, repository=run.origin or repository, build=build, token=run.token
    )


def record_bypass(repository: str, bypass: dict[str, Any], *, observed_at: str, run: PeriodRun) -> AppendResult:
    """One exception entry per rule suite GitHub recorded as a bypass (reason `bypass`)."""
    record = {
        "repository": repository,
        "reason": "bypass",
        "commits": [bypass["after_sha"]] if bypass.get("after_sha") else [],
        "before": bypass["before_sha"],
        "after": bypass["after_sha"],
        "observed_at": observed_at,
        "pushed_at": bypass["at"],
        "actor": bypass["actor"],
        "ref": bypass["ref"],
        "rule_suite_id": bypass["rule_suite_id"],
        "source": "rule_suites",
    }
    subject = f"{repository}@{bypass['after_sha']}"
    return _append_period(run, repository, EXCEPTION_PREDICATE, subject, "exception", record)


def record_retrospective(repository: str, closure: dict[str, Any], *, observed_at: str, run: PeriodRun) -> AppendResult:
    """The after-the-fact review of an emergency merge, naming the original entry and the approval."""
    record = {"repository": repository, **closure, "observed_at": observed_at}
    subject = f"{repository}#{closure['pr']}@retrospective"
    return _append_period(run, repository, RETROSPECTIVE_PREDICATE, subject, "retrospective", record)


RETROSPECTIVE_SOURCE = "retrospectives"  # exception entries of late or missing emergency retrospectives
OVERDUE = "emergency retrospective overdue"
LATE = "emergency retrospective late"


def record_retrospective_exception(
    repository: str, late: dict[str, Any], *, observed_at: str, run: PeriodRun
) -> AppendResult:
    """An exception entry for an emergency merge whose deadline passed without an independent
    approval (`reason` OVERDUE) or whose approval came after it (LATE); once per merge."""
    merge_sha = str(late.get("merge_sha") or "")
    record = {
        "repository": repository,
        "reason": late["reason"],
        "commits": [merge_sha] if merge_sha else [],
        "before": "",
        "after": merge_sha,
        "observed_at": observed_at,
        "pr": late["pr"],
        "merged_at": late["merged_at"],
        "review_within_days": late["review_within_days"],
        "deadline": late["deadline"],
        "original": late["original"],
        "approval": late.get("approval"),
        "source": RETROSPECTIVE_SOURCE,
    }
    subject = f"{repository}#{late['pr']}@{late['reason'].rsplit(' ', 1)[-1]}"
    return _append_period(run, repository, EXCEPTION_PREDICATE, subject, "exception", record)
