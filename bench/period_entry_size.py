"""Benchmark: bytes a repository's period entries add to its ledger, entry format 1 vs 2.

One audited repository over N simulated daily runs (default 30) against the local GitHub, each
run appending its posture entry (and the period's one bypass and one retrospective), once as an
earlier release wrote them (format 1, every value inline) and once as now (format 2 where
smaller: the configuration's parts, results, gaps and evaluator as shared `blobs/<sha256>`).
Figures: signed statement bytes per posture entry, bytes added to the ledger tree (entries +
blobs) per run, and the ratio format 2 / format 1 in the same run. The image digest is set, as
in the action image, so the evaluator is large enough to share.

Usage: .venv/bin/python bench/period_entry_size.py [--days N]
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests", ROOT / "tests" / "audit", ROOT / "tests" / "period"):
    sys.path.insert(0, str(extra))
os.environ.setdefault("CHANGEPROOF_API_THROTTLE", "0")

from audit_helpers import BRANCH  # noqa: E402
from period_world import POSTURE_RUN, World, at  # noqa: E402

from checker.evidence import posture_record, read_entries  # noqa: E402


@contextmanager
def format_1() -> Iterator[None]:
    saved = posture_record.compact
    posture_record.compact = lambda statement, pointers: (statement, {})  # type: ignore[assignment]
    try:
        yield
    finally:
        posture_record.compact = saved


def tree_bytes(ledger: Path) -> int:
    """Bytes of every entry and blob file on the ledger branch (what an auditor's clone holds)."""
    listing = subprocess.run(
        ["git", "--git-dir", str(ledger), "ls-tree", "-r", "-l", BRANCH], capture_output=True, text=True, check=True
    ).stdout
    return sum(int(line.split()[3]) for line in listing.splitlines() if "\tentries/" in line or "\tblobs/" in line)


def simulate(days: int, old: bool) -> tuple[int, int, int]:
    """(posture entries, their signed statement bytes, entry+blob bytes on the branch)."""
    world = World(Path(tempfile.mkdtemp()))
    world.context = dataclasses.replace(POSTURE_RUN, image_digest="sha256:" + "ab" * 32)
    start = at("2026-11-01T06:00:00Z")
    try:
        for day in range(days):
            when = (start + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if old:
                with format_1():
                    world.run(when)
            else:
                world.run(when)
            if day == 1:
                world.bypass_push(7001, "2026-11-02T12:00:00Z", "mallory", "a" * 40, "b" * 40)
                world.emergency_merge(3, "2026-11-02T13:00:00Z")
                world.approve(3, "carol", "2026-11-03T08:00:00Z", 9001)
    finally:
        world.fake.stop()
    postures = [e for e in read_entries(str(world.ledger), BRANCH) if e.predicate.get("kind") == "posture"]
    signed = sum(len(base64.b64decode(e.bundle["dsseEnvelope"]["payload"])) for e in postures)
    return len(postures), signed, tree_bytes(world.ledger)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    n1, signed1, tree1 = simulate(args.days, old=True)
    n2, signed2, tree2 = simulate(args.days, old=False)
    print(f"{args.days} daily runs of one repository (one bypass, one emergency closed in time)")
    print(f"format 1 (baseline): {signed1 / n1:,.0f} signed bytes per posture entry; {tree1 / args.days:,.0f} B/run")
    print(f"format 2:            {signed2 / n2:,.0f} signed bytes per posture entry; {tree2 / args.days:,.0f} B/run")
    print(
        json.dumps(
            {"signed_ratio": round(signed2 / signed1, 3), "ledger_bytes_ratio": round(tree2 / tree1, 3)},
            separators=(", ", ": "),
        )
    )


if __name__ == "__main__":
    main()
