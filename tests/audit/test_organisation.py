"""Organisation scale: reconcile and export over a manifest of repositories; the packet of an
unrecorded change shows what is known instead of nulls."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from audit_fakeapi import FakeGitHub, serve
from audit_helpers import BRANCH, Keys, Recorder, bare_repo, pr_facts, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reconcile import activity, commit, git, history, pulls  # noqa: F401 - `history` is a fixture

from checker.audit.manifest import parse_manifest
from checker.errors import UsageError
from checker.evidence import load_signer


def _second_repository(tmp_path: Path, keys: Keys) -> tuple[Path, Path]:
    """acme/web: one recorded squash merge and one direct push, with its own ledger."""
    repo = tmp_path / "web"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    squash = commit(repo, "x", "WEB-1 squash (#1)", date="2026-11-02T09:00:00Z")
    commit(repo, "y", "straight to main", date="2026-11-03T09:00:00Z")
    recorder = Recorder(bare_repo(tmp_path / "web-ledger.git"), load_signer("key", str(keys.private)))
    recorder.record(pr_facts(1, "WEB-1", merged_at="2026-11-02T09:00:00Z", merge_sha=squash, repository="acme/web"))
    return repo, recorder.ledger


def _manifest(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("# the audited repositories\n" + "\n".join(json.dumps(x) for x in lines) + "\n\n")
    return path


def _reconcile(manifest: Path, keys: Keys, out: Path) -> tuple[int, dict[str, Any], str]:
    proc = run_cli(
        "reconcile", "--manifest", str(manifest), "--key", str(keys.public), "--from", "2026-11-01",
        "--to", "2026-11-30", "--out", str(out),
    )  # fmt: skip
    return proc.returncode, json.loads(out.read_text()) if out.exists() else {}, proc.stdout + proc.stderr


def test_reconcile_a_manifest_gives_one_population(
    history: dict[str, Any],  # noqa: F811
    recorder: Recorder,
    keys: Keys,
    tmp_path: Path,
) -> None:
    web, web_ledger = _second_repository(tmp_path, keys)
    lines = [
        {"repository": "acme/payments", "clone": history["repo"].name, "ledger": str(recorder.ledger),
         "ledger_branch": BRANCH},
        {"repository": "acme/web", "clone": str(web), "branch": "main", "ledger": web_ledger.name},
    ]  # fmt: skip
    code, population, text = _reconcile(_manifest(tmp_path / "repos.jsonl", lines), keys, tmp_path / "p.json")
    assert code == 1, text
    assert [r["repository"] for r in population["repositories"]] == ["acme/payments", "acme/web"]
    assert {c["repository"] for c in population["changes"]} == {"acme/payments", "acme/web"}
    web_changes = [c for c in population["changes"] if c["repository"] == "acme/web"]
    assert web_changes[0]["id"] == "acme/web#1" and web_changes[1]["exception"]
    # without --api-url the forged commit date keeps payments' direct push out of the period (4 changes)
    assert population["total"] == len(population["changes"]) == 4 + 2
    assert len({c["id"] for c in population["changes"]}) == population["total"], "ids unique across repositories"
    assert population["exceptions"] == 2 + 1
    assert "acme/web " in text and "GAPS: 3 exception(s)" in text
    # the matrix shape a job prints: the same population
    matrix = tmp_path / "matrix.json"
    matrix.write_text(json.dumps({"include": lines}))
    code, again, _ = _reconcile(matrix, keys, tmp_path / "p2.json")
    assert code == 1 and again["changes"] == population["changes"]
    # sample draws over the whole organisation
    proc = run_cli("sample", "--population", str(tmp_path / "p.json"), "--size", "6", "--seed", "org")
    assert proc.returncode == 0 and "acme/web" in proc.stdout and "acme/payments" in proc.stdout


def test_export_over_a_manifest(history: dict[str, Any], recorder: Recorder, keys: Keys, tmp_path: Path) -> None:  # noqa: F811
    _, web_ledger = _second_repository(tmp_path, keys)
    manifest = _manifest(
        tmp_path / "repos.jsonl",
        [
            {"repository": "acme/payments", "ledger": str(recorder.ledger)},
            {"repository": "acme/web", "ledger": str(web_ledger)},
        ],
    )
    out = tmp_path / "population.csv"
    proc = run_cli(
        "export", "--manifest", str(manifest), "--key", str(keys.public), "--format", "csv", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["repository"], r["ledger"]) for r in rows} == {
        ("acme/payments", str(recorder.ledger)),
        ("acme/web", str(web_ledger)),
    }


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"repository": "acme/x", "clone": "x"}\n{"repo": "acme/y"}\n', "repos.jsonl:2: $.repo is not a manifest key"),
        ('{"repository": "acme/x"}\n{"repository": "not a name"}\n', "repos.jsonl:2: $.repository 'not a name'"),
        ('{"repository": "acme/x"}\n{"repository": \n', "repos.jsonl:2:16: not JSON"),
        ('{"include": [{"repository": "acme/x", "branch": 3}]}', "$.include[0].branch must be a non-empty string"),
        ('{"repository": "acme/x"}\n{"repository": "acme/x"}\n', "repos.jsonl:2: acme/x branch main is already"),
        ("# nothing\n", "lists no repository"),
    ],
)
def test_manifest_errors_say_where(text: str, where: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_manifest(text, Path("/audit/repos.jsonl"))
    assert where in err.value.summary


def test_manifest_defaults_resolve_against_its_directory() -> None:
    manifest = parse_manifest('{"repository": "acme/x"}\n', Path("/audit/repos.jsonl"))
    (line,) = manifest.lines
    assert (line.clone, line.branch, line.ledger, line.ledger_branch) == (
        Path("/audit/acme/x"),
        "main",
        "/audit/acme/x",
        "changeproof-ledger",
    )


def test_the_packet_of_an_unrecorded_change_shows_what_is_known(
    history: dict[str, Any],  # noqa: F811
    recorder: Recorder,
    keys: Keys,
    tmp_path: Path,
) -> None:
    recorder.exception("direct push", (history["d"],), history["m1"], history["d"], "2026-11-04T12:01:00Z")
    population = tmp_path / "population.json"
    with serve(FakeGitHub("acme/payments", activity(history), pulls(history))) as url:
        proc = run_cli(
            "reconcile", "--repo", str(history["repo"]), "--ledger", str(recorder.ledger), "--ledger-branch", BRANCH,
            "--key", str(keys.public), "--api-url", url, "--out", str(population),
        )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    packets = tmp_path / "packets"
    proc = run_cli(
        "sample", "--population", str(population), "--size", "10", "--seed", "s", "--packets", str(packets),
        "--key", str(keys.public), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    drawn = json.loads(proc.stdout)
    item = next(p for p in drawn["packets"] if p["id"].endswith(history["d"]))
    packet = json.loads(Path(item["json"]).read_text())
    known = packet["known"]
    assert known["pushed_by"] == "mallory" and known["pushed_at"] == "2026-11-04T12:00:00Z"
    assert known["time_source"] == "repository activity API"
    assert known["commits"] == [
        {
            "sha": history["d"],
            "author_email": "mallory@example.com",
            "committed_at": "2026-09-15T09:00:00Z",
            "subject": "hotfix straight to main",
        }
    ]
    assert known["recorded_exception"]["reason"] == "direct push"
    assert packet["entries"]["exception"]["signature"]["valid"] is True, "the record job's signed exception entry"
    assert packet["reperformance"]["reason"].startswith("no merge record")
    html = Path(item["html"]).read_text()
    assert "mallory" in html and "What is known" in html
    assert "null" not in html.split("<body>")[1], "no raw nulls in the page"
    recorded = next(p for p in drawn["packets"] if p["id"] == "acme/payments#1")
    assert json.loads(Path(recorded["json"]).read_text())["known"] is None


MANIFEST_ITEM = st.dictionaries(
    st.sampled_from(["repository", "clone", "branch", "ledger", "ledger_branch", "other"]),
    st.none() | st.integers() | st.sampled_from(["", "acme/x", "a/b", "x", "../up", "git@host:a/b.git"]),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(MANIFEST_ITEM, max_size=4).map(lambda xs: "\n".join(json.dumps(x) for x in xs)),
        st.lists(MANIFEST_ITEM, max_size=4).map(lambda xs: json.dumps({"include": xs})),
    )
)
def test_any_manifest_text_parses_or_is_one_usage_error(text: str) -> None:
    try:
        manifest = parse_manifest(text, Path("/audit/repos.jsonl"))
    except UsageError as exc:
        assert exc.summary and exc.fix
        return
    assert manifest.lines and all("/" in line.repository for line in manifest.lines)
