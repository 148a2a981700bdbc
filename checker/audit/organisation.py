"""Reconcile at organisation scale: every repository of a manifest in one run, one population.

Each distinct ledger of the manifest is fetched and verified once (several repositories may
share a central evidence ledger); then each repository's branch is reconciled against its
ledger exactly as `reconcile --repo` does, and the changes are concatenated, each carrying its
repository. Change ids (`owner/name#42`, `owner/name@sha`) are unique across repositories, so
`sample` draws from the whole organisation with the same method.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from checker.audit.manifest import Manifest
from checker.audit.population import Period
from checker.audit.reconcile import POPULATION_FORMAT, reconcile_opened
from checker.audit.run import open_many
from checker.errors import UsageError


def reconcile_manifest(
    manifest: Manifest,
    keys: list[str] | tuple[str, ...],
    period: Period,
    *,
    api_url: str | None = None,
    token: str = "",
    allow_invalid: bool = False,
) -> dict[str, Any]:
    pairs = manifest.ledgers()
    with ExitStack() as stack:
        opened = dict(zip(pairs, open_many(stack, pairs, keys, allow_invalid=allow_invalid), strict=True))
        results = []
        for line in manifest.lines:
            if not line.clone.is_dir():
                raise UsageError(
                    f"{line.where}: the clone {line.clone} of {line.repository} does not exist",
                    fix="clone the repository there, or set clone in the manifest",
                )
            results.append(
                reconcile_opened(
                    line.clone,
                    line.branch,
                    [opened[(line.ledger, line.ledger_branch)]],
                    period,
                    repository=line.repository,
                    api_url=api_url,
                    token=token,
                )
            )
    return combine(manifest, results, period)


def combine(manifest: Manifest, results: list[dict[str, Any]], period: Period) -> dict[str, Any]:
    """One population document from per-repository reconciliations (same shape, plus `repositories`)."""
    changes = [c for r in results for c in r["changes"]]
    ledgers = list({x["ledger"] + "\0" + x["branch"]: x for r in results for x in r["ledgers"]}.values())
    sources = {r["time_source"] for r in results}
    return {
        "format": POPULATION_FORMAT,
        "manifest": str(manifest.path),
        "repository": f"{len(results)} repositories",
        "branch": "",
        "head": "",
        "period": period.describe(),
        "time_source": sources.pop() if len(sources) == 1 else "mixed",
        "time_source_note": "; ".join(f"{r['repository']}: {r['time_source_note']}" for r in results),
        "repositories": [
            {
                "repository": r["repository"],
                "branch": r["branch"],
                "head": r["head"],
                "ledgers": [x["ledger"] for x in r["ledgers"]],
                "total": r["total"],
                "exceptions": r["exceptions"],
                "emergency": r["emergency"],
                "time_source": r["time_source"],
            }
            for r in results
        ],
        "ledgers": ledgers,
        "changes": changes,
        "total": len(changes),
        "exceptions": sum(r["exceptions"] for r in results),
        "emergency": sum(r["emergency"] for r in results),
        "records_not_on_branch": [
            {**x, "repository": r["repository"]} for r in results for x in r["records_not_on_branch"]
        ],
    }
