"""Keyless posture entries: a day counts as observed when Rekor's integrated time bounds the
entry (at or after its signing time, at most 24 hours later), and as self-asserted when it does
not, against a local Fulcio/Rekor (tests/evidence/localsigstore.py) verified by sigstore-python."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from audit_helpers import BRANCH, ROOT, run_cli
from period_world import POSTURE_RUN, World

from checker.evidence import Identity, read_entries, verify_ledger
from checker.evidence.posture_verify import rekor_time
from checker.github.api import Api
from checker.github.posture import PostureCollector, PostureSettings
from checker.period.steps import PeriodRun, run_period_steps

sys.path.append(str(ROOT / "tests" / "evidence"))
from localsigstore import ISSUER, NOW, LocalKeylessSigner, LocalSigstore

CENTRAL = "https://github.com/acme/evidence/.github/workflows/evidence-chunk.yml@refs/heads/main"


def test_rekor_time_within_24_hours_observes_the_day(world: World, tmp_path: Path) -> None:
    sigstore = LocalSigstore()
    root = str(sigstore.trusted_root(tmp_path / "trusted_root.json"))
    run = PeriodRun(str(world.ledger), BRANCH, LocalKeylessSigner(sigstore, CENTRAL), POSTURE_RUN)
    api = Api(world.token, world.fake.base_url, retries=0, backoff=0, max_wait=1, throttle=0)
    late, fresh = NOW - timedelta(days=2), NOW - timedelta(seconds=60)  # Rekor integrates both at NOW
    for when in (late, fresh):
        world.fake.scenario["now"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        run_period_steps(PostureCollector(api), PostureSettings("acme/payments"), run, when)

    entries = [e for e in read_entries(str(world.ledger), BRANCH) if e.predicate.get("kind") == "posture"]
    assert [rekor_time(e.bundle) for e in entries] == [NOW, NOW]
    report = verify_ledger(str(world.ledger), BRANCH, identities=[Identity(CENTRAL, ISSUER)], trusted_root=root)
    assert report.ok, report.problems

    verified = run_cli(
        "verify", "--ledger", str(world.ledger), "--branch", BRANCH, "--identity", CENTRAL, "--trusted-root", root,
        "--format", "json",
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["period"]["observed"] == 1  # only the fresh one is bounded

    out = tmp_path / "e.json"
    start, end = late.date().isoformat(), fresh.date().isoformat()
    exported = run_cli(
        "export", "--ledger", str(world.ledger), "--branch", BRANCH, "--identity", CENTRAL, "--trusted-root", root,
        "--from", start, "--to", end, "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    (cov,) = json.loads(out.read_text())["coverage"]
    days = (fresh.date() - late.date()).days + 1
    assert (cov["days_in_period"], cov["days_observed"], cov["days_self_asserted"]) == (days, 1, 1)
    assert cov["days"]["observed"] == [end] and cov["days"]["self_asserted"] == [start]
    assert cov["untrusted_period_entries"] == []

    other = "https://github.com/acme/payments/.github/workflows/changeproof.yml@refs/heads/main"
    elsewhere = run_cli(
        "export", "--ledger", str(world.ledger), "--branch", BRANCH, "--identity", other, "--trusted-root", root,
        "--from", start, "--to", end, "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert elsewhere.returncode == 1  # another identity: the ledger does not verify, nothing is counted
