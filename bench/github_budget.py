"""API economy of the collector against the local fake GitHub (no network).

Prints the calls one evaluation costs for PRs of growing size, and the calls per hour a repository
can afford within GITHUB_TOKEN's 1,000 requests/hour, so a change that adds calls shows up here.
Run: .venv/bin/python bench/github_budget.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "tests"))
os.environ.setdefault("CHANGEPROOF_API_THROTTLE", "0")

from fakegithub import scenario as sc  # noqa: E402
from fakegithub.server import FakeGitHub  # noqa: E402

from checker.github.api import Api  # noqa: E402
from checker.github.collector import Collector, Target  # noqa: E402
from checker.github.graph import PullGraph  # noqa: E402


def run(files: int, reviews: int, checks: int, *, graphql: bool) -> tuple[int, float]:
    data = sc.typical()
    pr = data["repos"][sc.REPO]["pulls"]["7"]
    pr["files"] = [sc.file_entry(f"src/m{i}.py") for i in range(files - 1)] + [sc.file_entry("tests/test_m.py")]
    pr["pull"]["changed_files"] = files
    base = pr["reviews"]
    pr["reviews"] = [dict(base[i % len(base)], id=i + 1) for i in range(reviews)]
    data["repos"][sc.REPO]["check_runs"][sc.HEAD_SHA] = [
        sc.check_run(100 + i, ["build", "test", "lint"][i] if i < 3 else f"extra-{i}", sc.HEAD_SHA)
        for i in range(checks)
    ]
    server = FakeGitHub(data).start()
    try:
        api = Api("t", server.base_url, throttle=0)
        start = time.perf_counter()
        Collector(api, graph=PullGraph(api) if graphql else None).collect(
            Target(sc.REPO, 7, ledger_branch="changeproof-ledger")
        )
        return len(server.requests), time.perf_counter() - start
    finally:
        server.stop()


def main() -> None:
    print("collection only (the status write adds one call); GraphQL reads fall back to REST past one page")
    print(f"{'files':>6} {'reviews':>8} {'checks':>7} {'mode':>8} {'calls':>6} {'evals/hour@1000':>16} {'local s':>8}")
    for files, reviews, checks in ((20, 5, 3), (100, 10, 10), (250, 20, 30), (1000, 40, 120), (3000, 80, 250)):
        for graphql in (True, False):
            calls, seconds = run(files, reviews, checks, graphql=graphql)
            mode = "graphql" if graphql else "rest"
            print(f"{files:>6} {reviews:>8} {checks:>7} {mode:>8} {calls:>6} {1000 // calls:>16} {seconds:>8.2f}")


if __name__ == "__main__":
    main()
