"""The ledger token as a parameter: appends, verify and the witness reach an HTTPS-style remote
with `token=` alone, with nothing in this process's environment."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.asymmetric import ed25519
from evidence_support import BRANCH, CONTEXT
from test_https_token import EXPECTED, TOKEN, http_remote  # noqa: F401 - the fixture

from checker.evidence import load_signer, record_evaluation, verify_ledger, witness_ledger
from checker.evidence.keys import trusted_key


def test_token_parameter_reaches_git_only(http_remote, keypair, example, monkeypatch, tmp_path):  # noqa: F811
    url, seen = http_remote
    monkeypatch.delenv("CHANGEPROOF_LEDGER_TOKEN", raising=False)
    signer = load_signer("key", keypair.private_pem)
    for _ in range(3):
        record_evaluation(
            example.evaluation, example.facts, example.policy, ledger=url, signer=signer, context=CONTEXT, token=TOKEN
        )
    assert EXPECTED in seen and "CHANGEPROOF_LEDGER_TOKEN" not in os.environ
    report = verify_ledger(url, BRANCH, keys=[keypair.public_pem], token=TOKEN)
    assert report.ok and report.entries == 3, report.problems
    result = witness_ledger(
        url,
        BRANCH,
        log_keys=[trusted_key(str(keypair.public_path))],
        state_dir=tmp_path / "state",
        key=ed25519.Ed25519PrivateKey.generate(),
        name="w.example",
        token=TOKEN,
    )
    assert result.size == 3 and result.path.is_file()
    assert "CHANGEPROOF_LEDGER_TOKEN" not in os.environ
