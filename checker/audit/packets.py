"""Evidence packets: for each sampled change, one JSON file and one self-contained HTML page.

A packet holds everything the auditor needs to test that one change without access to the
ledger: the signed entries (bundles, as stored), the decoded facts and evaluation, the policy
document they were evaluated against, the signature status under the auditor's keys, the signed
checkpoint with an RFC 6962 inclusion proof of the entry (verified here, re-checkable by hand),
and the verdict obtained by re-performing the evaluation on the recorded facts and policy.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from checker.audit.ledgers import OpenLedger, open_ledgers
from checker.audit.population import as_dict
from checker.audit.report import environment
from checker.evidence import layout, merkle
from checker.evidence.checkpoint import parse as parse_note
from checker.evidence.gitio import Git
from checker.evidence.keys import TrustedKey, load_public
from checker.evidence.verify import check_entry

PACKET_FORMAT = "changeproof-packet/1"


def _mth(leaves: list[bytes], start: int, end: int) -> bytes:
    return merkle.root(leaves[start:end])


def _split(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[n]) over leaf hashes."""

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n <= 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, start, start + k), _mth(leaves, start + k, end)]
        return [*path(m - k, start + k, end), _mth(leaves, start, start + k)]

    return path(index, 0, len(leaves))


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = merkle.node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = merkle.node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


class _LedgerView:
    """Raw entry bytes and leaf hashes of one opened ledger (read once, for the proofs)."""

    def __init__(self, ledger: OpenLedger, keys: list[str]) -> None:
        self.ledger = ledger
        git = Git(ledger.git_dir)
        index = []
        for path, oid in git.ls_tree_recursive(ledger.commit):
            kind, value = layout.classify(path)
            if kind == "entry" and isinstance(value, int) and not oid.startswith("!"):
                index.append((value, path, oid))
        index.sort()
        self.paths = {seq: path for seq, path, _ in index}
        self.data: dict[int, bytes] = {}
        self.leaves: list[bytes] = []
        for start in range(0, len(index), 2000):
            chunk = index[start : start + 2000]
            for (seq, _, _), blob in zip(chunk, git.cat_blobs([o for _, _, o in chunk]), strict=True):
                self.data[seq] = blob
                self.leaves.append(merkle.leaf_hash(blob))
        self.keys = {t.keyid: t for t in (TrustedKey.of(load_public(k)) for k in keys)}
        note = ledger.checkpoint()
        self.note_text = note
        self.note = parse_note(note) if note else None

    def entry(self, seq: int) -> dict[str, Any] | None:
        data = self.data.get(seq)
        if data is None:
            return None
        check = check_entry(seq, self.paths[seq], data, self.keys)
        bundle = json.loads(data)
        statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
        inclusion: dict[str, Any] = {"checkpoint_size": 0, "verified": False}
        if self.note is not None and seq < self.note.size <= len(self.leaves):
            leaves = self.leaves[: self.note.size]
            proof = inclusion_proof(leaves, seq)
            inclusion = {
                "leaf_index": seq,
                "checkpoint_size": self.note.size,
                "root": self.note.root_hex,
                "leaf_hash": leaves[seq].hex(),
                "proof": [p.hex() for p in proof],
                "verified": verify_inclusion(seq, self.note.size, leaves[seq], proof, self.note.root),
                "method": "RFC 6962 audit path over SHA-256(0x00 || entry file bytes), "
                "verified per RFC 9162 section 2.1.3.2",
            }
        return {
            "seq": seq,
            "path": self.paths[seq],
            "entry_hash": check.hash,
            "signature": {
                "valid": not check.problems and bool(check.signer),
                "signer": check.signer,
                "problems": list(check.problems),
            },
            "inclusion": inclusion,
            "statement": statement,
            "bundle": bundle,
        }


def _reperform(statement: dict[str, Any], policy_doc: dict[str, Any] | None) -> dict[str, Any]:
    from checker.evaluate import evaluate
    from checker.model import Facts, Policy
    from checker.serde import DecodeError, from_json

    predicate = as_dict(statement.get("predicate"))
    if policy_doc is None or "facts" not in predicate:
        return {"done": False, "reason": "no policy or facts recorded"}
    try:
        verdict = evaluate(from_json(Policy, policy_doc), from_json(Facts, predicate["facts"])).verdict.value
    except DecodeError as exc:
        return {"done": False, "reason": f"recorded data no longer decodes: {exc}"}
    return {
        "done": True,
        "verdict": verdict,
        "recorded_verdict": predicate.get("verdict"),
        "same": verdict == predicate.get("verdict"),
    }


