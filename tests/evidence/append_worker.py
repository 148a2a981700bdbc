"""Helper process for the concurrency test: append N entries of the example PR to a ledger."""

from __future__ import annotations

import sys
from pathlib import Path

from checker import policy as policies
from checker.evaluate import evaluate
from checker.evidence import RunContext, load_signer, record_evaluation
from checker.inputs import load_model
from checker.model import Facts

ROOT = Path(__file__).resolve().parents[2]


def main(ledger: str, key: str, count: int, worker: str) -> None:
    facts = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
    policy = policies.load_file(ROOT / "examples" / "policy.yml")
    evaluation = evaluate(policy, facts)
    signer = load_signer("key", key)
    for i in range(count):
        context = RunContext(event="push", job="record", workflow_ref="", run_id=f"{worker}-{i}", run_url="", ref="")
        result = record_evaluation(evaluation, facts, policy, ledger=ledger, signer=signer, context=context)
        print(result.seq, result.entry_hash, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
