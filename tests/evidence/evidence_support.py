"""Helpers shared by the evidence tests: keys, remotes, tampering with a remote as an attacker would."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from checker.evidence import RunContext, load_signer, record_evaluation
from checker.evidence.ledger import append, utc_now
from checker.evidence.statement import evaluation_statement, policy_document
from checker.model import Evaluation, Facts, Policy

ROOT = Path(__file__).resolve().parents[2]
BRANCH = "changeproof-ledger"
CONTEXT = RunContext(
    event="push",
    job="record",
    workflow_ref="acme/payments/.github/workflows/cp.yml@refs/heads/main",
    run_id="101",
    run_url="https://github.com/acme/payments/actions/runs/101",
    ref="refs/heads/main",
)


@dataclass
class KeyPair:
    private_pem: str
    public_pem: str
    private_path: Path
    public_path: Path


def make_keypair(directory: Path, kind: str = "ed25519", name: str = "k") -> KeyPair:
    priv = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    private_pem = priv.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        priv.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.key").write_text(private_pem)
    (directory / f"{name}.pub").write_text(public_pem)
    return KeyPair(private_pem, public_pem, directory / f"{name}.key", directory / f"{name}.pub")


@dataclass
class Example:
    facts: Facts
    policy: Policy
    evaluation: Evaluation


def append_n(remote: Path, key: KeyPair, example: Example, n: int) -> list[object]:
    signer = load_signer("key", str(key.private_path))
    return [
        record_evaluation(
            example.evaluation, example.facts, example.policy, ledger=str(remote), signer=signer, context=CONTEXT
        )
        for _ in range(n)
    ]


def append_inline(remote: Path, key: KeyPair, example: Example, clock: Callable[[], datetime] = utc_now) -> None:
    """An entry with every value inline in its statement (format 1, as before blobs/ existed)."""
    signer = load_signer("key", key.private_pem)
    body, digest = policy_document(example.policy)

    def build(seq: int, prev: str) -> tuple[dict[str, Any], dict[str, bytes]]:
        st = evaluation_statement(
            example.evaluation, example.facts, digest, kind="merge", context=CONTEXT, seq=seq, prev=prev
        )
        return st, {f"policies/{digest}": body}

    append(str(remote), BRANCH, signer=signer, repository="acme/payments", build=build, clock=clock)


# ------------------------------------------------------------------ tampering with the remote directly


def git(remote: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", f"--git-dir={remote}", *args], input=input, capture_output=True, check=True).stdout


def read(remote: Path, path: str, ref: str = BRANCH) -> bytes:
    return git(remote, "cat-file", "blob", f"{ref}:{path}")


def rewrite(remote: Path, changes: dict[str, bytes | None], ref: str = BRANCH) -> str:
    """What someone with push access could do: a new commit on the tip with files changed or deleted."""
    tip = git(remote, "rev-parse", ref).decode().strip()
    out = bytearray(
        f"commit refs/heads/{ref}\ncommitter mallory <m@example.com> {int(time.time())} +0000\n"
        f"data 6\ntamper\nfrom {tip}\n".encode()
    )
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
