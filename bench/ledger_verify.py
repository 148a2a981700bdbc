"""Verify throughput on a large ledger of typical entries (a 20-file PR), using every core.

Reports wall time, MB/s of entry data and peak memory (this process and its workers, which
include the git cat-file processes). Target: 100,000 entries in at most 30 s on 2 cores.

usage: python bench/ledger_verify.py [N] [DIR] [--workers W]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from ledger_build import build

from checker.evidence import verify_ledger


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("dir", nargs="?", default="/tmp/changeproof-bench")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    where = Path(args.dir) / str(args.n)
    if not (where / "ledger.git").exists():
        stats = build(args.n, where)
        print(f"built {args.n} entries in {stats['seconds']:.1f} s")
    started = time.perf_counter()
    report = verify_ledger(str(where / "ledger.git"), keys=[str(where / "key.pub")], workers=args.workers)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    mb = report.bytes_read / 1e6
    print(
        f"verified {report.entries} entries ({mb:.0f} MB) with {args.workers} workers in {seconds:.1f} s: "
        f"{report.entries / seconds:.0f} entries/s, {mb / seconds:.1f} MB/s; valid={report.ok}"
    )
    print(f"peak memory: main process {own:.0f} MB, largest worker/child {children:.0f} MB")
    print(f"target: 100000 entries <= 30 s; projected for 100000: {seconds * 100_000 / max(report.entries, 1):.1f} s")
    if not report.ok:
        print("\n".join(report.problems[:10]))


if __name__ == "__main__":
    main()
