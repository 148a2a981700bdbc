"""Which merge record accounts for each shipped commit, for GitHub's three merge methods, on a real
git repository: a merge commit, a squash (one commit each), and a rebase merge, whose N commits
on the default branch all map to the PR's one merge record (its `merge_commit_sha` is the last).
Where the record cannot say (a truncated commit list), the rebased commits stay untraced, with
the reason; an unrecorded direct push just before a merge is never taken for one of its commits."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from deploy_support import BRANCH, MergeMethods, Recorder, bare_repo, make_keys, pr_facts, run_cli

from checker.evidence import load_signer, read_entries
from checker.model import Commit, Person

REPO = "acme/payments"
POLICY = "version: 1\nextends: baseline\ndeployments:\n  environments: [production]\n"
DEV = "dev@example.com"


def facts_commits(commits: list[tuple[str, str]], base: str) -> tuple[Commit, ...]:
    """The PR's commits as the record job's facts list them (from the API: pre-rebase shas)."""
    who = Person("Author", DEV, "author")
    parents = [base, *(sha for sha, _ in commits[:-1])]
    return tuple(
        Commit(sha, who, who, (parent,), message) for (sha, message), parent in zip(commits, parents, strict=True)
    )


@pytest.fixture
def world(tmp_path: Path) -> dict:
    repo = MergeMethods(tmp_path / "app")
    (repo.path / ".github").mkdir()
    (repo.path / ".github" / "changeproof.yml").write_text(POLICY)
    repo.git("add", ".")
    repo.git("commit", "-q", "-m", "policy")
    ledger = bare_repo(tmp_path / "ledger.git")
    keys = make_keys(tmp_path / "keys")
    recorder = Recorder(ledger, load_signer("key", str(keys.private)))
    base = repo.git("rev-parse", "HEAD")
    rebase_pr = repo.branch("pr3", ["split the gateway", "wip", "done"], DEV)  # opened first, merged third
    merged_pr, merged_sha = repo.merge_commit("pr1", ["add the ledger", "fix the ledger"], DEV, "Merge pull request #1")
    squash_pr, squash_sha = repo.squash_merge("pr2", ["retry captures", "tests"], DEV, "Retry captures (#2)")
    rebased = repo.rebase(rebase_pr)
    direct = repo.commit("tests")  # a direct push, with the message of PR #4's last commit
    failed_pr, failed = repo.rebase_merge("pr4", ["speed up", "tests"], DEV)
    truncated_pr, truncated = repo.rebase_merge("pr5", ["one", "two"], DEV)
    prs = [
        (1, merged_pr, merged_sha, True, False),
        (2, squash_pr, squash_sha, True, False),
        (3, rebase_pr, rebased[-1], True, False),
        (4, failed_pr, failed[-1], False, False),
        (5, truncated_pr, truncated[-1], True, True),
    ]
    for n, commits, sha, approved, cut in prs:
        facts = pr_facts(
            n, f"PR {n}", merged_at=f"2026-11-0{n}T10:00:00Z", merge_sha=sha, approved=approved,
            commits=facts_commits(commits, base),
        )  # fmt: skip
        recorder.record(replace(facts, commits_truncated=cut))
    deployer = make_keys(tmp_path / "keys", "deployer")
    return dict(
        repo=repo, ledger=ledger, keys=keys, deployer=deployer, merged_sha=merged_sha, squash_sha=squash_sha,
        rebased=rebased, direct=direct, failed=failed, truncated=truncated, tmp=tmp_path,
    )  # fmt: skip


def attest(world: dict, sha: str, at: str, *extra: str) -> None:
    done = run_cli(
        "attest", "deployment", "--environment", "production", "--sha", sha, "--key", str(world["deployer"].private),
        "--ledger", str(world["ledger"]), "--branch", BRANCH, "--repository", REPO, "--repo", str(world["repo"].path),
        "--deployed-at", at, *extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def exported(world: dict) -> list[dict]:
    out = world["tmp"] / "export.json"
    done = run_cli(
        "export", "--ledger", str(world["ledger"]), "--branch", BRANCH, "--key", str(world["keys"].public),
        "--deployer-key", str(world["deployer"].public), "--format", "json", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())["deployments"][REPO]


def test_each_merge_method_maps_to_its_record(world: dict) -> None:
    attest(world, world["rebased"][-1], "2026-11-10T10:00:00Z")  # merge commit, squash, a 3-commit rebase
    [row] = exported(world)
    assert row["traced"] is True and row["untraced_changes"] == []
    shipped = [(c["sha"], c["record"], c["pr"], c["verdict"]) for c in row["changes"]]
    assert shipped[-5:] == [
        (world["merged_sha"], "merge", 1, "pass"),
        (world["squash_sha"], "merge", 2, "pass"),
        (world["rebased"][0], "merge", 3, "pass"),
        (world["rebased"][1], "merge", 3, "pass"),
        (world["rebased"][2], "merge", 3, "pass"),
    ]
    # the notes name the rebase, in the ledger's own entry too
    entry = [e for e in read_entries(str(world["ledger"]), BRANCH) if e.predicate.get("kind") == "deployment-claim"]
    fingerprints = entry[0].predicate["shipment"]["fingerprints"]
    assert set(world["rebased"]) <= set(fingerprints)


def test_failed_truncated_and_direct_pushes_stay_untraced(world: dict) -> None:
    attest(world, world["rebased"][-1], "2026-11-10T10:00:00Z")
    attest(world, world["truncated"][-1], "2026-11-11T10:00:00Z")
    rows = exported(world)
    last = rows[-1]
    assert last["traced"] is False
    changes = {c["sha"]: c for c in last["changes"]}
    # PR 4 was rebase-merged and failed its evaluation: both of its commits carry its verdict
    assert [(changes[s]["record"], changes[s]["pr"], changes[s]["verdict"]) for s in world["failed"]] == [
        ("merge", 4, "fail"),
        ("merge", 4, "fail"),
    ]
    # the direct push carries PR 4's last message, but is not one of its commits: unrecorded
    assert (changes[world["direct"]]["record"], changes[world["direct"]]["pr"]) == ("unrecorded", None)
    # PR 5's record lists a truncated commit list: its first commit cannot be placed
    first, merge = world["truncated"]
    assert (changes[first]["record"], changes[merge]["record"], changes[merge]["pr"]) == ("unrecorded", "merge", 5)
    assert "does not list all its commits" in changes[first]["note"]  # the export says why
    assert changes[merge]["verdict"] != "pass"  # a truncated commit list fails its evaluation too (fail closed)
    assert set(last["untraced_changes"]) == {world["direct"], *world["failed"], first, merge}


def test_trace_names_the_rebase_and_why_a_commit_could_not_be_placed(world: dict) -> None:
    artifact = "sha256:" + "0" * 64
    attest(world, world["truncated"][-1], "2026-11-10T10:00:00Z", "--artifact", artifact)
    done = run_cli(
        "trace", "--artifact", artifact, "--ledger", str(world["ledger"]), "--branch", BRANCH,
        "--key", str(world["keys"].public), "--deployer-key", str(world["deployer"].public), "--format", "json",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # some changes untraced
    notes = {c["sha"]: c["note"] for c in json.loads(done.stdout)["deployments"][0]["changes"]}
    merge3 = world["rebased"][2][:12]
    assert [notes[s] for s in world["rebased"][:2]] == [
        f"commit 1 of 3 rebase-merged as {merge3}",
        f"commit 2 of 3 rebase-merged as {merge3}",
    ]
    assert notes[world["rebased"][2]] == ""
    assert "PR #5's record (entry 4) does not list all its commits" in notes[world["truncated"][0]]
    assert notes[world["direct"]] == "no ledger entry records this commit"


def test_a_deployment_of_a_commit_in_the_middle_of_a_rebase_is_untraced_until_the_pr_ships(world: dict) -> None:
    attest(world, world["rebased"][1], "2026-11-10T10:00:00Z")  # the PR's second commit, before its last
    attest(world, world["rebased"][2], "2026-11-11T10:00:00Z")
    first, second = exported(world)
    assert first["traced"] is False and first["untraced_changes"] == world["rebased"][:2]
    assert second["traced"] is True and [c["sha"] for c in second["changes"]] == [world["rebased"][2]]
