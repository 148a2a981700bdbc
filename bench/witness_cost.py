"""What witnessing costs per checkpoint on a large ledger (default 100 000 typical entries).

A witness's first cosignature reads every entry (it has no stored frontier yet); every later one
reads only the entries appended since and proves consistency from its stored frontier. Reported:
wall time of the first cosignature (the baseline) and of cosignatures after 1 and after 10
appends, with their ratio to the baseline. With --verify also verify itself with and without
`--witnesses 1` (the witness checks' share of a verify).

usage: python bench/witness_cost.py [N] [DIR] [--verify]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from ledger_build import build, typical_example

from checker.evidence import RunContext, layout
from checker.evidence.keys import load_private, trusted_key
from checker.evidence.ledger import append
from checker.evidence.signing import KeySigner
from checker.evidence.statement import evaluation_statement, policy_document
from checker.evidence.witness import witness_ledger

CONTEXT = RunContext("push", "record", "acme/payments/.github/workflows/cp.yml@refs/heads/main", "1", "", "")


def append_entries(ledger: str, key: str, count: int) -> None:
    facts, policy, evaluation = typical_example()
    body, digest = policy_document(policy)  # type: ignore[arg-type]
    signer = KeySigner(load_private(key, None))

    def make(seq: int, prev: str):  # type: ignore[no-untyped-def]
        st = evaluation_statement(evaluation, facts, digest, kind="merge", context=CONTEXT, seq=seq, prev=prev)  # type: ignore[arg-type]
        return st, {layout.policy_path(digest): body}

    for _ in range(count):
        append(ledger, layout.DEFAULT_BRANCH, signer=signer, repository="acme/payments", build=make, token=None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("dir", nargs="?", default="/tmp/changeproof-bench-witness")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args()
    where = Path(args.dir) / str(args.n)
    if not (where / "ledger.git").exists():
        stats = build(args.n, where)
        print(f"built {args.n} entries in {stats['seconds']:.1f} s")
    ledger, state = str(where / "ledger.git"), where / f"state-{time.time_ns()}"
    log_keys = [trusted_key(str(where / "key.pub"))]
    private = ed25519.Ed25519PrivateKey.generate()

    def cosign() -> tuple[float, int]:
        started = time.perf_counter()
        result = witness_ledger(
            ledger, log_keys=log_keys, state_dir=state, key=private, name="bench.witness", token=None
        )
        return time.perf_counter() - started, result.size

    first, size = cosign()
    print(f"first cosignature at {size} entries (reads every entry): {first:.2f} s  [baseline]")
    for added in (1, 10):
        append_entries(ledger, str(where / "key.pem"), added)
        seconds, size = cosign()
        print(
            f"cosignature after {added:>2} appended entries (size {size}): {seconds:.3f} s "
            f"= {seconds / first:.4f}x the baseline"
        )
    if args.verify:
        verify_share(ledger, str(where / "key.pub"), state, private, where / "bench.vkey")


def verify_share(ledger: str, pub: str, state: Path, private: ed25519.Ed25519PrivateKey, vkey: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from checker.evidence import verify_ledger
    from checker.evidence.cosignature import WitnessKey

    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    vkey.write_text(WitnessKey("bench.witness", raw).vkey() + "\n")
    started = time.perf_counter()
    plain = verify_ledger(ledger, keys=[pub])
    base = time.perf_counter() - started
    started = time.perf_counter()
    witnessed = verify_ledger(ledger, keys=[pub], witness_keys=(str(vkey),), witness_state=(str(state),))
    seconds = time.perf_counter() - started
    print(
        f"verify {plain.entries} entries: {base:.1f} s; with --witnesses 1: {seconds:.1f} s "
        f"= {seconds / base:.3f}x (valid: {plain.ok}, {witnessed.ok}; witnessed {witnessed.witnessed_size})"
    )


if __name__ == "__main__":
    main()
