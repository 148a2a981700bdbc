"""Benchmark: export of a large ledger (default 100 000 entries) to CSV and HTML; time and peak memory.

The ledger is built in bulk (one git fast-import commit) with the evidence package's own pieces:
`evaluation_statement`, `KeySigner.sign_bundle`, `encode_entry`, the RFC 6962 frontier and the
signed checkpoint, so `verify_ledger` accepts it like one built by `record_evaluation`. Two
shortcuts, both irrelevant to what is measured: statements are patched copies of a few evaluated
templates (PR number, title, merge sha and time vary per entry), and the DSSE payload is sorted
compact JSON from orjson instead of RFC 8785 (same bytes for this ASCII, integer-only content).

Printed per format: the verify part (the evidence package's, another issue's to speed up) and
the export part (reading entries into rows, the core's approval analysis included, and writing),
each in seconds, entries/s and MB/s of entry JSON, and the peak RSS; then the physical limit of
the same ledger in the same run (`verify_limit.py`'s loop) and each export's ratio to it. The approval analysis is
also timed on its own (decoding the recorded facts into the model and running
`checker.approvals.ReviewAnalysis`), since issue 9 replaced the export's own raw-dict rule by it.

Usage: .venv/bin/python bench/audit_export.py [--entries N] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checker import policy as policies  # noqa: E402
from checker.evaluate import evaluate  # noqa: E402
from checker.evidence import checkpoint as notes  # noqa: E402
from checker.evidence import layout, merkle  # noqa: E402
from checker.evidence.blobs import EVALUATION_POINTERS  # noqa: E402
from checker.evidence.ledger import encode_entry, entry_hash  # noqa: E402
from checker.evidence.signing import KeySigner  # noqa: E402
from checker.evidence.statement import (  # noqa: E402
    PAYLOAD_TYPE,
    RunContext,
    evaluation_statement,
    policy_document,
    with_blobs,
)
from checker.inputs import load_model  # noqa: E402
from checker.model import Facts, MergeInfo  # noqa: E402

BRANCH = "changeproof-ledger"
CONTEXT = RunContext("push", "record", "acme/payments/.github/workflows/cp.yml@refs/heads/main", "1", "", "")


def templates(policy_digest: str) -> list[dict]:
    base = load_model(Facts, ROOT / "examples" / "pr-42-facts.json", "facts")
    policy = policies.load_file(ROOT / "examples" / "policy.yml")
    merged = replace(base, merge=MergeInfo(True, "2026-11-27T14:00:00Z", "bob", "0" * 40))
    variants = [merged, replace(merged, reviews=()), replace(merged, title="=cmd|' /C calc'!A0 <b>x</b>")]
    return [
        evaluation_statement(evaluate(policy, f), f, policy_digest, kind="merge", context=CONTEXT, seq=0, prev="")
        for f in variants
    ]


def format2(temps: list[dict]) -> tuple[list[dict], dict[str, bytes]]:
    """The templates as format 2 statements (what `record` writes today) and their blob files."""
    out, files = [], {}
    for statement in temps:
        small, blob_files = with_blobs(statement, EVALUATION_POINTERS)
        out.append(small)
        files.update(blob_files)
    return out, files


def build(ledger: Path, n: int, key_path: Path, entry_format: int = 2) -> float:
    """Write an n-entry ledger branch into the bare repository `ledger`; returns seconds."""
    start = time.perf_counter()
    private = ed25519.Ed25519PrivateKey.generate()
    key_path.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signer = KeySigner(private)
    policy_body, policy_digest = policy_document(policies.load_file(ROOT / "examples" / "policy.yml"))
    temps = templates(policy_digest)
    temps, blob_files = format2(temps) if entry_format == 2 else (temps, {})
    subprocess.run(["git", "init", "-q", "--bare", str(ledger)], check=True)
    proc = subprocess.Popen(["git", f"--git-dir={ledger}", "fast-import", "--quiet"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    out = proc.stdin

    def blob(mark: int, data: bytes) -> None:
        out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))

    frontier: list[bytes] = []
    prev = ""
    paths: list[tuple[str, int]] = []
    for seq in range(n):
        statement = copy.deepcopy(temps[seq % len(temps)])
        p = statement["predicate"]
        merged_at = f"2026-{1 + seq * 11 // n:02d}-{1 + seq % 28:02d}T{seq % 24:02d}:00:00Z"
        sha = f"{seq:040x}"
        p["pr"] = p["facts"]["number"] = p["evaluation"]["number"] = seq + 1
        p["facts"]["title"] = f"PAY-{seq} {p['facts']['title']}"
        p["facts"]["merge"]["merge_commit_sha"] = p["merge_sha"] = sha
        p["facts"]["merge"]["merged_at"] = merged_at
        p["ledger"] = {"seq": seq, "prev": prev}
        payload = orjson.dumps(statement, option=orjson.OPT_SORT_KEYS)
        entry = encode_entry(signer.sign_bundle(PAYLOAD_TYPE, payload))
        prev = entry_hash(entry)
        frontier = merkle.frontier_append(frontier, seq, merkle.leaf_hash(entry))
        blob(seq + 1, entry)
        paths.append((layout.entry_path(seq), seq + 1))
    origin = layout.checkpoint_origin("acme/payments")
    root = merkle.frontier_root(frontier)
    body = notes.body(origin, n, root)
    note = notes.assemble(body, [signer.sign_note(origin, body)])
    doc = {
        "format": layout.FORMAT,
        "origin": "acme/payments",
        "shard": layout.SHARD,
        "hash": "sha256",
        "checkpoint_origin": origin,
        "trust": [signer.trust_entry()],
    }
    head = {"size": n, "last_entry_hash": prev, "root": root.hex(), "frontier": [h.hex() for h in frontier]}
    files = {
        layout.LEDGER_FILE: (json.dumps(doc, indent=2) + "\n").encode(),
        layout.HEAD_FILE: (json.dumps(head, indent=2) + "\n").encode(),
        layout.CHECKPOINT_FILE: note.encode(),
        layout.policy_path(policy_digest): policy_body,
        **blob_files,
    }
    message = b"bench ledger"
    out.write(
        b"commit refs/heads/%s\ncommitter bench <b@example.com> 1764000000 +0000\ndata %d\n%s\n"
        % (BRANCH.encode(), len(message), message)
    )
    for path, mark in paths:
        out.write(b"M 100644 :%d %s\n" % (mark, path.encode()))
    for path, content in files.items():
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(content), content))
    out.write(b"\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    return time.perf_counter() - start


def child(ledger: Path, key: Path, fmt: str, out: Path, jobs: int | None) -> None:
    """One export in this (fresh) process through `checker.audit.run.export`, what `changeproof
    export` runs (verify, population, coverage, deployments, writing); prints JSON timings, the
    verify part timed around its `open_many`."""
    from export_timing import time_verify_part

    from checker.audit import run
    from checker.audit.population import Period

    times = {"verify": 0.0}
    time_verify_part(times)
    t0 = time.perf_counter()
    run.export([str(ledger)], BRANCH, [str(key)], Period(), fmt, out, jobs=jobs)
    times["total"] = time.perf_counter() - t0
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    times["peak_mib"] = max(own.ru_maxrss, kids.ru_maxrss) / 1024  # this export's processes only
    print(json.dumps(times))


def timed(ledger: Path, key: Path, fmt: str, out: Path, jobs: int | None) -> tuple[dict[str, float], float]:
    """Timings and the peak RSS (MiB) of the largest process of one export run in a child process
    (measured there: this process's other children, e.g. the limit loop's, do not count)."""
    args = [sys.executable, __file__, "--child", fmt, "--ledger", str(ledger), "--key", str(key), "--out", str(out)]
    args += ["--jobs", str(jobs)] if jobs else []
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"export failed: {proc.stderr[-2000:]}")
    times = json.loads(proc.stdout.strip().splitlines()[-1])
    return times, times.pop("peak_mib")


def entry_bytes(ledger: Path) -> int:
    """Total size of the entry files (the JSON the export reads), from git's own index of the tree."""
    out = subprocess.run(
        ["git", f"--git-dir={ledger}", "ls-tree", "-r", "-l", BRANCH, "entries/"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return sum(int(line.split()[3]) for line in out.splitlines() if line.split()[3].isdigit())


def baseline_summarise(ledger: Path, population_py: Path, sample: int = 500) -> tuple[float, float]:
    """Seconds per entry of summarising into a row with another `population.py` (e.g. the one before
    issue 9, kept with `git show <commit>:checker/audit/population.py`) and with today's, same run."""
    import base64
    import importlib.util

    from checker.audit.population import summarise
    from checker.evidence.gitio import Git

    spec = importlib.util.spec_from_file_location("baseline_population", population_py)
    assert spec is not None and spec.loader is not None
    old = importlib.util.module_from_spec(spec)
    sys.modules["baseline_population"] = old  # dataclasses look their module up there
    spec.loader.exec_module(old)
    git = Git(ledger)
    oids = [oid for path, oid in git.ls_tree_recursive(BRANCH) if path.startswith("entries/")][:sample]
    statements = [
        orjson.loads(base64.b64decode(orjson.loads(blob)["dsseEnvelope"]["payload"])) for blob in git.cat_blobs(oids)
    ]
    best = [float("inf"), float("inf")]
    for _ in range(5):  # interleaved rounds, the best of each: a shared machine's noise only adds time
        for k, fn in enumerate((old.summarise, summarise)):
            start = time.perf_counter()
            for n, statement in enumerate(statements):
                fn(statement, n, "")
            best[k] = min(best[k], (time.perf_counter() - start) / len(statements))
    return best[0], best[1]


def approval_cost(ledger: Path, sample: int = 500) -> tuple[float, float, float]:
    """Seconds per entry (one core) of: reading and parsing an entry, summarising it into a row,
    and, within the summary, the core's approval analysis on its recorded facts."""
    import base64

    from checker.audit.approval_summary import STRICTEST, summarise_approvals
    from checker.audit.population import summarise
    from checker.evidence import blobs
    from checker.evidence.access import blob_cache
    from checker.evidence.gitio import Git

    git = Git(ledger)
    oids = [oid for path, oid in git.ls_tree_recursive(BRANCH) if path.startswith("entries/")][:sample]
    cache = blob_cache(git, BRANCH)
    start = time.perf_counter()
    statements = [
        orjson.loads(base64.b64decode(orjson.loads(blob)["dsseEnvelope"]["payload"])) for blob in git.cat_blobs(oids)
    ]
    for statement in statements:
        statement["predicate"] = blobs.expand(statement["predicate"], cache)
    read = (time.perf_counter() - start) / len(statements)
    whole, per = float("inf"), float("inf")
    for _ in range(5):  # interleaved rounds, the best of each
        start = time.perf_counter()
        for n, statement in enumerate(statements):
            summarise(statement, n, "")
        whole = min(whole, (time.perf_counter() - start) / len(statements))
        start = time.perf_counter()
        for statement in statements:
            summarise_approvals(statement["predicate"]["facts"], STRICTEST)
        per = min(per, (time.perf_counter() - start) / len(statements))
    return read, whole, per


def _limit(ledger: Path, key: Path) -> float:
    """Seconds of the physical-limit loop (bench/verify_limit.py) over this ledger's entries."""
    from verify_limit import physical_limit

    from checker.evidence import open_ledger

    with open_ledger(str(ledger), BRANCH) as opened:
        oids = [oid for _, _, oid in opened.index().entries]
    return physical_limit(str(ledger), oids, key.read_bytes(), os.cpu_count() or 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--baseline-population",
        type=Path,
        help="an older checker/audit/population.py: time its row summary against today's in this run",
    )
    parser.add_argument("--format", type=int, choices=[1, 2], default=2, help="entry format of the built ledger")
    parser.add_argument("--jobs", type=int, help="export --jobs (default: the export's own, one per core)")
    parser.add_argument("--child", choices=["csv", "json", "html"], help=argparse.SUPPRESS)
    parser.add_argument("--ledger", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.ledger, args.key, args.child, args.out, args.jobs)
        return
    work = args.workdir or Path(tempfile.mkdtemp(prefix="changeproof-bench-audit-"))
    work.mkdir(parents=True, exist_ok=True)
    ledger, key = work / "ledger.git", work / "record.pub"
    n = args.entries
    try:
        if not (ledger / "HEAD").exists():
            print(f"building a {n}-entry ledger in {ledger} ...", flush=True)
            seconds = build(ledger, n, key, args.format)
            print(f"  built in {seconds:.1f} s ({seconds / n * 1000:.2f} ms/entry)", flush=True)
        else:
            head = subprocess.run(
                ["git", f"--git-dir={ledger}", "cat-file", "blob", f"{BRANCH}:head.json"],
                capture_output=True,
                check=True,
            ).stdout
            n = int(json.loads(head)["size"])
        size = sum(f.stat().st_size for f in ledger.rglob("*") if f.is_file())
        print(f"{n} entries, ledger on disk: {size / 2**20:.0f} MiB; {os.cpu_count()} cores", flush=True)
        mb = entry_bytes(ledger) / 1e6
        read, whole, per = approval_cost(ledger)
        print(
            f"entry JSON {mb:.0f} MB ({mb * 1e3 / n:.1f} KB/entry); per entry on one core: read+parse "
            f"{read * 1e3:.3f} ms, summarise into a row {whole * 1e3:.3f} ms, of which the approval analysis "
            f"(core rule, model decode) {per * 1e3:.3f} ms = {per / (read + whole):.0%} of reading a row; "
            f"{per * 100_000:.1f} s CPU per 100 000 entries",
            flush=True,
        )
        if args.baseline_population:
            before, after = baseline_summarise(ledger, args.baseline_population)
            print(
                f"row summary per entry, same run: {args.baseline_population} {before * 1e3:.3f} ms, today's "
                f"{after * 1e3:.3f} ms ({after / before:.2f} x); at 100 000 entries {before * 1e5:.1f} s -> "
                f"{after * 1e5:.1f} s CPU",
                flush=True,
            )
        results = {}
        limits = [_limit(ledger, key)]  # before and after the exports; the best of the two
        for fmt in ("csv", "html"):
            out = work / f"population.{fmt}"
            times, peak = timed(ledger, key, fmt, out, args.jobs)
            results[fmt] = times
            side = times["total"] - times["verify"]

            def rate(seconds: float) -> str:
                return f"{seconds:.1f} s ({n / seconds:,.0f} entries/s, {mb / seconds:.1f} MB/s)"

            load = os.getloadavg()
            print(
                f"export {fmt:<4}: total {rate(times['total'])}; verify part {rate(times['verify'])}; "
                f"export part {rate(side)}; peak RSS {peak:.0f} MiB; output {out.stat().st_size / 2**20:.1f} MiB; "
                f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
                flush=True,
            )
        limits.append(_limit(ledger, key))
        limit = min(limits)
        print(
            f"physical limit on this ledger, same run (bench/verify_limit.py's loop: read, hash, one signature "
            f"check with cryptography, every core): {limit:.1f} s ({n / limit:,.0f} entries/s, {mb / limit:.1f} MB/s); "
            f"rounds {', '.join(f'{x:.1f}' for x in limits)} s"
        )
        for fmt in ("csv", "html"):
            print(f"export {fmt} / physical limit: {results[fmt]['total'] / limit:.2f}")
        for fmt, target in (("csv", 15.0), ("html", 20.0)):
            scaled = results[fmt]["total"] * 100_000 / n
            print(
                f"{fmt.upper()}: {results[fmt]['total']:.1f} s for {n}"
                + (f" (~{scaled:.0f} s per 100 000, linear)" if n != 100_000 else "")
                + f"; {scaled / target:.2f} x the {target:.0f} s target (including verify); peak target 500 MB"
            )
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
