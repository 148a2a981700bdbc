"""Benchmark: the central evidence job over N repositories (default 200) against the local GitHub.

For each repository one scheduled run (bypasses, retrospectives, posture) appends to its own
ledger branch of one central bare repository, in-process and serially (the matrix's per-job
cost without Python start-up), with PyGithub's pacing off. Figures: API calls per repository
(the shared App installation's budget is calls x repositories per run), wall time per repository,
and the coverage export over all ledgers. Baseline in the same run: collecting one typical pull
request's facts (the gate's collection), so the ratios say what a posture run costs in "PRs".

Usage: .venv/bin/python bench/period_org.py [--repos N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests", ROOT / "tests" / "audit", ROOT / "tests" / "period"):
    sys.path.insert(0, str(extra))
os.environ.setdefault("CHANGEPROOF_API_THROTTLE", "0")

from datetime import UTC, datetime  # noqa: E402

from audit_helpers import bare_repo, make_keys  # noqa: E402
from fakegithub import scenario as scenario_mod  # noqa: E402
from fakegithub.server import FakeGitHub  # noqa: E402
from period_world import APP_TOKEN, POSTURE_RUN, USERS, repo_scenario  # noqa: E402

from checker.audit.population import Period  # noqa: E402
from checker.audit.run import export  # noqa: E402
from checker.evidence import load_signer  # noqa: E402
from checker.github.api import Api  # noqa: E402
from checker.github.collector import Collector, Target  # noqa: E402
from checker.github.posture import PostureCollector, PostureSettings  # noqa: E402
from checker.period.steps import PeriodRun, run_period_steps  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=200)
    args = parser.parse_args()
    names = [f"acme/svc-{i:04d}" for i in range(args.repos)]
    scenario = {"repos": {n: repo_scenario(n) for n in names}, "users": dict(USERS), "now": "2026-11-01T06:00:00Z"}
    typical = scenario_mod.typical()
    scenario["repos"]["acme/web"] = typical["repos"]["acme/web"]
    scenario["teams"] = typical.get("teams", {})
    fake = FakeGitHub(scenario).start()
    tmp = Path(tempfile.mkdtemp())
    key = make_keys(tmp / "keys", "posture")
    central = bare_repo(tmp / "evidence.git")
    signer = load_signer("key", str(key.private))

    api = Api(APP_TOKEN, fake.base_url, retries=0, throttle=0)
    start = time.perf_counter()
    Collector(api).collect(Target("acme/web", 7, ledger_branch="changeproof-ledger"))
    pr_seconds, pr_calls = time.perf_counter() - start, api.calls

    per_repo: list[tuple[int, float]] = []
    when = datetime(2026, 11, 1, 6, tzinfo=UTC)
    for name in names:
        api = Api(APP_TOKEN, fake.base_url, retries=0, throttle=0)
        run = PeriodRun(str(central), f"ledger/{name.split('/')[1]}", signer, POSTURE_RUN)
        start = time.perf_counter()
        run_period_steps(PostureCollector(api), PostureSettings(name), run, when)
        per_repo.append((api.calls, time.perf_counter() - start))
    fake.stop()
    calls = sum(c for c, _ in per_repo) / len(per_repo)
    seconds = sum(s for _, s in per_repo) / len(per_repo)

    start = time.perf_counter()
    ledgers = [f"{central}#ledger/{n.split('/')[1]}" for n in names]
    _, population = export(
        ledgers, "x", [str(key.public)], Period.parse("2026-11-01", "2026-11-01"), "json", tmp / "all.json"
    )
    export_seconds = time.perf_counter() - start
    print(f"repositories: {len(names)}; one scheduled run each into ledger/<name> of one central repository")
    print(f"baseline, one typical PR's facts (gate collection): {pr_calls} calls, {pr_seconds:.3f} s")
    print(
        f"posture run per repository: {calls:.1f} calls ({calls / pr_calls:.2f}x the PR), "
        f"{seconds:.3f} s ({seconds / pr_seconds:.2f}x the PR) incl. signing and the ledger push"
    )
    print(
        f"App installation budget: {calls * len(names):.0f} calls per daily run of {len(names)} repositories "
        f"({calls * len(names) / 5000:.1%} of a 5,000/h installation limit)"
    )
    print(
        f"export over all {len(names)} ledgers (verify + population + coverage): {export_seconds:.1f} s, "
        f"{len(population.coverage)} coverage documents"
    )


if __name__ == "__main__":
    main()
