"""`attest deployment --keyless` end to end, against a local Fulcio/Rekor (tests/evidence/localsigstore.py):
the CD job signs with its own Sigstore identity and appends; `verify --deployer-identity`, `trace`
and `export --deployer-identity` count the claim for that identity only.

The command runs in this process (click's runner) so that its keyless signer, which would ask
GitHub for an OIDC token and the public Fulcio/Rekor for a certificate, is the local Sigstore's:
everything else (policy, git walk, append, verification by sigstore-python) is the real code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from deploy_support import BRANCH, GitRepo, Recorder, bare_repo, make_keys, pr_facts

sys.path.append(str(Path(__file__).resolve().parents[1] / "evidence"))
from localsigstore import LocalKeylessSigner, LocalSigstore

from checker.cli import cli
from checker.evidence import load_signer, read_entries
from checker.evidence import signing as signing_module
from checker.evidence.statement import DEPLOYMENT_CLAIM_PREDICATE

REPO = "acme/payments"
CD = "https://github.com/acme/deploy/.github/workflows/cd.yml@refs/heads/main"
ELSEWHERE = "https://github.com/acme/deploy/.github/workflows/cd.yml@refs/heads/feature"
POLICY = "version: 1\nextends: baseline\ndeployments:\n  environments: [production]\n"
ARTIFACT = "sha256:" + "d" * 64


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    sigstore = LocalSigstore()
    repo = GitRepo(tmp_path / "app")
    (repo.path / ".github").mkdir()
    (repo.path / ".github" / "changeproof.yml").write_text(POLICY)
    m1 = repo.merge("pr1", "Merge pull request #1")
    m2 = repo.merge("pr2", "Merge pull request #2")
    ledger = bare_repo(tmp_path / "ledger.git")
    keys = make_keys(tmp_path / "keys")
    recorder = Recorder(ledger, load_signer("key", str(keys.private)))
    recorder.record(pr_facts(1, "one", merged_at="2026-11-01T10:00:00Z", merge_sha=m1))
    recorder.record(pr_facts(2, "two", merged_at="2026-11-02T10:00:00Z", merge_sha=m2, approved=False))
    identity = {"now": CD}
    monkeypatch.setattr(signing_module, "SigstoreSigner", lambda: LocalKeylessSigner(sigstore, identity["now"]))
    root = sigstore.trusted_root(tmp_path / "trusted_root.json")
    return dict(repo=repo, ledger=ledger, keys=keys, m1=m1, m2=m2, identity=identity, root=str(root), tmp=tmp_path)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def attest(world: dict, sha: str, deployed_at: str) -> Result:
    return run(
        "attest", "deployment", "--keyless", "--environment", "production", "--sha", sha, "--artifact", ARTIFACT,
        "--ledger", str(world["ledger"]), "--branch", BRANCH, "--repository", REPO, "--repo", str(world["repo"].path),
        "--deployed-at", deployed_at,
    )  # fmt: skip


def trust(world: dict, identity: str) -> list[str]:
    return ["--deployer-identity", identity, "--trusted-root", world["root"]]


def test_keyless_claim_is_signed_appended_verified_and_traced(world: dict) -> None:
    done = attest(world, world["m1"], "2026-11-05T10:00:00Z")
    assert done.exit_code == 0, done.output
    assert "appended deployment claim" in done.output and "as entry 2" in done.output
    entry = list(read_entries(str(world["ledger"]), BRANCH))[-1]
    assert entry.predicate_type == DEPLOYMENT_CLAIM_PREDICATE
    material = entry.bundle["verificationMaterial"]
    assert "certificate" in material and material["tlogEntries"], "a keyless bundle: certificate and log entry"
    assert entry.statement["subject"][1] == {"name": ARTIFACT, "digest": {"sha256": "d" * 64}}

    base = ["--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", str(world["keys"].public)]
    verified = run("verify", *base, *trust(world, CD), "--format", "json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.output)
    assert report["trusted_claims"] == [2] and report["ignored_claims"] == []

    traced = run("trace", "--artifact", ARTIFACT, *base, *trust(world, CD), "--format", "json")
    assert traced.exit_code == 0, traced.output
    doc = json.loads(traced.output)
    assert doc["shas"] == [world["m1"]]
    [deployment] = doc["deployments"]
    assert (deployment["source"], deployment["traced"], deployment["baseline"]) == ("claim", True, None)
    assert [(c["pr"], c["verdict"]) for c in deployment["changes"]] == [(1, "pass")]


def test_another_identity_does_not_make_the_claim_count(world: dict) -> None:
    assert attest(world, world["m1"], "2026-11-05T10:00:00Z").exit_code == 0
    base = ["--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", str(world["keys"].public)]
    traced = run("trace", "--artifact", ARTIFACT, *base, *trust(world, ELSEWHERE))
    assert traced.exit_code == 2
    assert "unknown artifact" in traced.output and "1 deployment claim(s) by untrusted signers" in traced.output


def test_export_trusts_a_keyless_deployer_by_identity(world: dict) -> None:
    assert attest(world, world["m1"], "2026-11-05T10:00:00Z").exit_code == 0
    world["identity"]["now"] = ELSEWHERE  # a second CD job, of a branch the auditor does not trust
    assert attest(world, world["m2"], "2026-11-06T10:00:00Z").exit_code == 0
    out = world["tmp"] / "export.json"
    base = ["export", "--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", str(world["keys"].public)]
    done = run(*base, "--format", "json", "--out", str(out), *trust(world, CD))
    assert done.exit_code == 0, done.output
    doc = json.loads(out.read_text())
    assert doc["summary"]["deployments"][REPO]["production"]["figure"] == "1 of 1 production deployments traced"
    assert [(r["sha"], r["traced"]) for r in doc["deployments"][REPO]] == [(world["m1"], True)]

    both = run(*base, "--format", "json", "--out", str(out), *trust(world, CD), "--deployer-identity", ELSEWHERE)
    assert both.exit_code == 0, both.output
    doc = json.loads(out.read_text())
    assert doc["summary"]["deployments"][REPO]["production"]["figure"] == "1 of 2 production deployments traced"
    assert doc["deployments"][REPO][1]["untraced_changes"] == [world["m2"]]

    neither = run(*base, "--format", "json", "--out", str(out), "--trusted-root", world["root"])
    assert neither.exit_code == 0, neither.output
    assert json.loads(out.read_text())["deployments"] == {}
