"""Opening the auditor's ledgers: each opened once through the evidence package's `open_ledger`,
verified there, and read afterwards from the very entries verify checked (same commit, same
blobs, the report's own index), so export never reads anything verify did not see.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from checker import bulk_gc
from checker.errors import LedgerInvalidError, UsageError
from checker.evidence import Ledger, LedgerEntry, VerifyOptions, VerifyReport, iter_entries, open_ledger
from checker.evidence.gitio import AMBIENT_TOKEN, Token
from checker.evidence.verify import Collector, Verification, worker_count

__all__ = ["LedgerInvalidError", "OpenLedger", "open_ledgers", "require_witnessed"]


@dataclass
class OpenLedger:
    """One verified ledger: where it came from, its local git directory and its verify report."""

    name: str  # what the auditor passed (credentials redacted)
    branch: str
    git_dir: Path
    commit: str
    report: VerifyReport
    ledger: Ledger | None = None
    _policies: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    # taken beside verification by a collector (checker.audit.collect); None: read them again
    summaries_read: list[Any] | None = None
    period_read: list[tuple[int, dict[str, Any], dict[str, Any], str]] | None = None

    @property
    def local(self) -> str:
        return str(self.git_dir)

    def entries(self) -> Iterator[LedgerEntry]:
        """The entries verify checked, in order, with their parsed statements."""
        assert self.ledger is not None
        return iter_entries(self.ledger, self.report.entry_index)

    def read(self, path: str) -> bytes | None:
        if self.ledger is not None:
            return self.ledger.read(path)
        return None

    def policy(self, digest: str) -> dict[str, Any] | None:
        """The recorded policy document (JSON) stored under policies/<digest>."""
        if digest not in self._policies:
            raw = self.read(f"policies/{digest}") if digest else None
            self._policies[digest] = json.loads(raw) if raw else None
        return self._policies[digest]

    def checkpoint(self) -> str:
        raw = self.read("checkpoint")
        return raw.decode() if raw else ""

    def status(self) -> str:
        if self.report.ok:
            return "valid"
        return f"INVALID ({len(self.report.problems)} problem(s))"


@contextmanager
def open_ledgers(
    ledgers: list[str] | tuple[str, ...],
    branch: str,
    keys: list[str] | tuple[str, ...],
    *,
    allow_invalid: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    options: VerifyOptions | None = None,
    token: Token = AMBIENT_TOKEN,
    collect: Collector | None = None,
) -> Iterator[list[OpenLedger]]:
    """Verify every ledger (with the auditor's keys and any other trust `options`, e.g. witnesses);
    refuse an invalid one unless allow_invalid. `collect` runs on every entry as it is verified
    (results in each report's `collected`)."""
    if not ledgers:
        raise UsageError("no ledger given", fix="pass --ledger PATH_OR_URL (repeat it for several repositories)")
    if not keys and not (options and options.identities):
        raise UsageError(
            "no trusted public key given",
            fix="pass --key PUBLIC.pem (the key of the record job; keyless: --identity); "
            "the ledger's own key list is not evidence",
        )
    for key in keys:
        if not Path(key).is_file():
            raise UsageError(
                f"public key file {key} does not exist", fix="pass the .pub file from `changeproof keygen`"
            )
    verification = Verification.prepare(replace(options or VerifyOptions(), keys=tuple(keys)), token)
    with ExitStack() as stack:
        specs = []
        for spec in ledgers:
            ledger, _, own = spec.partition("#")  # LEDGER#BRANCH: one branch per repository (org setup)
            on = own or branch
            specs.append((ledger, own, on, stack.enter_context(open_ledger(ledger, on, token=token))))
        reports = _verify_all(
            verification, [(ledger, opened) for ledger, _, _, opened in specs], progress, token, collect
        )
        out = []
        for (_, own, on, opened), report in zip(specs, reports, strict=True):
            if not report.ok and not allow_invalid:
                shown = "\n".join(f"  - {p}" for p in report.problems[:20])
                more = f"\n  ... and {len(report.problems) - 20} more" if len(report.problems) > 20 else ""
                raise LedgerInvalidError(
                    f"ledger {opened.location} branch {on} does not verify:\n{shown}{more}",
                    fix="run `changeproof verify` for details; export anyway with --allow-invalid, "
                    "which marks every row as coming from an invalid ledger",
                )
            name = f"{opened.location}#{own}" if own else opened.location
            out.append(OpenLedger(name, on, opened.git_dir, opened.commit, report, opened))
        yield out


# Ledgers this small are verified whole, several at once (one per worker process), instead of
# one after another each on one core: an organisation has hundreds of them.
POOLED_ENTRIES = 4000


def _verify_all(
    verification: Verification,
    opened: list[tuple[str, Ledger]],
    progress: Callable[[str, int, int], None] | None,
    token: Token,
    collect: Collector | None,
) -> list[VerifyReport]:
    """Each ledger's report, in order: small ledgers in a shared pool of worker processes, the
    others here (each on every core through verify's own workers)."""
    workers = worker_count(verification.options.workers or None)
    small = {i for i, (_, o) in enumerate(opened) if len(o.index().entries) <= POOLED_ENTRIES}
    if workers <= 1 or len(small) < 2:
        small = set()
    reports: dict[int, VerifyReport] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=bulk_gc.worker_start) if small else nullcontext() as pool:
        one = replace(verification.options, workers=1)
        futures = (
            {i: pool.submit(_verify_pooled, opened[i][1], one, token, collect) for i in sorted(small)} if pool else {}
        )
        for i, (name, ledger) in enumerate(opened):
            if i not in small:
                cb = (lambda done, total, _n=name: progress(_n, done, total)) if progress else None
                reports[i] = verification.run(ledger, cb, collect)
        for i, future in futures.items():
            reports[i] = future.result()
            if progress:
                progress(opened[i][0], reports[i].entries, reports[i].entries)
    return [reports[i] for i in range(len(opened))]


_PREPARED: dict[bytes, Verification] = {}


def _verify_pooled(ledger: Ledger, options: VerifyOptions, token: Token, collect: Collector | None) -> VerifyReport:
    """One ledger verified in a worker process; the auditor's inputs are loaded once per process."""
    key = pickle.dumps((options, token))
    if key not in _PREPARED:
        _PREPARED.clear()
        _PREPARED[key] = Verification.prepare(options, token)
    return _PREPARED[key].run(ledger, None, collect)


def require_witnessed(opened: list[OpenLedger], last_seq: dict[str, int], required: int) -> None:
    """Each ledger's last entry of the period must be covered by `required` witness cosignatures
    (verify ran with `enforce_witnesses=False` and reported the coverage)."""
    for ledger in opened:
        last = last_seq.get(ledger.name)
        if last is None or not required or ledger.report.witnessed_time(last) is not None:
            continue
        raise LedgerInvalidError(
            f"ledger {ledger.name}: entry {last}, the last of the period, is not covered by {required} "
            f"witness cosignature(s) (covered: {ledger.report.witnessed[-1].last + 1 if ledger.report.witnessed else 0}"
            " entries)",
            fix="run the witnesses and export again, or export a period that ends earlier",
        )
