"""Append latency at 100, 10,000 and 100,000 existing entries (the target: largest/smallest <= 1.5).

Each size gets a fully valid ledger built in bulk by ledger_build.py (reused if DIR/<n> exists),
then several real appends through record_evaluation (fetch tip, verify tip, sign, CAS push) are
timed; the median is reported.

usage: python bench/ledger_append.py [DIR] [--sizes 100,10000,100000] [--appends 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from ledger_build import build, typical_example

from checker.evidence import RunContext, load_signer, record_evaluation


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", default="/tmp/changeproof-bench")
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--appends", type=int, default=5)
    args = parser.parse_args()
    facts, policy, evaluation = typical_example()
    context = RunContext("push", "record", "", "bench", "", "")
    medians = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        where = Path(args.dir) / str(n)
        if not (where / "ledger.git").exists():
            stats = build(n, where)
            print(f"built {n} entries in {stats['seconds']:.1f} s")
        signer = load_signer("key", str(where / "key.pem"))
        times = []
        for _ in range(args.appends):
            started = time.perf_counter()
            record_evaluation(
                evaluation,
                facts,
                policy,
                ledger=str(where / "ledger.git"),
                signer=signer,  # type: ignore[arg-type]
                context=context,
            )
            times.append(time.perf_counter() - started)
        medians[n] = statistics.median(times)
        print(
            f"{n:>7} existing entries: append median {medians[n] * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {len(times)} appends)"
        )
    small, large = min(medians), max(medians)
    print(f"ratio {large}/{small}: {medians[large] / medians[small]:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
