"""The record job's deployments step: list what reached each in-scope environment since the last
recorded deployment, work out what each shipped (git), judge it (ledger) and append it; and the
ingestion of claim files other delivery systems wrote with `attest deployment --out`.

Settings come in as parameters; `collect(environment, after_id)` is the delivery system's adapter
(GitHub Deployments in `checker.github.deployments`), so this step knows no API.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.deploy.from_ledger import traced_deployments
from checker.deploy.history import first_parent_line, resolve_commit, with_fingerprints
from checker.deploy.judge import judge
from checker.deploy.model import SOURCE_CLAIM, SOURCE_GITHUB, Collected, Deployment, TracedDeployment, deployment_from
from checker.deploy.shipped import Line, ship
from checker.deploy.unobservable import Unobserved
from checker.errors import LedgerBranchMissing, UsageError
from checker.evidence import RunContext, Signer, read_entries
from checker.model import DeploymentScope


@dataclass
class DeploymentsRun:
    recorded: list[tuple[int, TracedDeployment]] = field(default_factory=list)  # (entry seq, judgement)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (environment, id, why)
    unobservable: list[tuple[str, str]] = field(default_factory=list)  # (environment, what)
    gaps: list[tuple[int, Unobserved]] = field(default_factory=list)  # (entry seq, what it records)


@dataclass(frozen=True)
class LedgerTarget:
    """Where and how the step appends (the record job's settings)."""

    ledger: str
    branch: str
    signer: Signer
    context: RunContext
    observed_at: str
    token: str | None = None  # pushes and reads the ledger (the record job's ledger token)


def _ledger_statements(target: LedgerTarget) -> list[tuple[int, str, dict[str, Any]]]:
    try:
        return [
            (e.seq, e.entry_hash, e.statement) for e in read_entries(target.ledger, target.branch, token=target.token)
        ]
    except LedgerBranchMissing:
        return []  # a ledger not yet begun


class _Environments:
    """What the ledger already holds per environment, kept current as the step appends."""

    def __init__(self, target: LedgerTarget, repo_dir: Path, default_branch: str) -> None:
        self.target = target
        judged, self.index = traced_deployments(_ledger_statements(target), trusted_claims=None)
        self.repo_dir = repo_dir
        self.line = Line.of(first_parent_line(repo_dir, default_branch))
        self.earlier: dict[str, list[tuple[str, str]]] = {}
        self.verdicts: dict[str, dict[str, TracedDeployment]] = {}
        self.last_github: dict[str, int] = {}
        self.last_seen: dict[str, str] = {}  # deployed_at of the latest deployment recorded from GitHub
        for recorded, traced in judged:
            env, dep = recorded.deployment.environment, recorded.deployment
            self.earlier.setdefault(env, []).append((dep.id, dep.sha))
            self.verdicts.setdefault(env, {})[dep.id] = traced
            self._seen(dep)

    def _seen(self, dep: Deployment) -> None:
        if dep.source == SOURCE_GITHUB and dep.id.isdigit() and int(dep.id) > self.last_github.get(dep.environment, 0):
            self.last_github[dep.environment] = int(dep.id)
            self.last_seen[dep.environment] = dep.deployed_at

    def known(self, deployment: Deployment) -> bool:
        return deployment.id in self.verdicts.get(deployment.environment, {})

    def record(self, deployment: Deployment, claim: dict[str, Any] | None = None) -> tuple[int, TracedDeployment]:
        from checker.evidence.deployments import record_deployment

        env = deployment.environment
        earlier = self.earlier.setdefault(env, [])
        verdicts = self.verdicts.setdefault(env, {})
        shipment = with_fingerprints(self.repo_dir, ship(deployment.sha, self.line, earlier, self.index))
        traced = judge(deployment, shipment, self.index, verdicts)
        t = self.target
        result = record_deployment(
            traced,
            observed_at=t.observed_at,
            ledger=t.ledger,
            branch=t.branch,
            signer=t.signer,
            context=t.context,
            claim=claim,
            token=t.token,
        )
        earlier.append((deployment.id, deployment.sha))
        verdicts[deployment.id] = traced
        self._seen(deployment)
        return result.seq, traced

    def unobservable(self, repository: str, environment: str, reasons: Sequence[str]) -> tuple[int, Unobserved]:
        """Record that the deployments to `environment` after the last one recorded went unseen."""
        from checker.evidence.deployments import record_unobservable

        t = self.target
        gap = Unobserved(repository, environment, self.last_seen.get(environment), t.observed_at, tuple(reasons))
        result = record_unobservable(
            gap, ledger=t.ledger, branch=t.branch, signer=t.signer, context=t.context, token=t.token
        )
        return result.seq, gap


def record_deployments(
    collect: Callable[[str, int | None], Collected],
    *,
    repository: str,
    environments: Sequence[str],
    repo_dir: Path,
    default_branch: str,
    target: LedgerTarget,
) -> DeploymentsRun:
    """Record every successful deployment to `environments` newer than the last one recorded, and
    an unobservable interval for each environment whose deployments could not all be read."""
    run = DeploymentsRun()
    state = _Environments(target, repo_dir, default_branch)
    for environment in environments:
        collected = collect(environment, state.last_github.get(environment))
        run.unobservable += [(environment, u) for u in collected.unobservable]
        run.skipped += [(environment, i, why) for i, why in collected.skipped]
        for deployment in collected.deployments:
            if not state.known(deployment):
                run.recorded.append(state.record(deployment))
        if collected.unobservable:
            run.gaps.append(state.unobservable(repository, environment, collected.unobservable))
    return run


def ingest_claims(
    paths: Sequence[Path],
    *,
    repository: str,
    scope: DeploymentScope,
    repo_dir: Path,
    default_branch: str,
    target: LedgerTarget,
) -> DeploymentsRun:
    """Record claim files as `deployment/v1` entries that embed the deployer-signed claim.

    Every file is checked before anything is appended (repository, an environment the policy
    names, a commit that exists), so a bad file appends nothing. Claims already recorded are skipped.
    """
    from checker.evidence.deployments import read_claim
    from checker.policy import require_environment

    claims = []
    for path in paths:
        bundle, statement = read_claim(path)
        deployment = deployment_from(statement.get("predicate") or {})
        if deployment.repository != repository:
            raise UsageError(
                f"{path}: claims a deployment of {deployment.repository!r}; this record job records {repository!r}",
                fix="pass only claims of this repository in the claims input",
            )
        require_environment(scope, deployment.environment)
        full = resolve_commit(repo_dir, deployment.sha)
        if full is None:
            raise UsageError(
                f"{path}: commit {deployment.sha!r} does not exist in {repo_dir}",
                fix="check out the repository with fetch-depth: 0; a claim of an unknown commit is not recorded",
            )
        claims.append((bundle, dataclasses.replace(deployment, sha=full, source=SOURCE_CLAIM, approval=None)))
    run = DeploymentsRun()
    state = _Environments(target, repo_dir, default_branch)
    for bundle, deployment in claims:
        if state.known(deployment):
            run.skipped.append((deployment.environment, deployment.id, "already recorded"))
        else:
            run.recorded.append(state.record(deployment, claim=bundle))
    return run
