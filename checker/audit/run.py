"""The export pipeline as one function, shared by the command, the demo and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from checker import bulk_gc
from checker.audit.collect import ExportCollector, attach
from checker.audit.coverage import coverage_for, period_options
from checker.audit.deployments import Tap, deployment_records
from checker.audit.ledgers import OpenLedger, open_ledgers, require_witnessed
from checker.audit.population import Period, Population, Summary, build_population
from checker.audit.progress import Bars
from checker.audit.reader import CHUNK, summaries
from checker.audit.writers import write
from checker.audit.writing import WriteOptions
from checker.evidence import VerifyOptions
from checker.evidence.verify import Collector, worker_count


def open_many(
    stack: ExitStack,
    ledgers: Sequence[tuple[str, str]],
    keys: list[str] | tuple[str, ...],
    *,
    allow_invalid: bool = False,
    bars: Bars | None = None,
    options: VerifyOptions | None = None,
    collect: Collector | None = None,
) -> list[OpenLedger]:
    """Verify (ledger, branch) pairs, grouped by branch, kept open on `stack`; returned in the given order.

    With `collect` (the export's `ExportCollector`), what it takes from each entry during
    verification is attached to the ledgers (`checker.audit.collect.attach`)."""
    groups: dict[str, list[str]] = {}
    for ledger, branch in ledgers:
        groups.setdefault(branch, []).append(ledger)
    opened: dict[tuple[str, str], OpenLedger] = {}
    progress = (lambda name, d, t: bars.total("verifying", d, t)) if bars else None
    for branch, names in groups.items():
        unique = list(dict.fromkeys(names))
        group = stack.enter_context(
            open_ledgers(
                unique, branch, keys, allow_invalid=allow_invalid, progress=progress, options=options, collect=collect
            )
        )
        for name, one in zip(unique, group, strict=True):
            if collect is not None:
                attach(one)
            opened[(name, branch)] = one
    return [opened[pair] for pair in dict.fromkeys(ledgers)]


def _all_of(ledger: OpenLedger) -> list[Summary]:
    return list(summaries(ledger, workers=1))


def sources(opened: list[OpenLedger], workers: int | None = None) -> Iterator[tuple[str, str, Iterable[Summary]]]:
    """(name, status, summaries) per ledger, in order. Ledgers of one chunk or less (an organisation's
    many small ledgers) are read whole in a shared pool of worker processes; larger ones use the
    reader's own per-chunk pool."""
    workers = worker_count(workers)
    # ledgers whose summaries were taken beside verification (collect.py) need no second read
    small = [x for x in opened if x.report.entries <= CHUNK and x.summaries_read is None]
    if workers <= 1 or len(small) < 2:
        yield from ((x.name, x.status(), summaries(x)) for x in opened)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=bulk_gc.worker_start) as pool:
        pending: dict[int, Future[list[Summary]]] = {id(x): pool.submit(_all_of, x) for x in small}
        for x in opened:
            future = pending.pop(id(x), None)
            yield x.name, x.status(), future.result() if future is not None else summaries(x)


def export(
    ledgers: Sequence[str] | Sequence[tuple[str, str]],
    branch: str,
    keys: list[str] | tuple[str, ...],
    period: Period,
    fmt: str,
    out: Path,
    *,
    allow_invalid: bool = False,
    bars: Bars | None = None,
    sample: dict[str, Any] | None = None,
    posture_keys: list[str] | tuple[str, ...] = (),
    options: VerifyOptions | None = None,
    jobs: int | None = None,
) -> tuple[Path, Population]:
    """Verify the ledgers, build one population and write it in `fmt`; returns the path and rows.

    `ledgers` are locations on `branch`, or (location, branch) pairs (a manifest).
    `posture_keys`: trusted for posture, bypass and retrospective entries (default: `keys`).
    `options`: verify's other trust options; with witness keys, each ledger's last entry of the
    period must be witnessed (later entries may not be yet).
    `jobs`: worker processes for verifying and reading (default: one per core, at most 8).
    """
    bars = bars or Bars(False)
    pairs = [item if isinstance(item, tuple) else (item, branch) for item in ledgers]
    with ExitStack() as stack, bulk_gc.paused():
        deferred = replace(options or VerifyOptions(), enforce_witnesses=False, workers=jobs)
        opened = open_many(
            stack,
            pairs,
            [*keys, *posture_keys],
            allow_invalid=allow_invalid,
            bars=bars,
            options=deferred,
            collect=ExportCollector(),
        )
        total = sum(x.report.entries for x in opened)
        tap = Tap()
        population = build_population(
            ((name, status, tap.wrap(name, items)) for name, status, items in sources(opened, jobs)),
            period,
            progress=bars.ticker("reading entries", total),
        )
        population.deployments, population.deployment_gaps = deployment_records(opened, period, tap)
        keyless = bool(options and options.identities) and not posture_keys  # verify checked the identity
        population.coverage = coverage_for(opened, population, period, period_options(posture_keys or keys, keyless))
        if options is not None and options.witness_keys and not allow_invalid:
            last: dict[str, int] = {}
            for row in population.rows:
                if isinstance(row.get("seq"), int):
                    last[row["ledger"]] = max(last.get(row["ledger"], -1), row["seq"])
            require_witnessed(opened, last, options.witnesses if options.witnesses is not None else 1)
        tick = bars.ticker("writing", len(population.rows))
        writing = WriteOptions(tick, sample, jobs) if tick else WriteOptions(sample=sample, workers=jobs)
        path = write(fmt, population, opened, out, writing)
    return path, population
