"""Sampling is reproducible by its stated method; packets carry verifiable evidence; simulate flips verdicts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from audit_helpers import BRANCH, ROOT, Keys, Recorder, pr_facts, run_cli

from checker.evidence import merkle


def population_file(tmp_path: Path, n: int = 40) -> Path:
    changes = [
        {
            "id": f"acme/payments#{i}",
            "kind": "pr",
            "pr": i,
            "title": f"PR {i}",
            "tip": f"{i:040x}",
            "exception": "direct push" if i % 10 == 0 else None,
            "record": None,
        }
        for i in range(1, n + 1)
    ]
    path = tmp_path / "population.json"
    path.write_text(
        json.dumps({"format": "changeproof-population/1", "repository": "acme/payments", "changes": changes})
    )
    return path


def sample(path: Path, size: int, seed: str, *extra: str) -> dict:
    proc = run_cli("sample", "--population", str(path), "--size", str(size), "--seed", seed, "--format", "json", *extra)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_same_seed_same_sample_different_seed_different_sample(tmp_path: Path) -> None:
    path = population_file(tmp_path)
    first, again = sample(path, 10, "FY2026-Q4"), sample(path, 10, "FY2026-Q4")
    other = sample(path, 10, "FY2026-Q3")
    ids = [s["id"] for s in first["sample"]]
    assert ids == [s["id"] for s in again["sample"]]
    assert ids != [s["id"] for s in other["sample"]]
    assert len(set(ids)) == 10


def test_the_sample_can_be_redrawn_by_hand_from_the_stated_method(tmp_path: Path) -> None:
    path = population_file(tmp_path)
    drawn = sample(path, 7, "audit-2026")
    assert "SHA-256" in drawn["method"] and "'<seed>:<change id>'" in drawn["method"]
    ids = [f"acme/payments#{i}" for i in range(1, 41)]
    by_hand = sorted(ids, key=lambda i: hashlib.sha256(f"audit-2026:{i}".encode()).hexdigest())[:7]
    assert [s["id"] for s in drawn["sample"]] == by_hand
    assert drawn["population"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert drawn["population"]["total"] == 40 and drawn["population"]["exceptions"] == 4


def test_sample_larger_than_population_takes_everything(tmp_path: Path) -> None:
    drawn = sample(population_file(tmp_path, 3), 10, "s")
    assert drawn["drawn"] == 3 and "only 3" in drawn["note"]


def test_bad_population_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"changes": [{"title": "no id"}]}')
    proc = run_cli("sample", "--population", str(bad), "--size", "1", "--seed", "x")
    assert proc.returncode == 2 and "ids" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture
def recorded(recorder: Recorder, keys: Keys, tmp_path: Path) -> Path:
    recorder.record(pr_facts(1, "PAY-1 <script>alert(1)</script>", merged_at=None), "gate")
    recorder.record(
        pr_facts(1, "PAY-1 <script>alert(1)</script>", merged_at="2026-11-10T10:00:00Z", merge_sha="a" * 40)
    )
    recorder.record(pr_facts(2, "PAY-2 second", merged_at="2026-11-11T10:00:00Z", merge_sha="b" * 40))
    recorder.record(pr_facts(3, "PAY-3 third", merged_at="2026-11-12T10:00:00Z", merge_sha="c" * 40, approved=False))
    out = tmp_path / "export.json"
    proc = run_cli(
        "export",
        "--ledger",
        str(recorder.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--format",
        "json",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_packets_hold_facts_policy_signature_and_a_verifiable_inclusion_proof(
    recorded: Path, keys: Keys, tmp_path: Path
) -> None:
    packets = tmp_path / "packets"
    drawn = sample(recorded, 3, "s1", "--packets", str(packets), "--key", str(keys.public))
    assert len(drawn["packets"]) == 3
    for item in drawn["packets"]:
        packet = json.loads(Path(item["json"]).read_text())
        merge = packet["entries"]["merge"]
        assert merge["signature"]["valid"] is True
        assert packet["facts"]["number"] == packet["change"]["pr"]
        assert packet["policy"]["document"]["mode"] == "enforce"
        assert (
            hashlib.sha256(
                json.dumps(
                    packet["policy"]["document"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ).encode()
            ).hexdigest()
            == packet["policy"]["digest"]
        )
        assert packet["reperformance"]["same"] is True
        # re-check the inclusion proof independently of the packet's own claim
        inc = merge["inclusion"]
        assert inc["verified"] is True and inc["checkpoint_size"] == 4
        assert f"\n{inc['checkpoint_size']}\n" in packet["ledger"]["checkpoint_note"]
        entry_bytes = (
            json.dumps(merge["bundle"], sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        ).encode()
        assert hashlib.sha256(entry_bytes).hexdigest() == merge["entry_hash"]
        assert _root_from_proof(
            inc["leaf_index"],
            inc["checkpoint_size"],
            merkle.leaf_hash(entry_bytes),
            [bytes.fromhex(h) for h in inc["proof"]],
        ) == bytes.fromhex(inc["root"])
        html = Path(item["html"]).read_text()
        assert "<script" not in html.lower(), "untrusted title must be escaped, and packets carry no script"
        if packet["change"]["pr"] == 1:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert packet["entries"]["gate"]["statement"]["predicate"]["kind"] == "gate"


def _root_from_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """Recompute the root by walking the audit path (RFC 6962 section 2.1.1), independently of the code."""

    def walk(m: int, n: int, node: bytes, path: list[bytes]) -> bytes:
        if n == 1:
            return node
        k = 1
        while k * 2 < n:
            k *= 2
        sibling, rest = path[-1], path[:-1]
        if m < k:
            return merkle.node_hash(walk(m, k, node, rest), sibling)
        return merkle.node_hash(sibling, walk(m - k, n - k, node, rest))

    return walk(index, size, leaf, proof)


def test_simulate_shows_the_verdicts_a_stricter_policy_would_change(
    recorder: Recorder, keys: Keys, tmp_path: Path
) -> None:
    recorder.record(pr_facts(1, "PAY-1 one approval", merged_at="2026-11-10T10:00:00Z", merge_sha="a" * 40))
    two = pr_facts(2, "PAY-2 two approvals", merged_at="2026-11-11T10:00:00Z", merge_sha="b" * 40)
    from audit_helpers import review

    two = two.__class__(
        **{
            **two.__dict__,
            "reviews": (
                review("bob", two.head_sha, "2026-11-11T09:00:00Z"),
                review("erin", two.head_sha, "2026-11-11T09:10:00Z", permission="maintain"),
            ),
        }
    )
    recorder.record(two)
    stricter = tmp_path / "stricter.yml"
    stricter.write_text(
        (ROOT / "examples" / "policy.yml")
        .read_text()
        .replace("controls:\n", "controls:\n  peer_review:\n    min_approvals: 2\n", 1)
    )
    proc = run_cli("policy", "validate", str(stricter))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_cli(
        "simulate",
        "--policy",
        str(stricter),
        "--ledger",
        str(recorder.ledger),
        "--branch",
        BRANCH,
        "--key",
        str(keys.public),
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["evaluated"] == 2
    assert [(c["pr"], c["was"], c["now"]) for c in result["changed"]] == [(1, "pass", "fail")]
    assert any(c["control"] == "peer_review" and c["now"] == "fail" for c in result["changed"][0]["controls"])
