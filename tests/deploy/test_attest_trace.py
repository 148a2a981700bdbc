"""`attest deployment` by a deployer key, then `trace` by artifact digest; trust and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy_support import BRANCH, GitRepo, Keys, Recorder, bare_repo, make_keys, pr_facts, run_cli

from checker.deploy import Deployment, Shipment
from checker.evidence import load_signer, read_entries
from checker.evidence.deployments import record_claim
from checker.evidence.statement import RunContext

POLICY = "version: 1\nextends: baseline\ndeployments:\n  environments: [production, staging]\n"
A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64


@pytest.fixture
def world(tmp_path: Path) -> dict:
    repo = GitRepo(tmp_path / "app")
    (repo.path / ".github").mkdir()
    (repo.path / ".github" / "changeproof.yml").write_text(POLICY)
    m1 = repo.merge("pr1", "Merge pull request #1")
    m2 = repo.merge("pr2", "Merge pull request #2")
    m3 = repo.merge("pr3", "Merge pull request #3")
    ledger = bare_repo(tmp_path / "ledger.git")
    record = make_keys(tmp_path / "keys", "record")
    recorder = Recorder(ledger, load_signer("key", str(record.private)))
    recorder.record(pr_facts(1, "one", merged_at="2026-11-01T10:00:00Z", merge_sha=m1))
    recorder.record(pr_facts(2, "two", merged_at="2026-11-02T10:00:00Z", merge_sha=m2))
    recorder.record(pr_facts(3, "three", merged_at="2026-11-03T10:00:00Z", merge_sha=m3, approved=False))
    return {
        "repo": repo,
        "ledger": ledger,
        "record": record,
        "recorder": recorder,
        "deployer": make_keys(tmp_path / "keys", "deployer"),
        "rogue": make_keys(tmp_path / "keys", "rogue"),
        "m1": m1,
        "m2": m2,
        "m3": m3,
    }


def attest(world: dict, key: Keys, sha: str, *extra: str, environment: str = "production"):
    return run_cli(
        "attest", "deployment", "--environment", environment, "--sha", sha, "--key", str(key.private),
        "--ledger", str(world["ledger"]), "--branch", BRANCH, "--repository", "acme/payments",
        "--repo", str(world["repo"].path), *extra,
    )  # fmt: skip


def trace(world: dict, artifact: str, *deployer: Keys):
    keys = [a for k in deployer for a in ("--deployer-key", str(k.public))]
    return run_cli(
        "trace", "--artifact", artifact, "--ledger", str(world["ledger"]), "--branch", BRANCH,
        "--key", str(world["record"].public), *keys, "--format", "json",
    )  # fmt: skip


def verify(world: dict, *extra: str):
    return run_cli(
        "verify", "--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", str(world["record"].public),
        "--deployer-key", str(world["deployer"].public), *extra,
    )  # fmt: skip


def size(world: dict) -> int:
    return len(list(read_entries(str(world["ledger"]), BRANCH)))


def test_attest_then_trace_by_artifact(world: dict) -> None:
    done = attest(world, world["deployer"], world["m2"], "--artifact", A)
    assert done.returncode == 0, done.stderr
    assert "2 change(s) shipped" in done.stdout
    out = trace(world, A, world["deployer"])
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads(out.stdout)
    assert doc["shas"] == [world["m2"]]
    (deployment,) = doc["deployments"]
    assert (deployment["environment"], deployment["traced"], deployment["baseline"]) == ("production", True, None)
    assert [(c["sha"], c["pr"], c["seq"], c["verdict"]) for c in deployment["changes"]] == [
        (world["m1"], 1, 0, "pass"),
        (world["m2"], 2, 1, "pass"),
    ]
    # the next deployment ships the failed merge: traced is computed, so it is not traced
    assert attest(world, world["deployer"], world["m3"], "--artifact", B).returncode == 0
    out = trace(world, B, world["deployer"])
    assert out.returncode == 1
    (deployment,) = json.loads(out.stdout)["deployments"]
    assert deployment["baseline"] == json.loads(trace(world, A, world["deployer"]).stdout)["deployments"][0]["id"]
    assert deployment["untraced_changes"] == [world["m3"]]
    # the tip's checkpoint is the deployer's: without trusting it the ledger does not verify
    assert trace(world, A).returncode == 1
    # once the record job appends again, an auditor who does not trust the deployer sees no claim
    world["recorder"].record(pr_facts(4, "four", merged_at="2026-11-04T10:00:00Z", merge_sha="4" * 40))
    assert trace(world, A).returncode == 2


def test_a_claim_by_an_untrusted_key_does_not_count(world: dict) -> None:
    assert attest(world, world["deployer"], world["m2"], "--artifact", A).returncode == 0
    assert attest(world, world["rogue"], world["m2"], "--artifact", B).returncode == 0
    # the record job appends next, so the checkpoint is again signed by the ledger key
    world["recorder"].record(pr_facts(4, "four", merged_at="2026-11-04T10:00:00Z", merge_sha="4" * 40))
    unknown = trace(world, B, world["deployer"])
    assert unknown.returncode == 2
    assert "1 deployment claim(s) by untrusted signers were ignored" in unknown.stderr
    assert trace(world, A, world["deployer"]).returncode == 0
    verified = verify(world, "--format", "json")
    report = json.loads(verified.stdout)
    assert verified.returncode == 0, report["problems"]
    assert (report["trusted_claims"], report["ignored_claims"]) == ([3], [4])


def test_the_ledger_key_never_signs_a_claim(world: dict) -> None:
    refused = attest(world, world["record"], world["m2"])
    assert refused.returncode == 2
    assert "never the ledger's" in refused.stderr
    # written around the CLI, such a claim makes the ledger invalid
    record_claim(
        Deployment("claim", "acme/payments", "production", "claim-x", world["m2"]),
        Shipment(None, (world["m1"], world["m2"])),
        observed_at="2026-11-05T10:00:00Z",
        ledger=str(world["ledger"]),
        branch=BRANCH,
        signer=world["recorder"].signer,
        context=RunContext("", "cli", "", "", "", ""),
    )
    out = verify(world)
    assert out.returncode == 1
    assert "claims are signed by deployers, never the ledger's key" in out.stdout


def test_a_deployer_key_signs_claims_only(world: dict, tmp_path: Path) -> None:
    deployer_recorder = Recorder(world["ledger"], load_signer("key", str(world["deployer"].private)))
    deployer_recorder.record(pr_facts(5, "five", merged_at="2026-11-05T10:00:00Z", merge_sha="5" * 40))
    out = verify(world)
    assert out.returncode == 1
    assert "which is trusted for deployment claims only" in out.stdout


def test_an_environment_the_policy_does_not_name(world: dict) -> None:
    before = size(world)
    out = attest(world, world["deployer"], world["m2"], environment="qa")
    assert out.returncode == 2
    assert "changeproof.yml:4:17" in out.stderr and "'qa'" in out.stderr
    assert "Traceback" not in out.stderr
    assert size(world) == before


def test_a_sha_that_does_not_exist(world: dict) -> None:
    before = size(world)
    out = attest(world, world["deployer"], "0123456789" * 4)
    assert out.returncode == 2
    assert "does not exist" in out.stderr and "Traceback" not in out.stderr
    assert size(world) == before
    assert attest(world, world["deployer"], world["m2"], "--artifact", "sha256:nothex").returncode == 2
    assert size(world) == before


def test_a_claim_file_ingested_by_the_record_job(world: dict, tmp_path: Path) -> None:
    from checker import policy as policies
    from checker.deploy.step import LedgerTarget, ingest_claims
    from checker.errors import PolicyError

    claim = tmp_path / "claim.json"
    out = run_cli(
        "attest", "deployment", "--environment", "production", "--sha", world["m2"][:12], "--artifact", A,
        "--key", str(world["deployer"].private), "--out", str(claim), "--repository", "acme/payments",
        "--repo", str(world["repo"].path),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    rogue = tmp_path / "rogue.json"
    run_cli(
        "attest", "deployment", "--environment", "production", "--sha", world["m3"], "--artifact", B,
        "--key", str(world["rogue"].private), "--out", str(rogue), "--repository", "acme/payments",
        "--repo", str(world["repo"].path),
    )  # fmt: skip
    scope = policies.deployment_scope(POLICY, "changeproof.yml")
    target = LedgerTarget(
        str(world["ledger"]), BRANCH, world["recorder"].signer, RunContext("schedule", "record", "", "", "", ""), "now"
    )

    def ingest(*paths: Path, scope=scope):
        return ingest_claims(
            list(paths), repository="acme/payments", scope=scope, repo_dir=world["repo"].path,
            default_branch="main", target=target,
        )  # fmt: skip

    run = ingest(claim, rogue)
    assert [t.deployment.sha for _, t in run.recorded] == [world["m2"], world["m3"]]
    assert ingest(claim).skipped[0][2] == "already recorded"
    report = json.loads(verify(world, "--format", "json").stdout)
    assert (report["ok"], report["trusted_claims"], report["ignored_claims"]) == (True, [3], [4])
    out = trace(world, A, world["deployer"])
    assert out.returncode == 0, out.stderr
    (deployment,) = json.loads(out.stdout)["deployments"]
    assert [c["sha"] for c in deployment["changes"]] == [world["m1"], world["m2"]]
    assert trace(world, A).returncode == 2  # the deployer is not trusted: its claim names nothing
    assert trace(world, B, world["deployer"]).returncode == 2  # the rogue's claim does not count
    before = size(world)
    with pytest.raises(PolicyError):
        ingest(claim, scope=policies.deployment_scope(POLICY.replace("production, ", ""), "changeproof.yml"))
    assert size(world) == before
