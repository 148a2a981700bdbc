"""Recording evaluations and exceptions: the two kinds of ledger entries."""

from __future__ import annotations

from typing import Any

from checker import __version__
from checker.errors import UsageError
from checker.evidence import layout
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.ledger import DEFAULT_ATTEMPTS, AppendResult, append
from checker.evidence.signing import Signer
from checker.evidence.statement import (
    RunContext,
    evaluation_statement,
    exception_statement,
    policy_document,
)
from checker.model import Evaluation, Facts, Policy

KINDS = ("gate", "merge")


def record_evaluation(
    evaluation: Evaluation,
    facts: Facts,
    policy: Policy,
    *,
    ledger: str,
    branch: str = layout.DEFAULT_BRANCH,
    signer: Signer,
    context: RunContext,
    kind: str = "merge",
    token: Token = AMBIENT_TOKEN,
    attempts: int = DEFAULT_ATTEMPTS,
) -> AppendResult:
    """Sign the evaluation (with its facts and policy) and append it; returns its seq and hash.

    `token` authenticates HTTPS ledger remotes (given to git's own environment only); its default
    still takes CHANGEPROOF_LEDGER_TOKEN through checker/config.py until every caller passes it."""
    if kind not in KINDS:
        raise UsageError(f"unknown entry kind {kind!r}", fix="use 'gate' or 'merge'")
    policy_body, policy_digest = policy_document(policy)

    def build(seq: int, prev: str) -> tuple[dict[str, Any], dict[str, bytes]]:
        statement = evaluation_statement(
            evaluation, facts, policy_digest, kind=kind, context=context, seq=seq, prev=prev
        )
        return statement, {layout.policy_path(policy_digest): policy_body}

    return append(
        ledger,
        branch,
        signer=signer,
        repository=evaluation.repository,
        build=build,
        token=token,
        attempts=attempts,
    )


def record_exception(
    *,
    repository: str,
    reason: str,
    commits: tuple[str, ...],
    before: str,
    after: str,
    observed_at: str,
    ledger: str,
    branch: str = layout.DEFAULT_BRANCH,
    signer: Signer,
    context: RunContext,
    token: Token = AMBIENT_TOKEN,
    attempts: int = DEFAULT_ATTEMPTS,
) -> AppendResult:
    """Record a change that reached the branch without a merged PR (direct or force push)."""

    def build(seq: int, prev: str) -> tuple[dict[str, Any], dict[str, bytes]]:
        statement = exception_statement(
            repository=repository,
            reason=reason,
            commits=tuple(commits),
            before=before,
            after=after,
            observed_at=observed_at,
            tool_version=__version__,
            context=context,
            seq=seq,
            prev=prev,
        )
        return statement, {}

    return append(ledger, branch, signer=signer, repository=repository, build=build, token=token, attempts=attempts)
