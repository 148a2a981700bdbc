"""Verify against its physical limit, measured in the same run on the same ledger.

The limit: what verifying the entries cannot avoid. A loop over the same fixture (built by
`ledger_build.py`), reading the entries from the same git object store the same way (one `git
cat-file --batch` per process), hashing each (entry hash and Merkle leaf), taking its payload
and signature out of the bundle and checking the one Ed25519 signature over the DSSE PAE with
`cryptography`, on every core (one process per core, each over its share of the entries).
Then `verify_ledger` (without --reperform) on the same ledger, and the ratio of the two.

Verify checks Ed25519 signatures with libsodium (PyNaCl), which is faster than OpenSSL's on
this kind of machine, so it can beat the limit as the issue defines it (with `cryptography`).
The same loop with libsodium is measured too, as the tighter limit for that choice, and the
ratio to each is printed.

The machine is shared: the load average is printed beside the figures, and the two are measured
alternately (limit, verify, limit, verify) so both see the same load; the best of each is used.

usage: python bench/verify_limit.py [N] [DIR] [--workers W] [--rounds R]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nacl.bindings
import nacl.exceptions
import orjson
import pybase64
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
from ledger_build import build

from checker.evidence import open_ledger, verify_ledger
from checker.evidence.gitio import Git

PAYLOAD_TYPE = b"application/vnd.in-toto+json"


def _pae(payload_type: bytes, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def _limit_worker(git_dir: str, oids: list[str], pem: bytes, sodium: bool = False) -> tuple[int, int]:
    key = load_pem_public_key(pem)
    assert isinstance(key, ed25519.Ed25519PublicKey)
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    total = ok = 0
    for data in Git(Path(git_dir)).cat_blobs(oids):
        total += len(data)
        hashlib.sha256(data).digest()
        hashlib.sha256(b"\x00" + data).digest()
        envelope = orjson.loads(data)["dsseEnvelope"]
        payload = pybase64.b64decode(envelope["payload"], validate=True)  # the decoder verify uses
        signature = pybase64.b64decode(envelope["signatures"][0]["sig"], validate=True)
        if sodium:
            try:
                nacl.bindings.crypto_sign_open(signature + _pae(PAYLOAD_TYPE, payload), raw)
                ok += 1
            except nacl.exceptions.BadSignatureError:
                pass
            continue
        try:
            key.verify(signature, _pae(PAYLOAD_TYPE, payload))
            ok += 1
        except InvalidSignature:
            pass
    return total, ok


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (workers and their git processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def physical_limit(
    git_dir: str, oids: list[str], pem: bytes, workers: int, sodium: bool = False
) -> tuple[float, int, int]:
    started = time.perf_counter()
    shares = [oids[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_limit_worker, [git_dir] * workers, shares, [pem] * workers, [sodium] * workers))
    seconds = time.perf_counter() - started
    return seconds, sum(r[0] for r in results), sum(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("dir", nargs="?", default="/tmp/changeproof-bench")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    where = Path(args.dir) / str(args.n)
    if not (where / "ledger.git").exists():
        stats = build(args.n, where)
        print(f"built {args.n} entries in {stats['seconds']:.1f} s ({stats['bytes'] / args.n:.0f} bytes an entry)")
    git_dir = str(where / "ledger.git")
    with open_ledger(git_dir) as opened:
        oids = [oid for _, _, oid in opened.index().entries]
    pem = (where / "key.pub").read_bytes()
    limits: list[tuple[float, int, int]] = []
    sodium: list[tuple[float, int, int]] = []
    verifies: list[tuple[float, int, int, bool]] = []
    cpu = {"limit": [], "verify": [], "sodium": []}  # type: dict[str, list[float]]
    for _ in range(args.rounds):
        t0 = cpu_seconds()
        limits.append(physical_limit(git_dir, oids, pem, args.workers))
        t1 = cpu_seconds()
        sodium.append(physical_limit(git_dir, oids, pem, args.workers, sodium=True))
        t2 = cpu_seconds()
        started = time.perf_counter()
        report = verify_ledger(git_dir, keys=[str(where / "key.pub")], workers=args.workers)
        verifies.append((time.perf_counter() - started, report.bytes_read, report.entries, report.ok))
        cpu["limit"].append(t1 - t0)
        cpu["sodium"].append(t2 - t1)
        cpu["verify"].append(cpu_seconds() - t2)
        if not report.ok:
            print("\n".join(report.problems[:10]))
    lim_s, lim_bytes, lim_ok = min(limits)
    ver_s, ver_bytes, ver_n, valid = min(verifies)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; {args.workers} workers")
    print(
        f"physical limit: {len(oids)} entries ({lim_bytes / 1e6:.0f} MB, {lim_bytes / max(len(oids), 1):.0f} bytes "
        f"each) in {lim_s:.2f} s: {len(oids) / lim_s:.0f} entries/s, {lim_bytes / 1e6 / lim_s:.1f} MB/s "
        f"({lim_ok} signatures valid); rounds {', '.join(f'{s:.2f}' for s, _, _ in limits)} s"
    )
    print(
        f"verify:         {ver_n} entries ({ver_bytes / 1e6:.0f} MB) in {ver_s:.2f} s: {ver_n / ver_s:.0f} entries/s, "
        f"{ver_bytes / 1e6 / ver_s:.1f} MB/s, valid={valid}; rounds {', '.join(f'{v[0]:.2f}' for v in verifies)} s"
    )
    sod_s = min(sodium)[0]
    print(
        f"the same loop with libsodium (verify's Ed25519): {sod_s:.2f} s, {len(oids) / sod_s:.0f} entries/s, "
        f"{lim_bytes / 1e6 / sod_s:.1f} MB/s; rounds {', '.join(f'{s:.2f}' for s, _, _ in sodium)} s"
    )
    lim_cpu, ver_cpu = min(cpu["limit"]), min(cpu["verify"])
    print(
        f"CPU seconds (all processes, less sensitive to the shared machine's load): limit {lim_cpu:.1f}, "
        f"verify {ver_cpu:.1f} (ratio {ver_cpu / lim_cpu:.2f}); on {args.workers} idle cores verify would take "
        f"about {ver_cpu / args.workers * 100_000 / max(ver_n, 1):.1f} s for 100000 entries"
    )
    print(
        f"ratio verify / limit (wall): {ver_s / lim_s:.2f} (target <= 2.5); to the libsodium loop: "
        f"{ver_s / sod_s:.2f} (CPU {ver_cpu / min(cpu['sodium']):.2f}); verify target 100000 entries <= 12 s"
    )


if __name__ == "__main__":
    main()
