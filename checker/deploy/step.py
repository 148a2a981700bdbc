"""The record job's deployments step: list what reached each in-scope environment since the last
recorded deployment, work out what each shipped (git), judge it (ledger) and append it.

Settings come in as parameters; `collect(environment, after_id)` is the delivery system's adapter
(GitHub Deployments in `checker.github.deployments`), so this step knows no API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.deploy.from_ledger import traced_deployments
from checker.deploy.history import first_parent_line
from checker.deploy.judge import judge
from checker.deploy.model import SOURCE_GITHUB, Collected, TracedDeployment
from checker.deploy.shipped import Line, ship
from checker.evidence import RunContext, Signer, read_entries
from checker.evidence.gitio import Git, is_local


@dataclass
class DeploymentsRun:
    recorded: list[tuple[int, TracedDeployment]] = field(default_factory=list)  # (entry seq, judgement)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (environment, id, why)
    unobservable: list[tuple[str, str]] = field(default_factory=list)  # (environment, what)


def _ledger_statements(ledger: str, branch: str) -> list[tuple[int, str, dict[str, Any]]]:
    local = is_local(ledger)
    if local is not None and Git(local).rev(f"refs/heads/{branch}") is None:
        return []
    return [(e.seq, e.entry_hash, e.statement) for e in read_entries(ledger, branch)]


def record_deployments(
    collect: Callable[[str, int | None], Collected],
    *,
    repository: str,
    environments: Sequence[str],
    repo_dir: Path,
    default_branch: str,
    ledger: str,
    branch: str,
    signer: Signer,
    context: RunContext,
    observed_at: str,
) -> DeploymentsRun:
    from checker.evidence.deployments import record_deployment

    run = DeploymentsRun()
    judged, index = traced_deployments(_ledger_statements(ledger, branch))
    line = Line.of(first_parent_line(repo_dir, default_branch))
    for environment in environments:
        mine = [(r, t) for r, t in judged if r.deployment.environment == environment]
        github = [r for r, _ in mine if r.deployment.source == SOURCE_GITHUB]
        after = max((int(r.deployment.id) for r in github if r.deployment.id.isdigit()), default=None)
        earlier = [(r.deployment.id, r.deployment.sha) for r in github]
        verdicts = {t.deployment.id: t for _, t in mine}
        collected = collect(environment, after)
        run.unobservable += [(environment, u) for u in collected.unobservable]
        run.skipped += [(environment, i, why) for i, why in collected.skipped]
        for deployment in collected.deployments:
            shipment = ship(deployment.sha, line, earlier, index)
            traced = judge(deployment, shipment, index, verdicts)
            result = record_deployment(
                traced, observed_at=observed_at, ledger=ledger, branch=branch, signer=signer, context=context
            )
            earlier.append((deployment.id, deployment.sha))
            verdicts[deployment.id] = traced
            run.recorded.append((result.seq, traced))
    return run
