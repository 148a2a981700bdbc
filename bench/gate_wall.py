"""Benchmark: the gate's wall time end to end through entrypoint.py against the local fake GitHub.

    .venv/bin/python bench/gate_wall.py [--repeat 5]

The typical PR of the tests (20 files, 5 reviews, 3 checks, no IaC files), run the way the Actions
runner runs the image's entry point, beside a no-op Python start and the bare import of the
Action's module (same interpreter, same run). "now" reads the PR through GraphQL (two queries)
and the rest through REST; "REST only" is CHANGEPROOF_GRAPHQL=0. "paced reads" re-creates PyGithub's default of 0.25 s
before every request (what the gate did before) to show what leaving reads unpaced saves; writes
keep GitHub's one second between mutative requests in both.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "github"))
sys.path.append(str(ROOT / "tests"))

from fakegithub.server import FakeGitHub  # noqa: E402
from ghaction import pr_event, run_action, scenario_mod  # noqa: E402

PACED_READS = """
import checker.github.api as api
_github = api.Github
def paced(*args, **kwargs):
    kwargs["seconds_between_requests"] = 0.25  # PyGithub's default
    return _github(*args, **kwargs)
api.Github = paced
"""


def python_start(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return time.perf_counter() - start


def gate(tmp: Path, extra_env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, exit code and API calls of one gate run on a fresh server."""
    server = FakeGitHub(scenario_mod.typical()).start()
    try:
        start = time.perf_counter()
        run = run_action(tmp, server.base_url, "pull_request", pr_event(), extra_env=extra_env)
        return time.perf_counter() - start, run.code, len(server.requests)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; typical PR (20 files, 5 reviews, 3 checks); median of {args.repeat}")
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as tmp:
        custom = Path(tmp) / "paced"
        custom.mkdir()
        (custom / "sitecustomize.py").write_text(PACED_READS)
        noop = statistics.median(python_start("pass") for _ in range(args.repeat))
        imports = statistics.median(python_start("import checker.github.action") for _ in range(args.repeat))
        print(f"  python -c pass                        {noop:6.2f} s")
        print(f"  import checker.github.action          {imports:6.2f} s")
        paced_writes = {"CHANGEPROOF_API_THROTTLE": "1.0"}  # the production default: 1 s between writes
        graphql = {**paced_writes, "CHANGEPROOF_GRAPHQL": "1"}  # the production default
        rest = {**paced_writes, "CHANGEPROOF_GRAPHQL": "0"}
        rows = (
            ("gate, GraphQL + REST, unpaced (now)", graphql),
            ("gate, REST only, reads unpaced", rest),
            ("gate, REST, reads paced 0.25 s (before)", {**rest, "PYTHONPATH": str(custom)}),
        )
        for row, (label, env) in enumerate(rows):
            runs = []
            for index in range(args.repeat):
                work = Path(tmp) / f"run-{row}-{index}"
                work.mkdir()
                runs.append(gate(work, env))
            wall = statistics.median(r[0] for r in runs)
            codes = sorted({r[1] for r in runs})
            print(
                f"  {label:36} {wall:6.2f} s  ({wall / noop:5.1f}x python start, {wall - noop:5.2f} s above it)"
                f"  exit {codes}  {runs[0][2]} API calls"
            )


if __name__ == "__main__":
    main()