def known_of_unrecorded(change: dict[str, Any]) -> dict[str, Any]:
    """What is known of a change without a merge record: its commits, who pushed it and when."""
    details = {d.get("sha"): d for d in change.get("commit_details") or [] if isinstance(d, dict)}
    commits = [
        details.get(sha) or {"sha": sha, "author_email": "", "committed_at": "", "subject": ""}
        for sha in change.get("commits") or [change.get("tip")]
        if sha
    ]
    source = change.get("time_source") or ""
    return {
        "commits": commits,
        "pushed_by": change.get("pushed_by") or "unknown (no --api-url, or older than the activity list)",
        "pushed_at": change.get("pushed_at") or "unknown",
        "time_source": "repository activity API" if source == "activity" else (source or "unknown"),
        "recorded_exception": change.get("recorded_exception"),
    }


def build_packet(
    change: dict[str, Any],
    view: _LedgerView | None,
    drawn: dict[str, Any],
    exception_view: _LedgerView | None = None,
) -> dict[str, Any]:
    record = change.get("record") or {}
    entries: dict[str, Any] = {}
    wanted = [(view, record.get("seq")), (view, record.get("gate_seq"))]
    recorded = change.get("recorded_exception") if not record else None
    if isinstance(recorded, dict):
        wanted.append((exception_view, recorded.get("seq")))
    for source, seq in wanted:
        if source is not None and seq not in (None, ""):
            entry = source.entry(int(seq))
            if entry is not None:
                entries[str(as_dict(entry["statement"].get("predicate")).get("kind") or "entry")] = entry
    merge = entries.get("merge")
    predicate = as_dict(merge["statement"].get("predicate")) if merge else {}
    digest = str(as_dict(as_dict(predicate.get("policy")).get("digest")).get("sha256", ""))
    policy_doc = view.ledger.policy(digest) if view is not None and digest else None
    shown = view or exception_view
    return {
        "format": PACKET_FORMAT,
        "change": change,
        "known": known_of_unrecorded(change) if not record else None,
        "sample": {
            "seed": drawn["seed"],
            "method": drawn["method"],
            "population_sha256": drawn["population"]["sha256"],
        },
        "ledger": (
            {
                "ledger": shown.ledger.name,
                "branch": shown.ledger.branch,
                "commit": shown.ledger.commit,
                "verification": shown.ledger.status(),
                "checkpoint_note": shown.note_text,
            }
            if shown
            else None
        ),
        "entries": entries,
        "facts": predicate.get("facts"),
        "evaluation": predicate.get("evaluation"),
        "policy": {"digest": digest, "document": policy_doc},
        "reperformance": _reperform(merge["statement"], policy_doc)
        if merge
        else {"done": False, "reason": "no merge record: there is no recorded evaluation to re-perform"},
    }


def _file_stem(change_id: str, rank: int) -> str:
    return f"{rank:04d}-" + re.sub(r"[^A-Za-z0-9._-]+", "_", change_id)[:80]


def write_packets(
    drawn: dict[str, Any],
    population: dict[str, Any],
    out_dir: Path,
    keys: list[str] | tuple[str, ...],
    *,
    allow_invalid: bool = False,
) -> list[dict[str, str]]:
    """Write `<rank>-<id>.json` and `.html` per sampled change; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    branches = {
        str(x.get("ledger")): str(x.get("branch") or layout.DEFAULT_BRANCH) for x in population.get("ledgers") or []
    }
    wanted = sorted(
        {str((c.get("record") or {}).get("ledger")) for c in drawn["sample"] if c.get("record")}
        | {
            str(c["recorded_exception"].get("ledger"))
            for c in drawn["sample"]
            if not c.get("record") and isinstance(c.get("recorded_exception"), dict)
        }
    )
    written = []
    env = environment()
    views: dict[str, _LedgerView] = {}
    groups: dict[str, list[str]] = {}
    for name in wanted:
        groups.setdefault(branches.get(name, layout.DEFAULT_BRANCH), []).append(name)
    from contextlib import ExitStack

    with ExitStack() as stack:
        for branch, names in groups.items():
            for opened in stack.enter_context(open_ledgers(names, branch, keys, allow_invalid=allow_invalid)):
                views[opened.name] = _LedgerView(opened, list(keys))
        for change in drawn["sample"]:
            ledger = str((change.get("record") or {}).get("ledger"))
            recorded = change.get("recorded_exception")
            exception_ledger = str(recorded.get("ledger")) if isinstance(recorded, dict) else ""
            packet = build_packet(change, views.get(ledger), drawn, views.get(exception_ledger))
            stem = _file_stem(change["id"], change["rank"])
            json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
            json_path.write_text(json.dumps(packet, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            html_path.write_text(
                env.get_template("packet.html.j2").render(
                    p=packet, pretty=lambda v: json.dumps(v, indent=2, ensure_ascii=False)
                ),
                encoding="utf-8",
            )
            written.append({"id": change["id"], "json": str(json_path), "html": str(html_path)})
    return written
