"""`ledger show`: what re-performing one entry needs, and clear refusals for entries it cannot show."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from checker import policy as policies
from checker.cli import main
from checker.evaluate import evaluate
from checker.evidence import RunContext, load_signer, record_evaluation, record_exception
from checker.evidence.keys import generate_keypair
from checker.evidence.statement import policy_document
from checker.inputs import load_model
from checker.model import Facts

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = RunContext(event="push", job="record", workflow_ref="", run_id="1", run_url="", ref="refs/heads/main")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    remote = tmp_path / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    private, _, _ = generate_keypair(tmp_path / "keys")
    signer = load_signer("key", str(private))
    facts = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
    policy = policies.load_file(ROOT / "examples" / "policy.yml")
    record_evaluation(evaluate(policy, facts), facts, policy, ledger=str(remote), signer=signer, context=CONTEXT)
    record_exception(
        repository="acme/payments",
        reason="direct push",
        commits=("a" * 40,),
        before="b" * 40,
        after="a" * 40,
        observed_at="2026-11-28T10:00:00Z",
        ledger=str(remote),
        signer=signer,
        context=CONTEXT,
    )
    return remote


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_show_writes_facts_policy_and_the_recorded_evaluation(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {name: str(tmp_path / f"{name}.json") for name in ("facts", "policy", "recorded", "again")}
    code, out, _ = run(
        capsys, "ledger", "show", "0", "--ledger", str(ledger), "--facts", files["facts"], "--policy", files["policy"],
        "--evaluation", files["recorded"],
    )  # fmt: skip
    assert code == 0
    assert out.startswith("entry 0 sha256:") and "acme/payments #42" in out and "verdict pass" in out
    listing = subprocess.run(
        ["git", f"--git-dir={ledger}", "ls-tree", "-r", "--name-only", "changeproof-ledger", "policies/"],
        capture_output=True, check=True, text=True,
    ).stdout.split()  # fmt: skip
    (stored,) = listing  # one policy, stored once
    blob = subprocess.run(
        ["git", f"--git-dir={ledger}", "show", f"changeproof-ledger:{stored}"], capture_output=True, check=True
    ).stdout
    assert Path(files["policy"]).read_bytes() == blob  # exactly as stored
    code, _, _ = run(capsys, "evaluate", "--facts", files["facts"], "--policy", files["policy"], "--format", "json",
                     "--out", files["again"])  # fmt: skip
    assert code == 0
    assert Path(files["again"]).read_bytes() == Path(files["recorded"]).read_bytes()


def test_show_refuses_a_missing_entry_and_an_exception_record(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ledger", "show", "5", "--ledger", str(ledger))
    assert code == 2 and "error: the ledger has no entry 5 (it has entries 0..1)" in err
    code, _, err = run(capsys, "ledger", "show", "1", "--ledger", str(ledger))
    assert code == 2 and "records exception, not an evaluation: there is nothing to re-perform" in err


def test_a_stored_policy_document_is_checked_like_a_policy_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body, _ = policy_document(policies.profile("soc2"))
    doc = json.loads(body)
    doc["controls"]["peer_review"]["params"]["min_approvals"] = 1.5
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(doc))
    code, _, err = run(capsys, "policy", "validate", str(path))
    assert code == 2
    assert "at $.controls.peer_review.params.min_approvals: expected an integer, got a number" in err
