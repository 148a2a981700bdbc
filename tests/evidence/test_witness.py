"""Witnesses against a hostile admin: cosignature/v1 (C2SP), the witness command, verify's quorum."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from evidence_support import BRANCH, append_n, git, read, rewrite
from test_cli import run as cli

from checker.errors import UsageError
from checker.evidence import checkpoint as notes
from checker.evidence import layout, verify_ledger
from checker.evidence.cosignature import load_witness_private, parse_vkey, signed_message

ORIGIN = "changeproof.dev/ledger/acme/payments"


def witness_keys(tmp_path: Path, name: str) -> Path:
    out = tmp_path / name.replace("/", "_")
    proc = cli("keygen", "--witness", "--name", name, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def run_witness(remote: Path, keypair, wdir: Path, name: str, state: Path) -> subprocess.CompletedProcess[str]:
    return cli(
        "witness", "--ledger", str(remote), "--log-key", str(keypair.public_path), "--state", str(state),
        "--key", str(wdir / "witness.key"), "--name", name,
    )  # fmt: skip


def test_vkey_follows_the_c2sp_key_id_rule(tmp_path):
    wdir = witness_keys(tmp_path, "witness.example.com/w1")
    vkey = (wdir / "witness.vkey").read_text().strip()
    name, hex_id, material = vkey.split("+", 2)
    private = load_witness_private(str(wdir / "witness.key"))
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert name == "witness.example.com/w1" and base64.b64decode(material) == b"\x04" + public
    assert bytes.fromhex(hex_id) == hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]
    assert parse_vkey(vkey).public == public
    wrong = f"{name}+{'0' * 8}+{material}"
    with pytest.raises(UsageError, match="C2SP key-ID rule"):
        parse_vkey(wrong)
    assert (wdir / "witness.key").stat().st_mode & 0o077 == 0


def test_witness_cosigns_consistent_checkpoints_and_verify_counts_them(tmp_path, remote, keypair, example):
    w1, w2 = witness_keys(tmp_path, "w1.example"), witness_keys(tmp_path, "w2.example")
    s1, s2 = tmp_path / "state1", tmp_path / "state2"
    s2.mkdir()  # the second witness has not run yet
    append_n(remote, keypair, example, 3)
    proc = run_witness(remote, keypair, w1, "w1.example", s1)
    assert proc.returncode == 0, proc.stderr
    assert "cosigned changeproof.dev/ledger/acme/payments size 3" in proc.stdout
    append_n(remote, keypair, example, 2)
    proc = run_witness(remote, keypair, w1, "w1.example", s1)
    assert proc.returncode == 0 and "consistent with size 3" in proc.stdout, proc.stderr
    cosigned = (s1 / ORIGIN / "5").read_text()
    cp = notes.parse(cosigned)
    line = next(s for s in cp.signatures if s.name == "w1.example")
    (timestamp,) = struct.unpack(">Q", line.signature[:8])
    key = load_witness_private(str(w1 / "witness.key")).public_key()
    key.verify(line.signature[8:], signed_message(cp.body, timestamp))  # the C2SP signed message
    assert signed_message(cp.body, timestamp).startswith(f"cosignature/v1\ntime {timestamp}\n{ORIGIN}\n5\n".encode())

    vk1, vk2 = str(w1 / "witness.vkey"), str(w2 / "witness.vkey")
    one = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], witness_keys=(vk1,), witness_state=(str(s1),))
    assert one.ok, one.problems
    assert one.witnessed_size == {"w1.example": 5}
    assert one.witnessed_time(0) is not None and one.witnessed_time(4) is not None
    assert one.witnessed_time(0) <= one.witnessed_time(4)
    assert one.to_json()["witnesses"]["witnessed"][0]["first"] == 0

    both = dict(keys=[keypair.public_pem], witness_keys=(vk1, vk2), witnesses=2, witness_state=(str(s1), str(s2)))
    short = verify_ledger(str(remote), BRANCH, **both)
    assert not short.ok and any("1 of the 2 required" in p for p in short.problems), short.problems
    proc = cli(
        "verify", "--ledger", str(remote), "--key", str(keypair.public_path), "--witness-key", vk1,
        "--witness-key", vk2, "--witnesses", "2", "--witness-state", str(s1), "--witness-state", str(s2),
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "required" in proc.stdout
    assert run_witness(remote, keypair, w2, "w2.example", s2).returncode == 0
    assert verify_ledger(str(remote), BRANCH, **both).ok

    append_n(remote, keypair, example, 1)  # appended after the witnesses ran
    later = verify_ledger(str(remote), BRANCH, **both)
    assert not later.ok and later.not_yet_witnessed == "entries 5..5"
    assert any("entries 5..5: not yet witnessed" in w for w in later.warnings)
    assert verify_ledger(str(remote), BRANCH, **both, through=4).ok  # a period that ends at entry 4
    proc = cli(
        "verify", "--ledger", str(remote), "--key", str(keypair.public_path), "--witness-key", vk1,
        "--witness-key", vk2, "--witnesses", "2", "--witness-state", str(s1), "--witness-state", str(s2),
        "--through", "4", "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["witnesses"]["not_yet_witnessed"] == "entries 5..5"


def test_forged_cosignature_does_not_count(tmp_path, remote, keypair, example):
    w1, w2 = witness_keys(tmp_path, "w1.example"), witness_keys(tmp_path, "w2.example")
    s1 = tmp_path / "state1"
    append_n(remote, keypair, example, 2)
    assert run_witness(remote, keypair, w1, "w1.example", s1).returncode == 0
    note = (s1 / ORIGIN / "2").read_text()
    # the admin claims w2 cosigned too: a line with w2's name and key ID but not its signature
    vkey2 = parse_vkey((w2 / "witness.vkey").read_text())
    fake = notes.signature_line("w2.example", vkey2.key_id, struct.pack(">Q", 1_700_000_000) + b"\x01" * 64)
    (s1 / ORIGIN / "2").write_text(note + fake)
    report = verify_ledger(
        str(remote), BRANCH, keys=[keypair.public_pem], witnesses=2, witness_state=(str(s1),),
        witness_keys=(str(w1 / "witness.vkey"), str(w2 / "witness.vkey")),
    )  # fmt: skip
    assert not report.ok
    assert any("witness w2.example: cosignature does not verify" in p for p in report.problems), report.problems
    assert report.witnessed_size == {"w1.example": 2}


def test_a_fork_shown_after_cosigning_is_refused(tmp_path, remote, keypair, example):
    w1 = witness_keys(tmp_path, "w1.example")
    state = tmp_path / "state"
    append_n(remote, keypair, example, 3)
    assert run_witness(remote, keypair, w1, "w1.example", state).returncode == 0
    before = (state / ORIGIN / "state.json").read_text()
    # the admin (with the key) builds another branch of the same size and a longer one
    fork = tmp_path / "fork.git"
    subprocess.run(["git", "init", "-q", "--bare", str(fork)], check=True)
    from dataclasses import replace

    other = replace(example, facts=replace(example.facts, title="a different history"))
    from checker.evaluate import evaluate

    other = replace(other, evaluation=evaluate(other.policy, other.facts))
    append_n(fork, keypair, other, 4)
    proc = run_witness(fork, keypair, w1, "w1.example", state)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    old_root = json.loads(before)["root"]
    assert "refusing to cosign" in proc.stderr and old_root in proc.stderr
    fork_root_3 = notes.parse(read(fork, layout.archive_path(3)).decode()).root_hex
    assert fork_root_3 in proc.stderr  # both roots of size 3
    assert (state / ORIGIN / "state.json").read_text() == before and not (state / ORIGIN / "4").exists()
    # a rollback is refused too
    three = git(remote, "rev-parse", BRANCH).decode().strip()
    append_n(remote, keypair, example, 1)
    assert run_witness(remote, keypair, w1, "w1.example", state).returncode == 0
    git(remote, "update-ref", f"refs/heads/{BRANCH}", three)
    proc = run_witness(remote, keypair, w1, "w1.example", state)
    assert proc.returncode == 1 and "rolled back" in proc.stderr


def test_cosignature_copied_into_the_ledger_branch_is_read_and_checked(tmp_path, remote, keypair, example):
    w1 = witness_keys(tmp_path, "w1.example")
    state = tmp_path / "state"
    append_n(remote, keypair, example, 2)
    assert run_witness(remote, keypair, w1, "w1.example", state).returncode == 0
    vkey = parse_vkey((w1 / "witness.vkey").read_text())
    path = layout.cosignature_path(2, vkey.key_id)
    rewrite(remote, {path: (state / ORIGIN / "2").read_bytes()})
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], witness_keys=(str(w1 / "witness.vkey"),))
    assert report.ok, report.problems  # not a foreign file, and it counts
    assert report.witnessed_size == {"w1.example": 2}
    # a cosigned checkpoint whose root is not this ledger's is a split view, named by file
    cp = notes.parse((state / ORIGIN / "2").read_text())
    body = notes.body(cp.origin, 2, b"\x07" * 32)
    from checker.evidence.cosignature import cosign

    line = cosign(load_witness_private(str(w1 / "witness.key")), "w1.example", body, int(datetime.now(UTC).timestamp()))
    rewrite(remote, {path: notes.assemble(body, [line]).encode()})
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], witness_keys=(str(w1 / "witness.vkey"),))
    assert any(p.startswith(path) and "split view" in p for p in report.problems), report.problems


def test_witness_usage_errors_are_clean(tmp_path, remote, keypair, example):
    append_n(remote, keypair, example, 1)
    proc = cli("verify", "--ledger", str(remote), "--key", str(keypair.public_path), "--witnesses", "2")
    assert proc.returncode == 2 and "needs at least 2 --witness-key" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "bad.vkey"
    bad.write_text("w+zz+notbase64\n")
    proc = cli("verify", "--ledger", str(remote), "--key", str(keypair.public_path), "--witness-key", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = cli("keygen", "--witness", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2 and "--name" in proc.stderr


def test_the_record_job_publishes_cosignatures_onto_the_ledger_branch(tmp_path, remote, keypair, example):
    from checker.evidence import publish_cosignatures

    w1 = witness_keys(tmp_path, "w1.example")
    state = tmp_path / "state"
    append_n(remote, keypair, example, 2)
    assert run_witness(remote, keypair, w1, "w1.example", state).returncode == 0
    append_n(remote, keypair, example, 1)  # the record job appended again since the witness ran
    vkey = parse_vkey((w1 / "witness.vkey").read_text())
    (state / ORIGIN / "9").write_text((state / ORIGIN / "2").read_text())  # junk: not this ledger's size 9
    written = publish_cosignatures(str(remote), BRANCH, witness_keys=[vkey], states=[str(state)], token=None)
    assert written == [layout.cosignature_path(2, vkey.key_id)]
    assert publish_cosignatures(str(remote), BRANCH, witness_keys=[vkey], states=[str(state)], token=None) == []
    report = verify_ledger(
        str(remote), BRANCH, keys=[keypair.public_pem], witness_keys=(str(w1 / "witness.vkey"),), through=1
    )
    assert report.ok, report.problems
    assert report.witnessed_time(1) is not None and report.witnessed_time(2) is None
    assert report.not_yet_witnessed == "entries 2..2"
