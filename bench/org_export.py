"""Benchmark: export at organisation scale, 200 ledgers x 500 entries through one `--manifest`.

The ledgers come from `bench/ledger_build.py` (typical 20-file PR entries, fully valid, each
ledger with its own Ed25519 key); a JSON-lines manifest names them all, and one export process
verifies every ledger and writes one population. Printed: seconds, entries/s, MB/s of entry
JSON and the peak RSS, for the whole run and split into the verify part (the evidence
package's) and the export part (reading entries into rows, writing), with their ratio.

ledger_build repeats one PR in every entry, so each ledger adds one row (its merge-time record);
the reading cost is that of all 100 000 entries.

Usage: .venv/bin/python bench/org_export.py [--ledgers 200] [--entries 500] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _build_one(args: tuple[int, Path]) -> int:
    from ledger_build import build

    entries, out = args
    return int(build(entries, out)["bytes"])


def build_all(work: Path, ledgers: int, entries: int) -> tuple[list[Path], int, float]:
    """Build (or reuse) the ledgers; returns their directories, entry bytes and seconds."""
    dirs = [work / f"repo{i:03d}" for i in range(ledgers)]
    todo = [(entries, d) for d in dirs if not (d / "ledger.git" / "HEAD").exists()]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_build_one, todo))
    size = 0
    for d in dirs:
        out = subprocess.run(
            ["git", f"--git-dir={d / 'ledger.git'}", "ls-tree", "-r", "-l", "changeproof-ledger", "entries/"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        size += sum(int(line.split()[3]) for line in out.splitlines())
    return dirs, size, time.perf_counter() - start


def child(manifest: Path, keys: list[str], out: Path) -> None:
    """One export over the manifest in this fresh process through `checker.audit.run.export`
    (what `changeproof export --manifest` runs); prints JSON timings, the verify part timed
    around its `open_many`."""
    from export_timing import time_verify_part

    from checker.audit import run
    from checker.audit.manifest import load_manifest
    from checker.audit.population import Period

    times: dict[str, float] = {"verify": 0.0}
    time_verify_part(times)
    t0 = time.perf_counter()
    _, population = run.export(load_manifest(manifest).ledgers(), "changeproof-ledger", keys, Period(), "csv", out)
    times["total"] = time.perf_counter() - t0
    times["population"] = len(population.rows)
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledgers", type=int, default=200)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keys", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, json.loads(args.keys.read_text()), args.out)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="changeproof-bench-org-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        dirs, size, seconds = build_all(work, args.ledgers, args.entries)
        n = args.ledgers * args.entries
        mb = size / 1e6
        print(f"{args.ledgers} ledgers x {args.entries} entries = {n} entries, {mb:.0f} MB of entry JSON "
              f"(built or reused in {seconds:.0f} s); {os.cpu_count()} cores", flush=True)  # fmt: skip
        manifest = work / "manifest.jsonl"
        manifest.write_text(
            "".join(
                json.dumps({"repository": f"acme/repo{i:03d}", "ledger": str(d / "ledger.git")}) + "\n"
                for i, d in enumerate(dirs)
            )
        )
        keys = work / "keys.json"
        keys.write_text(json.dumps([str(d / "key.pub") for d in dirs]))
        out = work / "population.csv"
        cmd = [sys.executable, __file__, "--child", str(manifest), "--keys", str(keys), "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"export failed: {proc.stderr[-2000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t = json.loads(proc.stdout.strip().splitlines()[-1])
        side = t["total"] - t["verify"]
        load = os.getloadavg()

        def rate(s: float) -> str:
            return f"{s:.1f} s ({n / s:,.0f} entries/s, {mb / s:.1f} MB/s)"

        print(f"export --manifest (CSV): total {rate(t['total'])}; peak RSS {peak:.0f} MiB; "
              f"{t['population']:.0f} rows; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
              flush=True)  # fmt: skip
        ratio = side / t["verify"]
        print(f"  verify part {rate(t['verify'])}; export part {rate(side)}; export/verify = {ratio:.2f}")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
