"""Helpers for the audit tests: real keys, real bare-git ledgers appended through the evidence API.

(A uniquely named module, not conftest.py: several test directories have a conftest, and
`from conftest import` would pick whichever pytest loaded last.)
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from checker import policy as policies
from checker.evaluate import evaluate
from checker.evidence import AppendResult, RunContext, Signer, record_evaluation, record_exception
from checker.inputs import load_model
from checker.model import Commit, Evaluation, Facts, LabelEvent, MergeInfo, Person, Policy, Review

ROOT = Path(__file__).resolve().parents[2]
BRANCH = "changeproof-ledger"
RECORD = RunContext(
    event="push",
    job="record",
    workflow_ref="acme/payments/.github/workflows/cp.yml@refs/heads/main",
    run_id="7",
    run_url="https://github.com/acme/payments/actions/runs/7",
    ref="refs/heads/main",
)
GATE = replace(RECORD, event="pull_request", job="gate", ref="refs/pull/1/merge")
BASE_FACTS = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
POLICY = policies.load_file(ROOT / "examples" / "policy.yml")
ALICE = Person("Alice Liddell", "alice@example.com", "alice")


@dataclass
class Keys:
    private: Path
    public: Path


def make_keys(directory: Path, name: str = "record") -> Keys:
    key = ed25519.Ed25519PrivateKey.generate()
    directory.mkdir(parents=True, exist_ok=True)
    priv, pub = directory / f"{name}.key", directory / f"{name}.pub"
    priv.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pub.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return Keys(priv, pub)


def review(reviewer: str, sha: str, at: str, permission: str = "write", state: str = "APPROVED") -> Review:
    return Review(abs(hash((reviewer, sha, at))) % 10**6, reviewer, state, sha, at, False, "MEMBER", permission)


def pr_facts(
    number: int,
    title: str,
    *,
    merged_at: str | None,
    merge_sha: str | None = None,
    observed_at: str | None = None,
    approved: bool = True,
    emergency: bool = False,
    commits: tuple[Commit, ...] | None = None,
    reviews: tuple[Review, ...] | None = None,
    repository: str = "acme/payments",
    merged_by: str = "bob",
    **changes: Any,
) -> Facts:
    """The example PR renumbered and retitled; `approved=False` makes peer review fail."""
    commits = commits or BASE_FACTS.commits
    head = commits[-1].sha
    if reviews is None:
        reviews = (review("bob", head, "2026-11-27T13:40:00Z"),) if approved else ()
    labels: tuple[str, ...] = BASE_FACTS.labels
    events: tuple[LabelEvent, ...] = ()
    if emergency:
        labels = (*labels, "emergency")
        events = (LabelEvent("emergency", "labeled", "grace", "2026-11-27T13:00:00Z"),)
    merge = MergeInfo(merged_at is not None, merged_at, merged_by if merged_at else None, merge_sha)
    return replace(
        BASE_FACTS,
        repository=repository,
        number=number,
        title=title,
        head_sha=head,
        commits=commits,
        reviews=reviews,
        labels=labels,
        label_events=events,
        merge=merge,
        observed_at=observed_at or merged_at or "2026-11-27T14:05:00Z",
        **changes,
    )


@dataclass
class Recorder:
    ledger: Path
    signer: Signer
    policy: Policy = POLICY

    def record(self, facts: Facts, kind: str = "merge") -> tuple[AppendResult, Evaluation]:
        evaluation = evaluate(self.policy, facts)
        result = record_evaluation(
            evaluation,
            facts,
            self.policy,
            ledger=str(self.ledger),
            branch=BRANCH,
            signer=self.signer,
            context=RECORD if kind == "merge" else GATE,
            kind=kind,
        )
        return result, evaluation

    def exception(
        self,
        reason: str,
        commits: tuple[str, ...],
        before: str,
        after: str,
        observed_at: str,
        repository: str = "acme/payments",
    ) -> AppendResult:
        return record_exception(
            repository=repository,
            reason=reason,
            commits=commits,
            before=before,
            after=after,
            observed_at=observed_at,
            ledger=str(self.ledger),
            branch=BRANCH,
            signer=self.signer,
            context=RECORD,
        )


def bare_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "changeproof"), *args], capture_output=True, text=True, check=False
    )
