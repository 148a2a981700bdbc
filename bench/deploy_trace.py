"""Benchmark: what tracing deployments costs the export, and the deploy core's own speed.

1. What the export's deployments (`checker.audit.deployments`) add to the population pass
   (`reader.summaries` + `build_population`) on a bulk-built ledger of merge entries (the same
   builder as bench/audit_export.py): with the `Tap`, merge records come from the population's
   own summaries and only non-merge entries are read again; the naive second read of every entry
   is shown beside it.
2. The pure core: `ship` + `judge_all` for D deployments over a first-parent line of N commits,
   each with a merge record, against a baseline of one dictionary lookup per shipped commit.

Usage: .venv/bin/python bench/deploy_trace.py [--entries N] [--commits N] [--deployments D]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from audit_export import BRANCH, build  # noqa: E402

from checker.audit.deployments import Tap, deployment_rows  # noqa: E402
from checker.audit.ledgers import open_ledgers  # noqa: E402
from checker.audit.population import Period, build_population  # noqa: E402
from checker.audit.reader import summaries  # noqa: E402
from checker.deploy import Deployment, LedgerIndex, judge_all, ship  # noqa: E402
from checker.deploy.ledger_index import MergeRecord  # noqa: E402
from checker.deploy.shipped import Line  # noqa: E402


def export_passes(entries: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="changeproof-bench-deploy-"))
    try:
        ledger, key = work / "ledger.git", work / "record.pub"
        build(ledger, entries, key)
        with open_ledgers([str(ledger)], BRANCH, [str(key)]) as opened:
            name = opened[0].name
            start = time.perf_counter()
            items = list(summaries(opened[0]))  # the population pass's read (shared by both variants)
            read = time.perf_counter() - start
            start = time.perf_counter()
            population = build_population([(name, "valid", items)], Period())
            base = time.perf_counter() - start + read
            tap = Tap()
            start = time.perf_counter()
            build_population([(name, "valid", tap.wrap(name, items))], Period())
            rows = deployment_rows(opened, Period(), tap)
            tapped = time.perf_counter() - start + read
            start = time.perf_counter()
            deployment_rows(opened, Period())
            reread = time.perf_counter() - start
        print(
            f"export of {entries} entries: population pass {base:.2f} s ({len(population.rows)} rows, reading "
            f"{read:.2f} s of it); with the tap and the deployments {tapped:.2f} s ({tapped / base:.3f} x, "
            f"{len(rows)} deployments); re-reading every entry instead would add {reread:.2f} s "
            f"({reread / base:.2f} x)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def core(commits: int, deployments: int) -> None:
    line = Line.of([f"{i:040x}" for i in range(commits)])
    index = LedgerIndex()
    for i, sha in enumerate(line.commits):
        index.merges[sha] = MergeRecord(i, i, f"h{i}", "fail" if i % 97 == 0 else "pass", "")
    step = commits // deployments
    targets = [
        line.commits[min(commits - 1, (n + 1) * step - (3 * step if n % 20 == 19 else 0))] for n in range(deployments)
    ]
    start = time.perf_counter()
    earlier: list[tuple[str, str]] = []
    items = []
    for n, sha in enumerate(targets):
        items.append((Deployment("github", "o/r", "production", str(n), sha), ship(sha, line, earlier, index)))
        earlier.append((str(n), sha))
    judged = judge_all(items, index)
    took = time.perf_counter() - start
    start = time.perf_counter()
    for _, s in items:
        for sha in s.changes:
            _ = index.merges[sha]
    floor = time.perf_counter() - start
    rollbacks = sum(1 for t in judged if t.shipment.rollback)
    print(
        f"core: {deployments} deployments ({rollbacks} rollbacks) over {commits} commits in {took * 1000:.0f} ms "
        f"({deployments / took:,.0f} deployments/s); {took / max(floor, 1e-9):.0f} x one lookup per shipped commit"
    )


def rebase_walk(commits: int, per_pr: int) -> None:
    """The rebase mapping: a line where every PR was rebase-merged as `per_pr` commits (one merge
    record per PR, its fingerprints matched in order) against the same line of one-commit merges."""
    from checker.commit_fingerprint import fingerprint
    from checker.deploy.judge import judge
    from checker.deploy.model import Shipment

    shas = [f"{i:040x}" for i in range(commits)]
    prints = {sha: fingerprint("dev@example.com", f"commit {i}") for i, sha in enumerate(shas)}
    rebased, merged = LedgerIndex(), LedgerIndex()
    for i, sha in enumerate(shas):
        merged.merges[sha] = MergeRecord(i, i, f"h{i}", "pass", "", commits=(prints[sha],))
        if i % per_pr == per_pr - 1:
            own = tuple(prints[s] for s in shas[i - per_pr + 1 : i + 1])
            rebased.merges[sha] = MergeRecord(i, i, f"h{i}", "pass", "", commits=own)
    shipment = Shipment(None, tuple(shas), fingerprints=tuple(prints.items()))
    deployment = Deployment("github", "o/r", "production", "1", shas[-1])
    timings = []
    for index in (merged, rebased):
        start = time.perf_counter()
        traced = judge(deployment, shipment, index, {})
        timings.append(time.perf_counter() - start)
        assert traced.traced, traced.untraced_changes[:3]
    print(
        f"rebase mapping: {commits} shipped commits, PRs of {per_pr} rebased commits each: {timings[1] * 1000:.0f} ms "
        f"vs {timings[0] * 1000:.0f} ms when every commit has its own record ({timings[1] / timings[0]:.2f} x)"
    )


def git_fingerprints(commits: int) -> None:
    """Reading the fingerprints from git (one `git show` per 500 commits) against the first-parent walk."""
    import subprocess

    from checker.deploy.history import fingerprints, first_parent_line

    work = Path(tempfile.mkdtemp(prefix="changeproof-bench-fp-"))
    try:
        stream = ["reset refs/heads/main"]
        for i in range(commits):
            message = f"commit {i}\n"
            stream += [
                "commit refs/heads/main",
                f"author Dev <dev@example.com> {1_700_000_000 + i} +0000",
                f"committer GitHub <noreply@github.com> {1_700_000_000 + i} +0000",
                f"data {len(message)}",
                message,
            ]
        subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
        subprocess.run(["git", "-C", str(work), "fast-import", "--quiet"], input="\n".join(stream).encode(), check=True)
        start = time.perf_counter()
        line = first_parent_line(work, "main")
        walk = time.perf_counter() - start
        start = time.perf_counter()
        found = fingerprints(work, line)
        took = time.perf_counter() - start
        assert len(found) == commits
        print(
            f"fingerprints of {commits} commits from git: {took * 1000:.0f} ms vs {walk * 1000:.0f} ms for the "
            f"first-parent walk itself ({took / walk:.1f} x)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--deployments", type=int, default=2_000)
    args = parser.parse_args()
    core(args.commits, args.deployments)
    rebase_walk(args.commits, 5)
    git_fingerprints(min(args.commits, 20_000))
    export_passes(args.entries)


if __name__ == "__main__":
    main()
