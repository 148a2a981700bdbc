"""The export pipeline as one function, shared by the command and the demo."""

from __future__ import annotations

from pathlib import Path

from checker.audit.coverage import coverage_for, period_options
from checker.audit.deployments import Tap, deployment_rows
from checker.audit.export import write
from checker.audit.ledgers import open_ledgers
from checker.audit.population import Period, Population, build_population
from checker.audit.progress import Bars
from checker.audit.reader import summaries


def export(
    ledgers: list[str] | tuple[str, ...],
    branch: str,
    keys: list[str] | tuple[str, ...],
    period: Period,
    fmt: str,
    out: Path,
    *,
    allow_invalid: bool = False,
    bars: Bars | None = None,
    deployer_keys: list[str] | tuple[str, ...] = (),
    posture_keys: list[str] | tuple[str, ...] = (),
) -> tuple[Path, Population]:
    """Verify the ledgers, build the population and write it in `fmt`; returns the path and rows.

    `posture_keys`: trusted for posture, bypass and retrospective entries (default: `keys`).
    """
    bars = bars or Bars(False)
    with open_ledgers(
        ledgers,
        branch,
        [*keys, *posture_keys],
        allow_invalid=allow_invalid,
        progress=lambda name, d, t: bars.total("verifying", d, t),
        deployer_keys=deployer_keys,
    ) as opened:
        total = sum(x.report.entries for x in opened)
        tap = Tap()
        population = build_population(
            ((x.name, x.status(), tap.wrap(x.name, summaries(x))) for x in opened),
            period,
            progress=bars.ticker("reading entries", total),
        )
        population.deployments = deployment_rows(opened, period, tap)
        population.coverage = coverage_for(opened, population, period, period_options(posture_keys or keys))
        path = write(fmt, population, opened, out, bars.ticker("writing", len(population.rows)))
    return path, population
