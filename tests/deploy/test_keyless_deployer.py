"""A deployer that signs keyless (its CD job's Sigstore identity): trusted with --deployer-identity,
for claims only; another identity's claim is ignored. Real certificates from a local Sigstore."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from deploy_support import BRANCH, Recorder, bare_repo, make_keys, pr_facts

sys.path.append(str(Path(__file__).resolve().parents[1] / "evidence"))
from localsigstore import ISSUER, LocalKeylessSigner, LocalSigstore

from checker.deploy import Deployment, Shipment
from checker.evidence import Identity, load_signer, verify_ledger
from checker.evidence.deployments import record_claim
from checker.evidence.statement import RunContext

CD = "https://github.com/acme/deploy/.github/workflows/cd.yml@refs/heads/main"
OTHER = "https://github.com/acme/deploy/.github/workflows/cd.yml@refs/heads/feature"
M1 = "1" * 40


@pytest.fixture
def setup(tmp_path: Path) -> dict:
    sigstore = LocalSigstore()
    ledger = bare_repo(tmp_path / "ledger.git")
    keys = make_keys(tmp_path / "keys")
    recorder = Recorder(ledger, load_signer("key", str(keys.private)))
    recorder.record(pr_facts(1, "one", merged_at="2026-11-01T10:00:00Z", merge_sha=M1))
    for identity, n in ((CD, 1), (OTHER, 2)):
        record_claim(
            Deployment("claim", "acme/payments", "production", f"claim-{n}", M1, artifacts=("sha256:" + "e" * 64,)),
            Shipment(None, (M1,)),
            observed_at="2026-11-02T10:00:00Z",
            ledger=str(ledger),
            branch=BRANCH,
            signer=LocalKeylessSigner(sigstore, identity),
            context=RunContext("", "cli", "", "", "", ""),
        )
    recorder.record(pr_facts(2, "two", merged_at="2026-11-03T10:00:00Z", merge_sha="2" * 40))
    return {"ledger": ledger, "keys": keys, "root": str(sigstore.trusted_root(tmp_path / "trusted_root.json"))}


def test_a_trusted_deployer_identity_counts_its_claims_only(setup: dict) -> None:
    report = verify_ledger(
        str(setup["ledger"]),
        BRANCH,
        keys=[str(setup["keys"].public)],
        deployer_identities=[Identity(CD, ISSUER)],
        trusted_root=setup["root"],
    )
    assert report.ok, report.problems
    assert (report.trusted_claims, report.ignored_claims) == ([1], [2])
    assert report.signers.get(CD) == 1


def test_without_the_identity_both_claims_are_ignored(setup: dict) -> None:
    report = verify_ledger(str(setup["ledger"]), BRANCH, keys=[str(setup["keys"].public)], trusted_root=setup["root"])
    assert report.ok, report.problems
    assert (report.trusted_claims, report.ignored_claims) == ([], [1, 2])
