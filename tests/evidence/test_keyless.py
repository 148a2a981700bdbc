"""The keyless path, offline: bundles from a locally minted Fulcio-like CA, CT log and Rekor-like
log, verified by sigstore-python against a custom trusted root, with identity and ref pinning."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from evidence_support import BRANCH, CONTEXT, entry_file, read, rewrite
from localsigstore import ISSUER, LocalKeylessSigner, LocalSigstore

from checker.evidence import Identity, record_evaluation, verify_ledger
from checker.evidence import bundle as bundles
from checker.evidence.ledger import encode_entry

MAIN = "https://github.com/acme/payments/.github/workflows/changeproof.yml@refs/heads/main"
PR_BRANCH = "https://github.com/acme/payments/.github/workflows/changeproof.yml@refs/pull/7/merge"


@pytest.fixture(scope="module")
def sigstore():
    return LocalSigstore()


@pytest.fixture
def trusted_root(sigstore, tmp_path):
    return str(sigstore.trusted_root(tmp_path / "trusted_root.json"))


def record(remote, example, signer, n=1):
    return [
        record_evaluation(
            example.evaluation, example.facts, example.policy, ledger=str(remote), signer=signer, context=CONTEXT
        )
        for _ in range(n)
    ]


def test_keyless_bundle_is_routed_to_sigstore(sigstore):
    raw = encode_entry(LocalKeylessSigner(sigstore, MAIN).sign_bundle("application/vnd.in-toto+json", b"{}"))
    parsed = bundles.parse(raw)
    assert parsed.keyless and parsed.keyid == ""
    assert bundles.certificate_public_key(raw) is not None


def test_keyless_ledger_verifies_for_the_pinned_identity(sigstore, trusted_root, remote, example):
    signer = LocalKeylessSigner(sigstore, MAIN)
    results = record(remote, example, signer, 3)
    assert [r.seq for r in results] == [0, 1, 2]
    report = verify_ledger(str(remote), BRANCH, identities=[Identity(MAIN, ISSUER)], trusted_root=trusted_root)
    assert report.ok, report.problems
    assert report.signers == {MAIN: 3}
    # another job, another ephemeral certificate, same identity: still one trusted signer
    record(remote, example, LocalKeylessSigner(sigstore, MAIN))
    assert verify_ledger(str(remote), BRANCH, identities=[Identity(MAIN, ISSUER)], trusted_root=trusted_root).ok


def test_entry_signed_from_a_pr_branch_is_rejected(sigstore, trusted_root, remote, example):
    record(remote, example, LocalKeylessSigner(sigstore, MAIN))
    record(remote, example, LocalKeylessSigner(sigstore, PR_BRANCH))
    report = verify_ledger(str(remote), BRANCH, identities=[Identity(MAIN, ISSUER)], trusted_root=trusted_root)
    assert not report.ok
    bad = [p for p in report.problems if p.startswith("entry 1 ")]
    assert bad and "not valid for any trusted identity" in bad[0], report.problems
    assert not any(p.startswith("entry 0 ") for p in report.problems)
    wrong_issuer = verify_ledger(
        str(remote), BRANCH, identities=[Identity(MAIN, "https://accounts.example.com")], trusted_root=trusted_root
    )
    assert any(p.startswith("entry 0 ") for p in wrong_issuer.problems)


def test_keyless_payload_edit_and_missing_trust_are_reported(sigstore, trusted_root, remote, example):
    record(remote, example, LocalKeylessSigner(sigstore, MAIN), 2)
    assert any(
        "pass --trusted-root" in p
        for p in verify_ledger(str(remote), BRANCH, identities=[Identity(MAIN, ISSUER)]).problems
    )
    assert any(
        "no --identity" in p for p in verify_ledger(str(remote), BRANCH, trusted_root=trusted_root, keys=[]).problems
    )
    bundle = json.loads(read(remote, entry_file(0)))
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["verdict"] = "tampered"
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    rewrite(remote, {entry_file(0): encode_entry(bundle)})
    report = verify_ledger(str(remote), BRANCH, identities=[Identity(MAIN, ISSUER)], trusted_root=trusted_root)
    assert any(p.startswith("entry 0 ") for p in report.problems), report.problems


def test_verify_command_with_identity(sigstore, trusted_root, remote, example):
    record(remote, example, LocalKeylessSigner(sigstore, MAIN), 2)
    base = [
        sys.executable,
        "-c",
        "from checker.cli import main; main()",
        "verify",
        "--ledger",
        str(remote),
        "--trusted-root",
        trusted_root,
    ]
    ok = subprocess.run([*base, "--identity", MAIN], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"signer {MAIN[:32]}: 2 entries" in ok.stdout
    pinned_elsewhere = subprocess.run([*base, "--identity", PR_BRANCH], capture_output=True, text=True)
    assert pinned_elsewhere.returncode == 1 and "entry 0 " in pinned_elsewhere.stdout
