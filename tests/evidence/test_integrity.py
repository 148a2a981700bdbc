"""The mutations an independent verifier made that verify used to miss (issue 11), each caught
with the entry or file named, and no traceback on any of it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evidence_support import BRANCH, CONTEXT, append_n, entry_file, read, rewrite, statement_of

from checker.evidence import load_signer, verify_ledger
from checker.evidence.ledger import append, encode_entry
from checker.evidence.statement import PAYLOAD_TYPE, canonical, evaluation_statement, policy_document


def problems(remote: Path, keypair, **kw) -> list[str]:
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], **kw)
    return report.problems


def resign(remote: Path, keypair, seq: int, edit) -> None:
    """An insider with the key edits entry `seq`'s statement and re-signs it."""
    signer = load_signer("key", keypair.private_pem)
    statement = statement_of(read(remote, entry_file(seq)))
    edit(statement)
    rewrite(remote, {entry_file(seq): encode_entry(signer.sign_bundle(PAYLOAD_TYPE, canonical(statement)))})


def test_unreferenced_content_addressed_file_is_foreign(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    stray = b'{"a":1}'
    import hashlib

    path = f"policies/{hashlib.sha256(stray).hexdigest()}"
    rewrite(remote, {path: stray})
    found = problems(remote, keypair)
    assert any(f"foreign file '{path}'" in p and "no entry references it" in p for p in found), found


def test_archived_checkpoint_beyond_the_tree_is_examined(remote, keypair, example):
    results = append_n(remote, keypair, example, 3)
    rewrite(remote, {"checkpoints/000/000/000000000007": results[-1].checkpoint.replace("\n3\n", "\n7\n").encode()})
    found = problems(remote, keypair)
    assert any(p.startswith("checkpoints/000/000/000000000007") for p in found), found


def test_head_root_and_frontier_are_checked(remote, keypair, example):
    append_n(remote, keypair, example, 3)
    head = json.loads(read(remote, "head.json"))
    head["root"] = "0" * 64
    rewrite(remote, {"head.json": json.dumps(head).encode()})
    assert any("head.json: root" in p for p in problems(remote, keypair))
    head = json.loads(read(remote, "head.json"))
    head["root"] = json.loads(read(remote, "head.json", f"{BRANCH}~1"))["root"]
    head["frontier"] = ["0" * 64, "1" * 64]
    rewrite(remote, {"head.json": json.dumps(head).encode()})
    found = problems(remote, keypair)
    assert any("head.json: frontier" in p for p in found) and not any("head.json: root" in p for p in found), found


def _append_at(remote: Path, keypair, example, when: datetime) -> None:
    signer = load_signer("key", keypair.private_pem)
    body, digest = policy_document(example.policy)

    def build(seq: int, prev: str):
        st = evaluation_statement(
            example.evaluation, example.facts, digest, kind="merge", context=CONTEXT, seq=seq, prev=prev
        )
        return st, {f"policies/{digest}": body}

    append(str(remote), BRANCH, signer=signer, repository="acme/payments", build=build, clock=lambda: when)


def test_signing_times_may_not_go_backwards_beyond_the_skew(remote, keypair, example):
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    _append_at(remote, keypair, example, now)
    _append_at(remote, keypair, example, now - timedelta(seconds=100))  # within the 300 s tolerance
    assert problems(remote, keypair) == []
    _append_at(remote, keypair, example, now - timedelta(hours=2))
    found = problems(remote, keypair)
    assert any(p.startswith("entry 2 ") and "clock-skew tolerance is 300 s" in p for p in found), found
    assert problems(remote, keypair, clock_skew=3 * 3600) == []


def test_signing_time_removed_by_an_insider(remote, keypair, example):
    append_n(remote, keypair, example, 3)
    resign(remote, keypair, 2, lambda st: st["predicate"].pop("signed_at"))
    found = problems(remote, keypair)
    assert any(p.startswith("entry 2 ") and "no signed_at" in p for p in found), found


def test_evaluator_version_going_backwards_is_invalid(remote, keypair, example):
    append_n(remote, keypair, example, 3)

    def downgrade(st):
        st["predicate"]["evaluator"]["version"] = "0.0.1"
        st["predicate"]["verdict"] = "pass" if st["predicate"]["verdict"] != "pass" else "fail"

    resign(remote, keypair, 2, downgrade)
    found = problems(remote, keypair)
    assert any(p.startswith("entry 2 ") and "evaluator version 0.0.1 is older" in p for p in found), found


def test_a_huge_entry_number_is_a_located_problem(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    rewrite(remote, {"entries/999/999/999999999999.json": read(remote, entry_file(1))})
    found = problems(remote, keypair)
    assert any("entries 2..999999999998" in p and "missing" in p for p in found), found
    proc = subprocess.run(
        [sys.executable, "-c", "from checker.cli import main; main()", "verify", "--ledger", str(remote),
         "--key", str(keypair.public_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "entries/999/999/999999999999.json" in proc.stdout


def test_checkpoint_with_a_bad_line_from_the_same_key_is_rejected(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    note = read(remote, "checkpoint").decode()
    good = note.split("\n\n")[1].strip()
    dash, name, sig = good.split(" ")
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 1
    bad = f"{dash} {name} {base64.b64encode(bytes(raw)).decode()}"
    rewrite(remote, {"checkpoint": (note + bad + "\n").encode()})
    assert any("checkpoint: signature does not verify" in p for p in problems(remote, keypair))


def test_corrupt_entry_while_reading_is_ledger_invalid(remote, keypair, example):
    from checker.errors import EXIT_POLICY_FAILURE, CorruptEntryError
    from checker.evidence import read_entries

    append_n(remote, keypair, example, 2)
    rewrite(remote, {entry_file(1): b"{}"})
    try:
        list(read_entries(str(remote), BRANCH))
    except CorruptEntryError as exc:
        assert exc.exit_code == EXIT_POLICY_FAILURE and "entry 1 " in exc.summary
    else:
        raise AssertionError("a corrupt entry was read without complaint")
