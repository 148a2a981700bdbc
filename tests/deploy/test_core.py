"""The shipped-changes walk and the traced judgement, table-driven over a real local git repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from deploy_support import POLICY, RECORD, GitRepo, pr_facts, review

from checker.deploy import Deployment, LedgerIndex, judge_all, ship
from checker.deploy.history import first_parent_line, resolve_commit
from checker.deploy.shipped import Line
from checker.evaluate import evaluate
from checker.evidence.statement import evaluation_statement, exception_statement, policy_document

_, DIGEST = policy_document(POLICY)


def merge_statement(seq: int, pr: int, sha: str, *, approved: bool = True, emergency: bool = False) -> dict:
    facts = pr_facts(pr, f"PR {pr}", merged_at=f"2026-11-0{seq + 1}T10:00:00Z", merge_sha=sha, approved=approved)
    if emergency:
        facts = pr_facts(
            pr, f"PR {pr}", merged_at=f"2026-11-0{seq + 1}T10:00:00Z", merge_sha=sha, approved=False, emergency=True
        )
    return evaluation_statement(evaluate(POLICY, facts), facts, DIGEST, kind="merge", context=RECORD, seq=seq, prev="p")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    repo = GitRepo(tmp_path_factory.mktemp("deploy") / "app")
    before = repo.commit("before changeproof")  # no ledger record: predates the ledger
    m1 = repo.merge("pr1", "Merge pull request #1")
    m2 = repo.merge("pr2", "Merge pull request #2")
    m3 = repo.merge("pr3", "Merge pull request #3")  # failed its evaluation
    direct = repo.commit("direct push")  # recorded as an exception
    m5 = repo.merge("pr5", "Merge pull request #5")  # emergency, closed by a retrospective
    m6 = repo.merge("pr6", "Merge pull request #6")  # emergency, still open
    unrecorded = repo.commit("pushed while the record job was down")
    m8 = repo.merge("pr8", "Merge pull request #8")
    off = repo.side("hotfix", "hotfix never merged")
    statements = [
        merge_statement(0, 1, m1),
        merge_statement(1, 2, m2),
        merge_statement(2, 3, m3, approved=False),
        exception_statement(
            repository="acme/payments",
            reason="direct push",
            commits=(direct,),
            before=m3,
            after=direct,
            observed_at="2026-11-04T10:00:00Z",
            tool_version="t",
            context=RECORD,
            seq=3,
            prev="p",
        ),
        merge_statement(4, 5, m5, emergency=True),
        merge_statement(5, 6, m6, emergency=True),
        merge_statement(6, 8, m8),
    ]
    # a later entry of PR 5 with an independent approval after the merge, on the merged head
    # (the core's rule, as the export applies it), closes its emergency
    head = pr_facts(5, "PR 5", merged_at="2026-11-05T10:00:00Z", merge_sha=m5).head_sha
    late = pr_facts(
        5,
        "PR 5",
        merged_at="2026-11-05T10:00:00Z",
        merge_sha=m5,
        approved=False,
        emergency=True,
        reviews=(review("carol", head, "2026-11-06T09:00:00Z"),),
    )
    statements.append(
        evaluation_statement(evaluate(POLICY, late), late, DIGEST, kind="merge", context=RECORD, seq=7, prev="p")
    )
    index = LedgerIndex.of((i, f"h{i}", s) for i, s in enumerate(statements))
    line = Line.of(first_parent_line(repo.path, "main"))
    names = dict(before=before, m1=m1, m2=m2, m3=m3, direct=direct, m5=m5, m6=m6, unrecorded=unrecorded, m8=m8, off=off)
    return {"repo": repo, "index": index, "line": line, **names}


def run(world: dict, shas: list[str], environment: str = "production") -> list:
    earlier: list[tuple[str, str]] = []
    items = []
    for n, name in enumerate(shas, start=1):
        sha = world[name]
        deployment = Deployment("github", "acme/payments", environment, str(n), sha)
        items.append((deployment, ship(sha, world["line"], earlier, world["index"])))
        earlier.append((str(n), sha))
    return judge_all(items, world["index"])


CASES = [
    # (deployed in order, per deployment: (changes by name, baseline, rollback, traced, untraced by name))
    pytest.param(["m2"], [(["m1", "m2"], None, False, True, [])], id="first deployment covers the recorded merges"),
    pytest.param(
        ["m2", "m3"],
        [(["m1", "m2"], None, False, True, []), (["m3"], "1", False, False, ["m3"])],
        id="a merge that failed its evaluation",
    ),
    pytest.param(
        ["m2", "m5"],
        [(["m1", "m2"], None, False, True, []), (["m3", "direct", "m5"], "1", False, False, ["m3", "direct"])],
        id="direct push and failed merge untraced, closed emergency traced",
    ),
    pytest.param(
        ["m5", "m8"],
        [
            (["m1", "m2", "m3", "direct", "m5"], None, False, False, ["m3", "direct"]),
            (["m6", "unrecorded", "m8"], "1", False, False, ["m6", "unrecorded"]),
        ],
        id="open emergency and unrecorded commit untraced",
    ),
    pytest.param(
        ["m1", "m2", "m1"],
        [(["m1"], None, False, True, []), (["m2"], "1", False, True, []), ([], "2", True, True, [])],
        id="rollback to a traced deployment",
    ),
    pytest.param(
        ["m3", "m8", "m3"],
        [
            (["m1", "m2", "m3"], None, False, False, ["m3"]),
            (["direct", "m5", "m6", "unrecorded", "m8"], "1", False, False, ["direct", "m6", "unrecorded"]),
            ([], "2", True, False, ["m3"]),
        ],
        id="rollback to an untraced deployment",
    ),
    pytest.param(
        ["m8", "m2", "m5"],
        [
            (None, None, False, False, None),
            ([], "1", True, True, []),
            (["m3", "direct", "m5"], "2", False, False, ["m3", "direct"]),
        ],
        id="rollback to a sha never deployed: judged by the commits it covers",
    ),
    pytest.param(
        ["m8", "m5"],
        [(None, None, False, False, None), ([], "1", True, False, ["m3", "direct"])],
        id="rollback to a sha never deployed whose commits are not all traced",
    ),
    pytest.param(
        ["m1", "off", "m2"],
        [(["m1"], None, False, True, []), (["off"], "1", False, False, ["off"]), (["m2"], "2", False, True, [])],
        id="a sha off the default branch is an exception of its own",
    ),
    pytest.param(
        ["m1", "m1"], [(["m1"], None, False, True, []), ([], "1", False, True, [])], id="a redeploy ships nothing"
    ),
    pytest.param(
        ["m2", "m3", "off", "m2"],
        [
            (["m1", "m2"], None, False, True, []),
            (["m3"], "1", False, False, ["m3"]),
            (["off"], "2", False, False, ["off"]),
            ([], "3", True, True, []),
        ],
        id="after an off-branch deployment a rollback is judged against the last one on the line",
    ),
    pytest.param(
        ["m3", "m1", "m3"],
        [(["m1", "m2", "m3"], None, False, False, ["m3"]), ([], "1", True, True, []), ([], "2", False, False, ["m3"])],
        id="forward again after a rollback ships nothing new and is judged as before",
    ),
]


@pytest.mark.parametrize(("shas", "expected"), CASES)
def test_shipped_changes_and_traced(world: dict, shas: list[str], expected: list) -> None:
    results = run(world, shas)
    assert len(results) == len(expected)
    for result, (changes, baseline, rollback, traced, untraced) in zip(results, expected, strict=True):
        if changes is None:
            continue
        shipped = [c.sha for c in result.changes]
        assert shipped == [world[n] for n in changes]
        assert result.shipment.baseline == baseline
        assert result.shipment.rollback is rollback
        assert result.traced is traced
        assert list(result.untraced_changes) == [world[n] for n in untraced]


def test_each_change_names_its_record(world: dict) -> None:
    (first, second) = run(world, ["m2", "m5"])
    assert [(c.record, c.pr, c.seq, c.entry_hash, c.verdict) for c in first.changes] == [
        ("merge", 1, 0, "h0", "pass"),
        ("merge", 2, 1, "h1", "pass"),
    ]
    m3, direct, m5 = second.changes
    assert (m3.verdict, m3.traced) == ("fail", False)
    assert (direct.record, direct.seq, direct.note) == ("exception", 3, "direct push")
    assert (m5.verdict, m5.traced) == ("emergency", True)
    assert "carol" in m5.note


def test_environments_are_independent(world: dict) -> None:
    staging = Deployment("github", "acme/payments", "staging", "9", world["m8"])
    production = Deployment("github", "acme/payments", "production", "10", world["m2"])
    items = [
        (staging, ship(world["m8"], world["line"], [], world["index"])),
        (production, ship(world["m2"], world["line"], [], world["index"])),
    ]
    s, p = judge_all(items, world["index"])
    assert p.shipment.baseline is None and [c.sha for c in p.changes] == [world["m1"], world["m2"]]
    assert len(s.changes) == 8


def test_commits_resolve_only_when_they_exist(world: dict) -> None:
    repo: Path = world["repo"].path
    assert resolve_commit(repo, world["m1"][:10]) == world["m1"]
    assert resolve_commit(repo, "0" * 40) is None
    assert resolve_commit(repo, "--all") is None
