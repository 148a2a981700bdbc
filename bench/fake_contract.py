"""Benchmark: what checking the fake GitHub against GitHub's REST description costs the tests.

Collects the reference PR (`typical()`: 20 files, 5 reviews, 3 checks, about 14 calls) through the
real collector N times against the fake with the contract on and off (same run, same machine),
and prints the one-off cost of loading the description, the first (cold: validators compiled)
and the steady per-collection times, and the ratio. Also prints how many required properties the
contract filled in and how many undocumented ones it dropped from the fake's answers.

Usage: .venv/bin/python bench/fake_contract.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakegithub import openapi  # noqa: E402
from fakegithub import scenario as sc  # noqa: E402
from fakegithub.server import FakeGitHub  # noqa: E402

from checker.github.api import Api  # noqa: E402
from checker.github.collector import Collector, Target  # noqa: E402


def collect_times(check_contract: bool, rounds: int, *, memo: bool = True) -> list[float]:
    fake = FakeGitHub(sc.typical(), check_contract=check_contract).start()
    times = []
    try:
        for _ in range(rounds):
            if not memo:
                openapi.spec().memo.clear()
            start = time.perf_counter()
            Collector(Api("ghs_token", fake.base_url, throttle=0.0)).collect(Target(sc.REPO, 7))
            times.append(time.perf_counter() - start)
    finally:
        fake.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    openapi.spec()
    load = time.perf_counter() - start
    collect_times(False, 3)  # warm up the client and the server
    off = statistics.median(collect_times(False, args.rounds))
    spec = openapi.spec()
    cold = statistics.median(collect_times(True, args.rounds, memo=False))
    filled, dropped = spec.synthesized // args.rounds, spec.dropped // args.rounds
    warm = statistics.median(collect_times(True, args.rounds))
    print(f"description load (once per test session): {load:.2f} s")
    print(f"collect, contract off:                       {off * 1000:.1f} ms (median of {args.rounds})")
    print(f"collect, contract on, every answer new:      {cold * 1000:.1f} ms  ratio {cold / off:.2f}x")
    print(f"collect, contract on, answers seen before:   {warm * 1000:.1f} ms  ratio {warm / off:.2f}x")
    print(f"required properties the fake's answers omit, filled in per collection: {filled}")
    print(f"undocumented properties dropped per collection: {dropped}")


if __name__ == "__main__":
    main()
