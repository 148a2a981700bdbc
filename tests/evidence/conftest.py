"""Fixtures for the evidence tests: real keys, real bare git remotes, the bundled example PR."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from evidence_support import ROOT, Example, KeyPair, make_keypair

from checker import policy as policies
from checker.evaluate import evaluate
from checker.inputs import load_model
from checker.model import Facts


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


@pytest.fixture(scope="session")
def example() -> Example:
    facts = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
    policy = policies.load_file(ROOT / "examples" / "policy.yml")
    return Example(facts, policy, evaluate(policy, facts))
