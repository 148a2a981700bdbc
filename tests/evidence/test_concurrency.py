"""Racing CI jobs: 8 processes append 10 entries each to one remote at the same time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from evidence_support import BRANCH

from checker.evidence import read_entries, verify_ledger

WORKER = Path(__file__).with_name("append_worker.py")


def test_eight_processes_ten_appends_each(remote, keypair):
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(remote), str(keypair.private_path), "10", f"w{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    outputs = [p.communicate(timeout=400) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-2000:]
    claimed = [int(line.split()[0]) for out, _ in outputs for line in out.splitlines()]
    assert sorted(claimed) == list(range(80))  # every append got its own seq, none lost or duplicated
    entries = list(read_entries(str(remote), BRANCH))
    assert [e.seq for e in entries] == list(range(80))
    runs = sorted(e.predicate["run"]["run_id"] for e in entries)
    assert runs == sorted(f"w{w}-{i}" for w in range(8) for i in range(10))
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem])
    assert report.ok, report.problems
    assert report.size == 80
