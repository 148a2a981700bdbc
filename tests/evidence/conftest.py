"""Fixtures for the evidence tests: real keys, real bare git remotes, the bundled example PR."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from checker import policy as policies
from checker.evaluate import evaluate
from checker.evidence import RunContext, load_signer, record_evaluation
from checker.inputs import load_model
from checker.model import Evaluation, Facts, Policy

ROOT = Path(__file__).resolve().parents[2]
BRANCH = "changeproof-ledger"
CONTEXT = RunContext(event="push", job="record", workflow_ref="acme/payments/.github/workflows/cp.yml@refs/heads/main",
                     run_id="101", run_url="https://github.com/acme/payments/actions/runs/101", ref="refs/heads/main")


@dataclass
class KeyPair:
    private_pem: str
    public_pem: str
    private_path: Path
    public_path: Path


def make_keypair(directory: Path, kind: str = "ed25519", name: str = "k") -> KeyPair:
    priv = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    private_pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode()
    public_pem = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.key").write_text(private_pem)
    (directory / f"{name}.pub").write_text(public_pem)
    return KeyPair(private_pem, public_pem, directory / f"{name}.key", directory / f"{name}.pub")


@pytest.fixture
def keypair(tmp_path: Path) -> KeyPair:
    return make_keypair(tmp_path / "keys")


@pytest.fixture
def attacker(tmp_path: Path) -> KeyPair:
    return make_keypair(tmp_path / "attacker", name="evil")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


@dataclass
class Example:
    facts: Facts
    policy: Policy
    evaluation: Evaluation


@pytest.fixture(scope="session")
def example() -> Example:
    facts = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
    policy = policies.load_file(ROOT / "examples" / "policy.yml")
    return Example(facts, policy, evaluate(policy, facts))


def append_n(remote: Path, key: KeyPair, example: Example, n: int) -> list[object]:
    signer = load_signer("key", str(key.private_path))
    return [record_evaluation(example.evaluation, example.facts, example.policy, ledger=str(remote),
                              signer=signer, context=CONTEXT) for _ in range(n)]


# ------------------------------------------------------------------ tampering with the remote directly


def git(remote: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", f"--git-dir={remote}", *args], input=input, capture_output=True,
                          check=True).stdout


def read(remote: Path, path: str, ref: str = BRANCH) -> bytes:
    return git(remote, "cat-file", "blob", f"{ref}:{path}")


def rewrite(remote: Path, changes: dict[str, bytes | None], ref: str = BRANCH) -> str:
    """What someone with push access could do: a new commit on the tip with files changed or deleted."""
    tip = git(remote, "rev-parse", ref).decode().strip()
    out = bytearray(f"commit refs/heads/{ref}\ncommitter mallory <m@example.com> {int(time.time())} +0000\n"
                    f"data 6\ntamper\nfrom {tip}\n".encode())
    for path, content in changes.items():
        if content is None:
            out += f"D {path}\n".encode()
        else:
            out += f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n"
    git(remote, "fast-import", "--quiet", "--force", input=bytes(out) + b"\n")
    return git(remote, "rev-parse", ref).decode().strip()


def entry_file(seq: int) -> str:
    return f"entries/000/000/{seq:012d}.json"


def statement_of(entry: bytes) -> dict:
    return json.loads(base64.b64decode(json.loads(entry)["dsseEnvelope"]["payload"]))
