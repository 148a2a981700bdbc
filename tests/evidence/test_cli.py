"""The keygen / record / verify commands as a person uses them, including bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from evidence_support import BRANCH, CONTEXT, ROOT, append_n, entry_file, read, rewrite

from checker import __version__
from checker.evidence import load_signer, record_evaluation, verify_ledger
from checker.model import Verdict

FACTS = str(ROOT / "examples" / "pr-42-facts.json")
POLICY = str(ROOT / "examples" / "policy.yml")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANGEPROOF_", "GITHUB_"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from checker.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    for needle in needles:
        assert needle in proc.stderr + proc.stdout, (proc.stdout, proc.stderr)


def test_keygen_record_verify(tmp_path, remote):
    keys = tmp_path / "keys"
    proc = run("keygen", "--out", str(keys))
    assert proc.returncode == 0, proc.stderr
    assert "gh secret set CHANGEPROOF_SIGNING_KEY" in proc.stdout
    assert stat.S_IMODE((keys / "changeproof.key").stat().st_mode) == 0o600
    assert run("keygen", "--out", str(keys)).returncode == 2  # never overwrites silently

    proc = run(
        "record", "--facts", FACTS, "--policy", POLICY, "--ledger", str(remote), "--key", str(keys / "changeproof.key")
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("appended entry 0 sha256:")
    assert "changeproof.dev/ledger/acme/payments\n1\n" in proc.stdout

    # a failing verdict still records and exits 0 (the gate, not record, enforces)
    proc = run(
        "record",
        "--facts",
        str(ROOT / "examples" / "pr-43-facts.json"),
        "--policy",
        POLICY,
        "--ledger",
        f"file://{remote}",
        env={"CHANGEPROOF_SIGNING_KEY": (keys / "changeproof.key").read_text()},
    )
    assert proc.returncode == 0, proc.stderr
    assert "appended entry 1" in proc.stdout

    proc = run("verify", "--ledger", str(remote), "--key", str(keys / "changeproof.pub"), "--reperform")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "entries: 2" in proc.stdout and "VALID" in proc.stdout and "re-performed: 2" in proc.stdout

    proc = run("verify", "--ledger", str(remote))
    assert proc.returncode == 0
    assert "WARNING: no --key" in proc.stdout

    proc = run("verify", "--ledger", str(remote), "--key", str(keys / "changeproof.pub"), "--format", "json")
    data = json.loads(proc.stdout)
    assert data["ok"] is True and data["entries"] == 2 and data["checkpoint"]["size"] == 2


def test_verify_reports_invalid_with_exit_1_and_names_entries(remote, keypair, example):
    append_n(remote, keypair, example, 3)
    rewrite(remote, {entry_file(1): read(remote, entry_file(1))[:-40] + b"\n"})  # truncated JSON
    proc = run("verify", "--ledger", str(remote), "--key", str(keypair.public_path))
    assert_clean_error(proc, 1, "INVALID", "entry 1 (entries/000/000/000000000001.json): corrupt entry")


def test_corrupt_entry_bytes(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    rewrite(remote, {entry_file(0): b"\x00\xff garbage"})
    proc = run("verify", "--ledger", str(remote), "--key", str(keypair.public_path), "--format", "json")
    assert proc.returncode == 1
    problems = json.loads(proc.stdout)["problems"]
    assert any(p.startswith("entry 0 ") and "corrupt entry" in p for p in problems)


def test_unknown_format_version(remote, keypair, example):
    append_n(remote, keypair, example, 1)
    doc = json.loads(read(remote, "LEDGER.json"))
    doc["format"] = "changeproof-ledger/99"
    rewrite(remote, {"LEDGER.json": json.dumps(doc).encode()})
    proc = run("verify", "--ledger", str(remote), "--key", str(keypair.public_path))
    assert_clean_error(proc, 2, "unknown ledger format version 'changeproof-ledger/99'", "upgrade changeproof")
    proc = run(
        "record", "--facts", FACTS, "--policy", POLICY, "--ledger", str(remote), "--key", str(keypair.private_path)
    )
    assert_clean_error(proc, 2, "unknown ledger format version")


def test_wrong_key_types(tmp_path, remote):
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p384 = ec.generate_private_key(ec.SECP384R1())
    for name, key in (("rsa", rsa_key), ("p384", p384)):
        path = tmp_path / f"{name}.pem"
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        proc = run("record", "--facts", FACTS, "--policy", POLICY, "--ledger", str(remote), "--key", str(path))
        assert_clean_error(proc, 2, "not supported", "Ed25519 or ECDSA P-256")
    pub = tmp_path / "rsa.pub"
    pub.write_bytes(
        rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert_clean_error(run("verify", "--ledger", str(remote), "--key", str(pub)), 2, "not supported")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    proc = run("record", "--facts", FACTS, "--ledger", str(remote), "--key", str(garbage))
    assert_clean_error(proc, 2, "not a readable PEM private key")


def test_encrypted_key_without_password(tmp_path, remote):
    proc = run("keygen", "--out", str(tmp_path / "k"), "--password-env", "KEYPW", env={"KEYPW": "s3cret"})
    assert proc.returncode == 0, proc.stderr
    key = str(tmp_path / "k" / "changeproof.key")
    proc = run("record", "--facts", FACTS, "--policy", POLICY, "--ledger", str(remote), "--key", key)
    assert_clean_error(proc, 2, "encrypted and no password was given", "CHANGEPROOF_KEY_PASSWORD")
    proc = run(
        "record",
        "--facts",
        FACTS,
        "--policy",
        POLICY,
        "--ledger",
        str(remote),
        "--key",
        key,
        env={"CHANGEPROOF_KEY_PASSWORD": "wrong"},
    )
    assert_clean_error(proc, 2, "password does not decrypt")
    proc = run(
        "record",
        "--facts",
        FACTS,
        "--policy",
        POLICY,
        "--ledger",
        str(remote),
        "--key",
        key,
        env={"CHANGEPROOF_KEY_PASSWORD": "s3cret"},
    )
    assert proc.returncode == 0, proc.stderr


def test_truncated_facts_and_missing_ledger(tmp_path, keypair, remote):
    facts = tmp_path / "facts.json"
    facts.write_text(Path(FACTS).read_text()[:200])
    proc = run("record", "--facts", str(facts), "--ledger", str(remote), "--key", str(keypair.private_path))
    assert_clean_error(proc, 2, "not valid JSON")
    proc = run("verify", "--ledger", str(tmp_path / "nope"))
    assert_clean_error(proc, 2, "does not exist")
    proc = run("verify", "--ledger", str(remote))
    assert_clean_error(proc, 2, "has no branch changeproof-ledger")


def test_append_refuses_an_inconsistent_tip(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    head = json.loads(read(remote, "head.json"))
    head["last_entry_hash"] = "0" * 64
    rewrite(remote, {"head.json": json.dumps(head).encode()})
    proc = run(
        "record", "--facts", FACTS, "--policy", POLICY, "--ledger", str(remote), "--key", str(keypair.private_path)
    )
    assert_clean_error(proc, 3, "refusing to append", "entry 1 does not hash")


def test_reperform_distinguishes_semantics_change_from_tampering(remote, keypair, example):
    signer = load_signer("key", keypair.private_pem)
    flipped = Verdict.FAIL if example.evaluation.verdict is not Verdict.FAIL else Verdict.PASS
    old = dataclasses.replace(example.evaluation, verdict=flipped, tool_version="0.0.1")
    record_evaluation(old, example.facts, example.policy, ledger=str(remote), signer=signer, context=CONTEXT)
    # a key holder can re-sign any verdict under an old version: only the auditor can accept the change
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], reperform=True)
    assert not report.ok and not report.semantic_changes
    assert any(p.startswith("entry 0 ") and f"--accept-semantics 0.0.1..{__version__}" in p for p in report.problems)
    report = verify_ledger(
        str(remote), BRANCH, keys=[keypair.public_pem], reperform=True, accept_semantics=(f"0.0.1..{__version__}",)
    )
    assert report.ok and len(report.semantic_changes) == 1, report.problems
    assert "changeproof 0.0.1" in report.semantic_changes[0] and "you accepted" in report.semantic_changes[0]
    same = dataclasses.replace(example.evaluation, verdict=flipped, tool_version=__version__)
    record_evaluation(same, example.facts, example.policy, ledger=str(remote), signer=signer, context=CONTEXT)
    report = verify_ledger(
        str(remote), BRANCH, keys=[keypair.public_pem], reperform=True, accept_semantics=(f"0.0.1..{__version__}",)
    )
    assert not report.ok
    assert any(p.startswith("entry 1 ") and "same evaluator version" in p for p in report.problems)
