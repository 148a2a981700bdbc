"""What a recorded statement contains (and what it must never contain)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from evidence_support import BRANCH, CONTEXT, read

from checker.evaluate import evaluate
from checker.evidence import RunContext, load_signer, read_entries, record_evaluation, record_exception
from checker.evidence.statement import EVALUATION_PREDICATE, EXCEPTION_PREDICATE
from checker.model import IacFacts, IacFinding, MergeInfo, Policy
from checker.serde import from_json, to_json

SECRET = "AKIAIOSFODNN7EXAMPLE-super-secret-value"


def test_evaluation_statement_carries_what_an_auditor_needs(remote, keypair, example):
    facts = dataclasses.replace(example.facts, merge=MergeInfo(merged=True, merge_commit_sha="m" * 40))
    context = dataclasses.replace(CONTEXT, image_digest="sha256:" + "d" * 64)
    signer = load_signer("key", str(keypair.private_path))
    first = record_evaluation(
        example.evaluation, facts, example.policy, ledger=str(remote), signer=signer, context=context, kind="merge"
    )
    second = record_evaluation(
        example.evaluation, facts, example.policy, ledger=str(remote), signer=signer, context=context, kind="gate"
    )
    entries = list(read_entries(str(remote), BRANCH))
    statement = entries[1].statement
    predicate = statement["predicate"]
    assert statement["predicateType"] == EVALUATION_PREDICATE
    assert predicate["kind"] == "gate" and entries[0].predicate["kind"] == "merge"
    assert (predicate["repository"], predicate["pr"], predicate["event"]) == ("acme/payments", 42, "push")
    assert predicate["head_sha"] == example.evaluation.head_sha and predicate["merge_sha"] == "m" * 40
    assert predicate["base_sha"] == example.evaluation.base_sha
    assert predicate["verdict"] == example.evaluation.verdict.value
    assert predicate["evaluation"]["results"] and predicate["facts"]["number"] == 42
    assert predicate["evaluator"] == {
        "tool": "changeproof",
        "version": example.evaluation.tool_version,
        "image_digest": "sha256:" + "d" * 64,
    }
    assert predicate["run"] == {
        "job": "record",
        "workflow_ref": CONTEXT.workflow_ref,
        "run_id": "101",
        "run_url": CONTEXT.run_url,
        "ref": "refs/heads/main",
    }
    assert predicate["ledger"] == {"seq": 1, "prev": first.entry_hash}
    assert entries[1].entry_hash == second.entry_hash
    # the policy is stored once, by digest, and referenced
    digest = predicate["policy"]["digest"]["sha256"]
    assert predicate["policy"]["path"] == f"policies/{digest}"
    assert hashlib.sha256(read(remote, f"policies/{digest}")).hexdigest() == digest
    assert from_json(Policy, json.loads(read(remote, f"policies/{digest}"))) == example.policy


def test_secret_findings_keep_only_check_file_and_line(remote, keypair, example):
    finding = IacFinding(
        check_id="CKV_SECRET_2",
        check_name=f"AWS key {SECRET}",
        severity="high",
        framework="secrets",
        file="config/prod.env",
        line_start=3,
        line_end=3,
        resource=f"config/prod.env:{SECRET}",
        guideline="https://docs.example.com/" + SECRET,
    )
    facts = dataclasses.replace(
        example.facts, iac=IacFacts(scanned=True, frameworks=("secrets",), introduced=(finding,))
    )
    evaluation = evaluate(example.policy, facts)
    assert SECRET in json.dumps(to_json(evaluation))  # the evaluation itself quotes the finding
    record_evaluation(
        evaluation,
        facts,
        example.policy,
        ledger=str(remote),
        signer=load_signer("key", keypair.private_pem),
        context=CONTEXT,
    )
    raw = read(remote, "entries/000/000/000000000000.json")
    entry = next(iter(read_entries(str(remote), BRANCH)))
    kept = entry.predicate["facts"]["iac"]["introduced"][0]
    assert (kept["check_id"], kept["file"], kept["line_start"]) == ("CKV_SECRET_2", "config/prod.env", 3)
    assert SECRET not in json.dumps(entry.statement) and SECRET.encode() not in raw


def test_exception_statement(remote, keypair):
    context = RunContext("push", "record", "", "7", "", "refs/heads/main")
    result = record_exception(
        repository="acme/payments",
        reason="force push without a pull request",
        commits=("c" * 40,),
        before="b" * 40,
        after="a" * 40,
        observed_at="2026-11-27T15:00:00Z",
        ledger=str(remote),
        branch=BRANCH,
        signer=load_signer("key", keypair.private_pem),
        context=context,
    )
    assert result.seq == 0 and result.entry_path == "entries/000/000/000000000000.json"
    entry = next(iter(read_entries(str(remote), BRANCH)))
    assert entry.predicate_type == EXCEPTION_PREDICATE
    assert entry.statement["subject"][0]["name"] == "acme/payments@" + "a" * 40
    assert entry.predicate["reason"] == "force push without a pull request"
    assert entry.predicate["commits"] == ["c" * 40] and entry.predicate["ledger"] == {"seq": 0, "prev": ""}
