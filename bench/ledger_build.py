"""Build a large, fully valid ledger quickly, for the append and verify benchmarks.

Entries are real: a typical 20-file PR's facts and evaluation, signed with a real Ed25519 key,
chained by `prev`, with head.json, the signed checkpoint and every archived checkpoint. What
is skipped is only the per-entry git round trip: all objects are written in one `git
fast-import` stream, and the statement's canonical JSON is computed once with placeholders for
`seq` and `prev` (which is exactly what canonicalisation would produce for each entry).

usage: python bench/ledger_build.py N DIR [FORMAT]   ->  DIR/ledger.git, DIR/key.pem, DIR/key.pub
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from checker import policy as policies
from checker.evaluate import evaluate
from checker.evidence import RunContext, layout, merkle
from checker.evidence import checkpoint as notes
from checker.evidence.blobs import EVALUATION_POINTERS, FORMAT_FIELD
from checker.evidence.ledger import encode_entry, entry_hash
from checker.evidence.signing import KeySigner
from checker.evidence.statement import PAYLOAD_TYPE, canonical, evaluation_statement, policy_document, with_blobs
from checker.inputs import load_model
from checker.model import ChangedFile, Facts

ROOT = Path(__file__).resolve().parents[1]
BRANCH = layout.DEFAULT_BRANCH
SEQ_MARK = 987654321987
PREV_MARK = "p" * 64


def typical_example() -> tuple[Facts, object, object]:
    """The bundled example PR grown to 20 changed files: a typical change."""
    facts = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
    files = tuple(
        ChangedFile(path=f"src/payments/module_{i:02d}.py", status="modified", additions=10 + i, deletions=i)
        for i in range(20)
    )
    facts = dataclasses.replace(facts, files=files)
    policy = policies.load_file(ROOT / "examples" / "policy.yml")
    return facts, policy, evaluate(policy, facts)


def build(n: int, out: Path, entry_format: int = 2) -> dict[str, float]:
    out.mkdir(parents=True, exist_ok=True)
    repo = out / "ledger.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    private = ed25519.Ed25519PrivateKey.generate()
    (out / "key.pem").write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    signer = KeySigner(private)
    (out / "key.pub").write_text(signer.key.pem)
    facts, policy, evaluation = typical_example()
    policy_body, policy_digest = policy_document(policy)  # type: ignore[arg-type]
    context = RunContext(
        "push",
        "record",
        "acme/payments/.github/workflows/cp.yml@refs/heads/main",
        "1",
        "https://github.com/acme/payments/actions/runs/1",
        "refs/heads/main",
    )
    statement, blob_files = with_blobs(
        evaluation_statement(
            evaluation,  # type: ignore[arg-type]
            facts,
            policy_digest,
            kind="merge",
            context=context,
            seq=SEQ_MARK,
            prev=PREV_MARK,
        ),
        () if entry_format == 1 else EVALUATION_POINTERS,
    )
    if entry_format == 1:
        del statement["predicate"][FORMAT_FIELD], statement["predicate"]["blobs"]
    statement["predicate"]["signed_at"] = "2026-12-01T00:00:00Z"
    template = canonical(statement)
    assert template.count(str(SEQ_MARK).encode()) == 1 and template.count(PREV_MARK.encode()) == 1
    origin = layout.checkpoint_origin("acme/payments")
    doc = {
        "format": layout.FORMAT,
        "origin": "acme/payments",
        "shard": layout.SHARD,
        "hash": "sha256",
        "checkpoint_origin": origin,
        "trust": [signer.trust_entry()],
        "note": "benchmark ledger",
    }
    started = time.perf_counter()
    proc = subprocess.Popen(["git", f"--git-dir={repo}", "fast-import", "--quiet", "--depth=0"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    w = proc.stdin.write
    w(f"commit refs/heads/{BRANCH}\ncommitter bench <b@example.com> {int(time.time())} +0000\ndata 6\nbench\n".encode())

    def put(path: str, data: bytes) -> None:
        w(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
        w(data)
        w(b"\n")

    put(layout.LEDGER_FILE, (json.dumps(doc, indent=2) + "\n").encode())
    put(layout.policy_path(policy_digest), policy_body)
    for path, body in blob_files.items():
        put(path, body)
    prev = ""
    frontier: list[bytes] = []
    total = 0
    note = ""
    for seq in range(n):
        payload = template.replace(str(SEQ_MARK).encode(), str(seq).encode()).replace(PREV_MARK.encode(), prev.encode())
        entry = encode_entry(signer.sign_bundle(PAYLOAD_TYPE, payload))
        total += len(entry)
        if note:
            put(layout.archive_path(seq), note.encode())
        put(layout.entry_path(seq), entry)
        frontier = merkle.frontier_append(frontier, seq, merkle.leaf_hash(entry))
        prev = entry_hash(entry)
        body = notes.body(origin, seq + 1, merkle.frontier_root(frontier))
        note = notes.assemble(body, [signer.sign_note(origin, body)])
    head = {
        "size": n,
        "last_entry_hash": prev,
        "root": merkle.frontier_root(frontier).hex(),
        "frontier": [h.hex() for h in frontier],
    }
    put(layout.HEAD_FILE, (json.dumps(head, indent=2) + "\n").encode())
    put(layout.CHECKPOINT_FILE, note.encode())
    w(b"\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    return {"entries": n, "seconds": time.perf_counter() - started, "bytes": total}


if __name__ == "__main__":
    fmt = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    stats = build(int(sys.argv[1]), Path(sys.argv[2]), fmt)
    print(
        f"built {stats['entries']} format {fmt} entries ({stats['bytes'] / 1e6:.1f} MB of entries, "
        f"{stats['bytes'] / max(stats['entries'], 1):.0f} bytes a typical entry) in {stats['seconds']:.1f} s"
    )
