"""Every kind of tampering is detected by verify, and the problem names the entry concerned."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from evidence_support import BRANCH, CONTEXT, append_n, entry_file, git, read, rewrite, statement_of

from checker.evidence import load_signer, record_exception, verify_ledger
from checker.evidence.ledger import encode_entry
from checker.evidence.statement import PAYLOAD_TYPE, canonical


def problems(remote: Path, keypair, **kw) -> list[str]:
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], **kw)
    assert report.ok is (not report.problems)
    return report.problems


def named(found: list[str], seq: int) -> list[str]:
    return [p for p in found if p.startswith(f"entry {seq} ") or f"entries {seq}.." in p]


def test_untouched_ledger_verifies(remote, keypair, example):
    results = append_n(remote, keypair, example, 4)
    assert [r.seq for r in results] == [0, 1, 2, 3]
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], reperform=True)
    assert report.ok, report.problems
    assert report.entries == 4 and report.size == 4 and report.reperformed == 4
    assert not report.trusted_ledger_keys


def test_payload_edited(remote, keypair, example):
    append_n(remote, keypair, example, 3)
    bundle = json.loads(read(remote, entry_file(1)))
    statement = statement_of(read(remote, entry_file(1)))
    statement["predicate"]["verdict"] = "fail" if statement["predicate"]["verdict"] == "pass" else "pass"
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(canonical(statement)).decode()
    rewrite(remote, {entry_file(1): encode_entry(bundle)})
    found = problems(remote, keypair)
    assert any("signature does not verify" in p for p in named(found, 1)), found


def test_signature_edited(remote, keypair, example):
    append_n(remote, keypair, example, 3)
    bundle = json.loads(read(remote, entry_file(2)))
    sig = bytearray(base64.b64decode(bundle["dsseEnvelope"]["signatures"][0]["sig"]))
    sig[5] ^= 0x01
    bundle["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    rewrite(remote, {entry_file(2): encode_entry(bundle)})
    assert any("signature does not verify" in p for p in named(problems(remote, keypair), 2))


def test_entry_deleted(remote, keypair, example):
    append_n(remote, keypair, example, 4)
    rewrite(remote, {entry_file(1): None})
    found = problems(remote, keypair)
    assert any("missing" in p for p in named(found, 1)), found


def test_two_entries_swapped(remote, keypair, example):
    append_n(remote, keypair, example, 4)
    one, two = read(remote, entry_file(1)), read(remote, entry_file(2))
    rewrite(remote, {entry_file(1): two, entry_file(2): one})
    found = problems(remote, keypair)
    assert any("says seq 2" in p for p in named(found, 1)), found
    assert any("says seq 1" in p for p in named(found, 2)), found


def test_last_entries_truncated(remote, keypair, example):
    append_n(remote, keypair, example, 5)
    rewrite(remote, {entry_file(3): None, entry_file(4): None})
    found = problems(remote, keypair)
    assert any("entries 3..4: missing" in p for p in found), found


def test_truncation_with_an_old_checkpoint_restored_needs_a_saved_checkpoint(remote, keypair, example, tmp_path):
    results = append_n(remote, keypair, example, 5)
    saved = tmp_path / "saved.checkpoint"
    saved.write_text(results[-1].checkpoint)
    three = git(remote, "rev-list", "--skip=2", "-n1", BRANCH).decode().strip()  # the commit at size 3
    old_head = git(remote, "cat-file", "blob", f"{three}:head.json")
    old_cp = git(remote, "cat-file", "blob", f"{three}:checkpoint")
    rewrite(
        remote,
        {
            entry_file(3): None,
            entry_file(4): None,
            "head.json": old_head,
            "checkpoint": old_cp,
            "checkpoints/000/000/000000000003": None,
            "checkpoints/000/000/000000000004": None,
        },
    )
    assert problems(remote, keypair) == []  # internally consistent: only a witness can tell
    found = problems(remote, keypair, checkpoint=str(saved))
    assert any("entries 3..4: missing" in p and "saved checkpoint" in p for p in found), found


def test_entry_resigned_with_untrusted_key(remote, keypair, attacker, example):
    append_n(remote, keypair, example, 3)
    statement = statement_of(read(remote, entry_file(1)))
    statement["predicate"]["verdict"] = "pass"
    evil = load_signer("key", attacker.private_pem)
    forged = encode_entry(evil.sign_bundle(PAYLOAD_TYPE, canonical(statement)))
    rewrite(remote, {entry_file(1): forged})
    found = problems(remote, keypair)
    assert any("not trusted" in p for p in named(found, 1)), found
    assert any("prev does not match" in p for p in named(found, 2)), found


def test_foreign_file_added(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    rewrite(remote, {"entries/000/000/notes.txt": b"hello\n", "README.md": b"x\n"})
    found = problems(remote, keypair)
    assert any("foreign file 'entries/000/000/notes.txt'" in p for p in found), found
    assert any("foreign file 'README.md'" in p for p in found), found


def test_rollback_detected_with_saved_checkpoint(remote, keypair, example, tmp_path):
    results = append_n(remote, keypair, example, 5)
    saved = tmp_path / "cp"
    saved.write_text(results[-1].checkpoint)
    older = git(remote, "rev-list", "--skip=2", "-n1", BRANCH).decode().strip()
    git(remote, "update-ref", f"refs/heads/{BRANCH}", older)
    assert problems(remote, keypair) == []
    found = problems(remote, keypair, checkpoint=str(saved))
    assert any("entries 3..4: missing" in p and "rolled back" in p for p in found), found


def test_history_rewritten_behind_a_saved_checkpoint(remote, keypair, attacker, example, tmp_path):
    """Someone holding the key rebuilds the ledger with an edited entry 1: the saved checkpoint disagrees."""
    results = append_n(remote, keypair, example, 3)
    saved = tmp_path / "cp"
    saved.write_text(results[-1].checkpoint)
    other = tmp_path / "other.git"
    subprocess.run(["git", "init", "-q", "--bare", str(other)], check=True)
    signer = load_signer("key", keypair.private_pem)
    append_n(other, keypair, example, 1)
    record_exception(
        repository="acme/payments",
        reason="direct push",
        commits=("a" * 40,),
        before="b" * 40,
        after="a" * 40,
        observed_at="2026-11-27T15:00:00Z",
        ledger=str(other),
        branch=BRANCH,
        signer=signer,
        context=CONTEXT,
    )
    append_n(other, keypair, example, 1)
    tip = git(other, "rev-parse", BRANCH).decode().strip()
    git(remote, "fetch", "-q", str(other), f"+{tip}:refs/heads/{BRANCH}")
    assert problems(remote, keypair) == []
    found = problems(remote, keypair, checkpoint=str(saved))
    assert any("saved checkpoint (size 3): inconsistent" in p for p in found), found


def test_ledger_json_trusted_keys_swapped(remote, keypair, attacker, example):
    append_n(remote, keypair, example, 2)
    doc = json.loads(read(remote, "LEDGER.json"))
    evil = load_signer("key", attacker.private_pem)
    doc["trust"] = [evil.trust_entry()]
    rewrite(remote, {"LEDGER.json": json.dumps(doc).encode()})
    found = problems(remote, keypair)
    assert any("trusted key list was changed" in p for p in found), found
    # without --key the ledger's own (swapped) list is trusted, and then nothing verifies
    report = verify_ledger(str(remote), BRANCH)
    assert report.trusted_ledger_keys and not report.ok
    assert any("not trusted" in p for p in named(report.problems, 0))
    assert any("not trusted" in p for p in named(report.problems, 1))


def test_checkpoint_forged_without_key(remote, keypair, attacker, example):
    append_n(remote, keypair, example, 2)
    note = read(remote, "checkpoint").decode()
    text = note.split("\n\n")[0] + "\n"
    evil = load_signer("key", attacker.private_pem)
    forged = text + "\n" + evil.sign_note(text.split("\n")[0], text)
    rewrite(remote, {"checkpoint": forged.encode()})
    assert any("checkpoint: signature does not verify" in p for p in problems(remote, keypair))


def test_policy_edited(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    paths = git(remote, "ls-tree", "-r", "--name-only", BRANCH).decode().split()
    policy = next(p for p in paths if p.startswith("policies/"))
    rewrite(remote, {policy: read(remote, policy).replace(b"enforce", b"advisory")})
    found = problems(remote, keypair)
    assert any("does not match its digest" in p for p in named(found, 0)), found
