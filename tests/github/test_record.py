"""The record job: a push merging two PRs plus one direct commit, recorded in a real ledger."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import pr_event, run_action

from checker.evidence import read_entries


def pem_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


def test_push_records_two_merges_and_one_exception(tmp_path: Path, ledger: Path) -> None:
    data, payload = sc.push_of_two_merges_and_a_direct_commit()
    fake = FakeGitHub(data).start()
    key = pem_key()
    try:
        run = run_action(
            tmp_path, fake.base_url, "push", payload, inputs={"signing-key": key, "ledger-repository": str(ledger)}
        )
    finally:
        fake.stop()
    assert run.code == 0, run.stdout + run.stderr
    # The key is masked line by line before anything else is printed.
    for line in key.strip().splitlines():
        assert f"::add-mask::{line}" in run.stdout
    entries = list(read_entries(str(ledger), "changeproof-ledger"))
    kinds = [e.statement["predicate"]["kind"] for e in entries]
    assert sorted(kinds) == ["exception", "merge", "merge"]
    merges = {
        e.statement["predicate"]["evaluation"]["number"]: e.statement["predicate"]
        for e in entries
        if e.statement["predicate"]["kind"] == "merge"
    }
    assert merges[11]["verdict"] == "pass"
    # PR 12 had one approval when it merged; carol's approval came the day after and does not count.
    assert merges[12]["verdict"] == "fail"
    peer = next(r for r in merges[12]["evaluation"]["results"] if r["control"] == "peer_review")
    assert "1 of 2" in peer["message"]
    assert all(r["reviewer"] != "carol" for r in merges[12]["facts"]["reviews"])
    exception = next(e.statement["predicate"] for e in entries if e.statement["predicate"]["kind"] == "exception")
    assert exception["commits"] == [sc.sha("d2")] and "without a merged pull request" in exception["reason"]
    # The compare API gave the range; PR 12's late link was retried; the policy came from the merge base.
    assert fake.calls("GET", "/compare/")
    assert len(fake.calls("GET", f"/commits/{sc.sha('m3')}/pulls")) == 2
    assert any(f"ref={sc.sha('d2')}" in r["query"] for r in fake.calls("GET", "/contents/.github/changeproof.yml"))
    assert run.outputs["ledger-entry"].startswith("entries/")
    report = run.report()
    assert len(report["evaluations"]) == 2 and len(report["exceptions"]) == 1
    assert "2 merge(s), 1 exception(s)" in run.summary
    assert fake.writes("statuses") == []  # the record job reports in its summary, not on commits


def test_force_push_is_an_exception_even_without_signing(tmp_path: Path) -> None:
    data, payload = sc.push_of_two_merges_and_a_direct_commit()
    payload["forced"] = True
    fake = FakeGitHub(data).start()
    try:
        run = run_action(tmp_path, fake.base_url, "push", payload)
    finally:
        fake.stop()
    assert run.code == 0
    reasons = [e["reason"] for e in run.report()["exceptions"]]
    assert reasons[0] == "force push to the default branch" and len(reasons) == 2
    assert "nothing was appended" in run.summary and "ledger-entry" not in run.outputs


def test_push_to_another_branch_records_nothing(tmp_path: Path) -> None:
    data, payload = sc.push_of_two_merges_and_a_direct_commit()
    payload["ref"] = "refs/heads/feature"
    fake = FakeGitHub(data).start()
    try:
        run = run_action(tmp_path, fake.base_url, "push", payload)
    finally:
        fake.stop()
    assert run.code == 0 and run.report()["evaluations"] == [] and not fake.calls("GET", "/compare/")


def test_schedule_backfills_merges_without_a_record(tmp_path: Path, ledger: Path) -> None:
    data, _push = sc.push_of_two_merges_and_a_direct_commit()
    fake = FakeGitHub(data).start()
    key = pem_key()
    inputs = {"signing-key": key, "ledger-repository": str(ledger), "backfill-days": "100000"}
    try:
        (tmp_path / "a").mkdir()
        first = run_action(
            tmp_path / "a", fake.base_url, "schedule", {"schedule": "0 3 * * *", **_repo()}, inputs=inputs
        )
        (tmp_path / "b").mkdir()
        second = run_action(
            tmp_path / "b", fake.base_url, "schedule", {"schedule": "0 3 * * *", **_repo()}, inputs=inputs
        )
    finally:
        fake.stop()
    assert first.code == second.code == 0, first.stdout + first.stderr
    assert len(first.report()["evaluations"]) == 2
    assert second.report()["evaluations"] == []  # both merges now have a record
    kinds = [e.predicate["kind"] for e in read_entries(str(ledger), "changeproof-ledger")]
    assert kinds == ["merge", "merge", "posture", "posture"]  # each scheduled run also records the posture
    assert "### changeproof posture" in first.summary and "ruleset history" not in first.summary


def _repo() -> dict[str, Any]:
    return {"repository": {"full_name": "acme/web", "default_branch": "main"}}


def test_gate_with_a_key_appends_a_gate_entry(tmp_path: Path, ledger: Path) -> None:
    fake = FakeGitHub(sc.typical()).start()
    try:
        run = run_action(
            tmp_path,
            fake.base_url,
            "pull_request",
            pr_event(),
            inputs={"signing-key": pem_key(), "ledger-repository": str(ledger)},
        )
        (tmp_path / "n").mkdir()
        skipped = run_action(
            tmp_path / "n",
            fake.base_url,
            "pull_request",
            pr_event(),
            inputs={"signing-mode": "none", "ledger-repository": str(ledger)},
        )
    finally:
        fake.stop()
    assert run.code == 0 and run.outputs["ledger-entry"] == "entries/000/000/000000000000.json"
    assert skipped.code == 0 and "ledger-entry" not in skipped.outputs
    entries = list(read_entries(str(ledger), "changeproof-ledger"))
    assert [e.statement["predicate"]["kind"] for e in entries] == ["gate"]


def test_gate_verdict_stands_when_its_evidence_cannot_be_appended(tmp_path: Path) -> None:
    fake = FakeGitHub(sc.typical()).start()
    try:
        run = run_action(
            tmp_path,
            fake.base_url,
            "pull_request",
            pr_event(),
            inputs={"signing-key": pem_key(), "ledger-repository": str(tmp_path / "missing")},
        )
    finally:
        fake.stop()
    assert run.code == 0 and run.outputs["verdict"] == "pass" and "ledger-entry" not in run.outputs
    assert any("evidence entry was not appended" in w for w in run.commands("warning"))


def test_record_job_fails_as_infrastructure_when_the_ledger_is_unreachable(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data, payload = sc.push_of_two_merges_and_a_direct_commit()
    fake = FakeGitHub(data).start()
    try:
        run = run_action(
            tmp_path,
            fake.base_url,
            "push",
            payload,
            inputs={"signing-key": pem_key(), "ledger-repository": f"http://127.0.0.1:{port}/l.git"},
        )
    finally:
        fake.stop()
    assert run.code == 3 and run.outputs["verdict"] == "error" and "cannot fetch ledger branch" in run.stdout
