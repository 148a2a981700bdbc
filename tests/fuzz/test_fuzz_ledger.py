"""`verify` on mutated ledgers: any change an attacker with push access makes is INVALID (exit 1), said
in words, never a traceback. Small on purpose: a handful of mutation strategies over a two-entry
ledger built here, each example a real git rewrite and a real verification."""

from __future__ import annotations

import atexit
import base64
import contextlib
import io
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from fuzz_support import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import policy as policies
from checker.cli import main
from checker.evaluate import evaluate
from checker.evidence import RunContext, load_signer, record_evaluation
from checker.evidence.keys import generate_keypair
from checker.inputs import load_model
from checker.model import Facts

BRANCH = "changeproof-ledger"
WORK = Path(tempfile.mkdtemp(prefix="changeproof-fuzz-ledger-"))
atexit.register(shutil.rmtree, WORK, True)


def build() -> tuple[Path, Path]:
    remote = WORK / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    private, public, _ = generate_keypair(WORK / "keys")
    signer = load_signer("key", str(private))
    context = RunContext(event="push", job="record", workflow_ref="", run_id="1", run_url="", ref="refs/heads/main")
    for name in ("pr-42-facts.json", "pr-43-facts.json"):
        facts = load_model(Facts, ROOT / "examples" / name, "facts")
        policy = policies.policy_for_facts(facts)
        record_evaluation(evaluate(policy, facts), facts, policy, ledger=str(remote), signer=signer, context=context)
    return remote, public


LEDGER, PUBLIC = build()


def git(remote: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", f"--git-dir={remote}", *args], input=data, capture_output=True, check=True).stdout


FILES = [line.split("\t")[1] for line in git(LEDGER, "ls-tree", "-r", BRANCH).decode().splitlines()]
ENTRIES = [f for f in FILES if f.startswith("entries/")]


def rewrite(remote: Path, changes: dict[str, bytes | None]) -> None:
    tip = git(remote, "rev-parse", BRANCH).decode().strip()
    out = bytearray(
        f"commit refs/heads/{BRANCH}\ncommitter m <m@x> {int(time.time())} +0000\ndata 1\nx\nfrom {tip}\n".encode()
    )
    for path, content in changes.items():
        if content is None:
            out += f"D {path}\n".encode()
        else:
            out += f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n"
    git(remote, "fast-import", "--quiet", "--force", data=bytes(out) + b"\n")


@st.composite
def mutations(draw: st.DrawFn) -> dict[str, bytes | None]:
    original = {path: git(LEDGER, "cat-file", "blob", f"{BRANCH}:{path}") for path in FILES}
    kind = draw(st.sampled_from(["flip", "delete", "swap", "garbage", "foreign", "payload"]))
    path = draw(st.sampled_from(FILES))
    if kind == "flip":
        data = bytearray(original[path])
        at = draw(st.integers(0, len(data) - 1))
        data[at] ^= draw(st.integers(1, 255))
        return {path: bytes(data)}
    if kind == "delete":
        return {path: None}
    if kind == "swap":
        first, second = ENTRIES
        return {first: original[second], second: original[first]}
    if kind == "garbage":
        return {path: draw(st.binary(max_size=64).filter(lambda b: b != original[path]))}
    if kind == "foreign":
        return {draw(st.sampled_from(["entries/000/000/x.json", "README", "policies/zz"])): b"{}"}
    bundle = json.loads(original[ENTRIES[0]])  # an edited statement, re-encoded without re-signing
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["verdict"] = draw(st.sampled_from(["fail", "pass ", "", 0]))
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    return {ENTRIES[0]: json.dumps(bundle).encode()}


def verify(remote: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["verify", "--ledger", str(remote), "--key", str(PUBLIC), "--reperform", "--workers", "1"])
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue() + err.getvalue()


def test_the_untouched_ledger_is_valid() -> None:
    code, text = verify(LEDGER)
    assert code == 0 and "VALID" in text, text


@settings(max_examples=24, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_every_mutation_is_invalid_and_said_in_words(changes: dict[str, bytes | None]) -> None:
    remote = Path(tempfile.mkdtemp(dir=WORK)) / "ledger.git"
    shutil.copytree(LEDGER, remote)
    try:
        rewrite(remote, changes)
        code, text = verify(remote)
    finally:
        shutil.rmtree(remote.parent)
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == 1, (sorted(changes), text)
    assert "INVALID" in text
