"""The record job's deployments step (scheduled and `workflow_dispatch` runs on the default branch).

Composes the pipeline's adapters with the deploy core: the policy at the default branch names the
environments in scope; GitHub Deployments says what reached them; the checkout's history says what
each shipped; the ledger says whether that was approved; the signer appends. Claim files named by
the `claims` input are ingested the same way. Nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from checker.deploy.step import DeploymentsRun, LedgerTarget, ingest_claims, record_deployments
from checker.errors import PolicyError
from checker.github.collector import _EXTENDS_REF, utc_now
from checker.github.deployments import collect_deployments
from checker.model import DeploymentScope
from checker.pipeline import Pipeline
from checker.policy import POLICY_PATH, deployment_scope
from checker.render.escape import md_code, md_escape


def claim_files(workspace: str, claims: str) -> list[Path]:
    """The `claims` input: a JSON file, or a directory of them, relative to the workspace."""
    path = Path(workspace or ".") / claims
    return sorted(path.glob("*.json")) if path.is_dir() else [path]


def _shared(pipeline: Pipeline) -> Callable[[str], str | None]:
    """Reads the shared policies a policy `extends` (owner/repo:path@ref), with the job's token."""

    def fetch(ref: str) -> str | None:
        match = _EXTENDS_REF.match(ref)
        if not match:
            return None
        found = pipeline.collector.read_file(match.group(1), match.group(2), match.group(3))
        return found.content if found.state == "present" else None

    return fetch


def _scope(pipeline: Pipeline, default_branch: str) -> DeploymentScope | None:
    repository = pipeline.config.repository
    source = pipeline.collector.read_file(repository, POLICY_PATH, default_branch)
    if source.state != "present" or source.content is None:
        if source.state == "unreadable":
            pipeline.reporter.warn(f"deployments not recorded: {POLICY_PATH} is unreadable ({source.reason})")
        return None
    try:
        return deployment_scope(source.content, f"{POLICY_PATH}@{default_branch}", fetch=_shared(pipeline))
    except PolicyError as error:
        pipeline.reporter.warn(f"deployments not recorded: {error.summary}")
        return None


def record_deployments_step(pipeline: Pipeline, default_branch: str) -> DeploymentsRun | None:
    """Record new successful deployments to the policy's environments (and ingest claim files)."""
    config = pipeline.config
    scope = _scope(pipeline, default_branch)
    if scope is None or not scope.environments:
        return None
    signer = pipeline.signer
    if signer is None:
        pipeline.reporter.summary("_Deployments: no signer, nothing recorded._\n")
        return None
    target = LedgerTarget(
        config.ledger_location,
        config.ledger_branch,
        signer,
        pipeline.run_context(),
        utc_now(),
        token=config.ledger_token or None,
    )
    repo_dir = Path(config.workspace or ".")
    run = record_deployments(
        lambda env, after: collect_deployments(pipeline.api, config.repository, env, after_id=after),
        repository=config.repository,
        environments=scope.environments,
        repo_dir=repo_dir,
        default_branch=default_branch,
        target=target,
    )
    if config.claims:
        claimed = ingest_claims(
            claim_files(config.workspace, config.claims),
            repository=config.repository,
            scope=scope,
            repo_dir=repo_dir,
            default_branch=default_branch,
            target=target,
        )
        run.recorded += claimed.recorded
        run.skipped += claimed.skipped
    for seq, _ in run.recorded:
        pipeline.run.ledger_entries.append(f"deployment entry {seq}")
    for seq, gap in run.gaps:
        pipeline.run.ledger_entries.append(f"deployments-unobservable entry {seq} ({gap.environment})")
    for environment, what in run.unobservable:
        pipeline.reporter.warn(f"deployments to {environment} unobservable: {what}")
        pipeline.run.notes.append(f"deployments to {environment} unobservable (recorded as such): {what}")
    pipeline.reporter.summary(summary(run))
    return run


def summary(run: DeploymentsRun) -> str:
    lines = [f"### changeproof deployments: {len(run.recorded)} recorded", ""]
    if run.recorded:
        lines += ["| Environment | Deployment | Sha | Changes | Traced |", "|---|---|---|---|---|"]
        for _, t in run.recorded:
            d = t.deployment
            traced = "yes" if t.traced else "**no**: " + " ".join(md_code(c[:12]) for c in t.untraced_changes)
            kind = "rollback" if t.shipment.rollback else str(len(t.changes))
            lines.append(
                f"| {md_escape(d.environment)} | {md_escape(d.id)} | {md_code(d.sha[:12])} | {kind} | {traced} |"
            )
    for environment, dep_id, why in run.skipped:
        lines.append(f"- not recorded: {md_escape(environment)} {md_escape(dep_id)}: {md_escape(why)}")
    for environment, what in run.unobservable:
        lines.append(f"- **unobservable**: {md_escape(environment)}: {md_escape(what)}")
    for seq, gap in run.gaps:
        since = md_escape(gap.since) if gap.since else "the first deployment"
        lines.append(
            f"- recorded as entry {seq}: deployments to {md_escape(gap.environment)} unobservable from {since} "
            f"to {md_escape(gap.until)}; the export reports it beside the figure"
        )
    return "\n".join(lines) + "\n"
