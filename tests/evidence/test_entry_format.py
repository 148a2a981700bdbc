"""Entry format 2: repeated values stored once under blobs/, rebuilt exactly, checked by verify;
a ledger of format 1 entries followed by format 2 appends verifies, exports and shows."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from evidence_support import (
    BRANCH,
    ROOT,
    append_inline,
    append_n,
    entry_file,
    git,
    read,
    rewrite,
    statement_of,
)

from checker.errors import CorruptEntryError
from checker.evidence import load_signer, read_entries, verify_ledger
from checker.evidence.blobs import FORMAT_FIELD, PLACEHOLDER, externalise
from checker.evidence.ledger import encode_entry
from checker.evidence.show import show_entry, write_files
from checker.evidence.statement import PAYLOAD_TYPE, canonical, scrub_facts
from checker.serde import to_json


def _files(remote: Path, prefix: str) -> list[str]:
    out = git(remote, "ls-tree", "-r", "--name-only", BRANCH).decode().split()
    return [p for p in out if p.startswith(prefix)]


def _problems(remote: Path, keypair) -> list[str]:
    return verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem]).problems


def test_new_entries_reference_repeated_values_stored_once(remote, keypair, example):
    append_n(remote, keypair, example, 3)
    raws = [read(remote, entry_file(i)) for i in range(3)]
    predicate = statement_of(raws[0])["predicate"]
    assert predicate[FORMAT_FIELD] == 2
    assert predicate["facts"]["policy"] == PLACEHOLDER and "/facts/policy" in predicate["blobs"]
    assert predicate["facts"]["observed_at"] == example.facts.observed_at  # what verify reads stays inline
    blobs = _files(remote, "blobs/")
    # three entries with the same facts share every blob: each value is stored once
    assert len(blobs) == len(set(predicate["blobs"].values())) == len(predicate["blobs"])
    for path in blobs:
        assert hashlib.sha256(read(remote, path)).hexdigest() == path.split("/")[1]
    # readers see the statement as it was built, before the values moved out
    full = {**predicate}
    del full[FORMAT_FIELD], full["blobs"]
    for entry in read_entries(str(remote), BRANCH):
        assert entry.predicate["facts"] == to_json(scrub_facts(example.facts))
        assert entry.predicate["evaluation"] == to_json(example.evaluation)
    assert _problems(remote, keypair) == []


def test_mixed_ledger_verifies_shows_and_exports(remote, keypair, example, tmp_path):
    append_inline(remote, keypair, example)
    append_inline(remote, keypair, example)
    append_n(remote, keypair, example, 2)
    formats = [statement_of(read(remote, entry_file(i)))["predicate"].get(FORMAT_FIELD, 1) for i in range(4)]
    assert formats == [1, 1, 2, 2]
    assert len(read(remote, entry_file(3))) < len(read(remote, entry_file(0))) * 0.6
    assert _problems(remote, keypair) == []
    # ledger show writes the same bytes for an old and a new entry of the same evaluation
    written = []
    for seq in (1, 3):
        shown = show_entry(str(remote), BRANCH, seq)
        names = {k: str(tmp_path / f"{k}{seq}.json") for k in ("facts", "policy", "evaluation")}
        write_files(shown, names["facts"], names["policy"], names["evaluation"])
        written.append({k: Path(v).read_bytes() for k, v in names.items()})
    assert written[0] == written[1]
    # re-performance by hand reproduces the recorded facts digest
    again = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "changeproof"), "evaluate", "--facts", str(tmp_path / "facts3.json"),
         "--policy", str(tmp_path / "policy3.json"), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert json.loads(again.stdout)["facts_digest"] == example.evaluation.facts_digest
    report = verify_ledger(str(remote), BRANCH, keys=[keypair.public_pem], reperform=True)
    assert report.ok and report.reperformed == 4, report.problems
    out = tmp_path / "population.csv"
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "changeproof"), "export", "--ledger", str(remote), "--branch", BRANCH,
         "--key", str(keypair.public_path), "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv",
         "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {r["pr"] for r in rows} == {str(example.facts.number)}
    assert all(r["title"] == example.facts.title for r in rows)


def test_missing_or_edited_blob_is_named(remote, keypair, example):
    append_n(remote, keypair, example, 2)
    refs = statement_of(read(remote, entry_file(0)))["predicate"]["blobs"]
    path = f"blobs/{refs['/facts/files']}"
    rewrite(remote, {path: read(remote, path) + b" "})
    found = _problems(remote, keypair)
    assert any(p.startswith("entry 0 ") and path in p and "does not match its digest" in p for p in found), found
    rewrite(remote, {path: None})
    found = _problems(remote, keypair)
    assert any(p.startswith("entry 1 ") and path in p and "missing" in p for p in found), found
    with pytest.raises(CorruptEntryError):
        list(read_entries(str(remote), BRANCH))


def test_unreferenced_blob_is_foreign(remote, keypair, example):
    append_n(remote, keypair, example, 1)
    stray = b'{"a":1}'
    path = f"blobs/{hashlib.sha256(stray).hexdigest()}"
    rewrite(remote, {path: stray})
    assert any(f"foreign file '{path}'" in p and "no entry references it" in p for p in _problems(remote, keypair))


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda p: p.__setitem__(FORMAT_FIELD, 3), "unknown entry format"),
        (lambda p: p["blobs"].__setitem__("/facts/title", p["blobs"]["/facts/files"]), "does not hold"),
        (lambda p: p["blobs"].__setitem__("/facts/nothing", p["blobs"]["/facts/files"]), "does not have"),
        (lambda p: p["blobs"].__setitem__("/facts/files", "x"), "not a map of JSON pointers"),
    ],
)
def test_malformed_blob_lists_re_signed_by_an_insider(remote, keypair, example, edit, says):
    append_n(remote, keypair, example, 1)
    statement = statement_of(read(remote, entry_file(0)))
    edit(statement["predicate"])
    signer = load_signer("key", keypair.private_pem)
    rewrite(remote, {entry_file(0): encode_entry(signer.sign_bundle(PAYLOAD_TYPE, canonical(statement)))})
    found = _problems(remote, keypair)
    assert any(p.startswith("entry 0 ") and says in p for p in found), found


def test_blobs_never_hold_more_than_the_scrubbed_statement(example):
    predicate = {"facts": to_json(scrub_facts(example.facts)), "evaluation": to_json(example.evaluation)}
    moved, files = externalise(predicate, ("/facts/files", "/facts/nope", "/evaluation/results"))
    assert set(moved["blobs"]) == {"/facts/files", "/evaluation/results"}
    for pointer, digest in moved["blobs"].items():
        top, key = pointer.strip("/").split("/")
        assert json.loads(files[f"blobs/{digest}"]) == predicate[top][key]
    assert predicate["facts"]["files"] != PLACEHOLDER  # the input is left alone
