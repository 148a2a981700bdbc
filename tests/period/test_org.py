"""The whole organisation: `org plan` against a local GitHub with 52 repositories (2 archived),
each matrix entry's command run as its own process into one central ledger repository, one
ledger branch per repository, then one export over all of them."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from audit_helpers import ROOT, bare_repo, make_keys
from fakegithub.server import FakeGitHub
from period_world import APP_TOKEN, USERS, repo_scenario

from checker.org.plan import Scope, chunks, ledger_branch, select

N = 52
CLI = str(ROOT / ".venv" / "bin" / "changeproof")


def cli(*args: str, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_TOKEN": APP_TOKEN, "CHANGEPROOF_API_THROTTLE": "0", "GITHUB_API_URL": base_url}
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=False, env=env)


@pytest.fixture
def org_fake() -> FakeGitHub:
    names = [f"acme/svc-{i:02d}" for i in range(N)]
    repos = {n: repo_scenario(n) for n in names}
    for n in names[-2:]:
        repos[n]["repo"]["archived"] = True
    repos[names[0]]["repo"]["topics"] = ["soc2", "payments"]
    fake = FakeGitHub({"repos": repos, "users": dict(USERS), "orgs": {"acme": names}, "now": "2026-11-01T06:00:00Z"})
    fake.start()
    yield fake
    fake.stop()


def test_plan_selects_chunks_and_names_ledger_branches() -> None:
    repos = [
        {"full_name": "acme/a", "topics": ["soc2"]},
        {"full_name": "acme/b", "archived": True, "topics": ["soc2"]},
        {"full_name": "acme/c", "topics": []},
        {"full_name": "acme/sandbox-1", "topics": ["soc2"]},
    ]
    assert select(repos, Scope("acme", topics=("soc2",), exclude=("sandbox-*",))) == ["acme/a"]
    a, c, d = ({"repository": f"acme/{x}", "ledger_branch": f"ledger/{x}"} for x in "acd")
    assert chunks(["acme/a", "acme/c", "acme/d"], 2) == [{"include": [a, c]}, {"include": [d]}]
    assert ledger_branch("acme/web") == "ledger/web"


def test_fifty_repositories_one_ledger_each_nothing_lost(org_fake: FakeGitHub, tmp_path: Path) -> None:
    planned = cli("org", "plan", "--org", "acme", "--chunk", "20", base_url=org_fake.base_url)
    assert planned.returncode == 0, planned.stderr
    parts = [json.loads(line) for line in planned.stdout.splitlines()]
    assert [len(p["include"]) for p in parts] == [20, 20, 10]  # 52 minus the 2 archived
    matrix = [job for p in parts for job in p["include"]]
    assert len({j["repository"] for j in matrix}) == 50 and "acme/svc-51" not in {j["repository"] for j in matrix}
    topic = cli("org", "plan", "--org", "acme", "--topic", "payments", base_url=org_fake.base_url)
    assert json.loads(topic.stdout) == {"include": [{"repository": "acme/svc-00", "ledger_branch": "ledger/svc-00"}]}

    central = bare_repo(tmp_path / "evidence.git")
    key = make_keys(tmp_path / "keys", "posture")

    def job(entry: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return cli(
            "period", "run", "--repository", entry["repository"], "--ledger", str(central),
            "--branch", entry["ledger_branch"], "--key", str(key.private), "--now", "2026-11-01T06:00:00Z",
            base_url=org_fake.base_url,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:  # the matrix's max-parallel
        results = list(pool.map(job, matrix))
    for entry, result in zip(matrix, results, strict=True):
        assert result.returncode == 0, (entry, result.stderr)
        summary = json.loads(result.stdout)
        assert summary["repository"] == entry["repository"] and summary["posture"]["seq"] == 0
        assert summary["rate_limit"]["calls"] > 0
    calls = [json.loads(r.stdout)["rate_limit"]["calls"] for r in results]
    assert len(set(calls)) == 1  # the same work per repository: the budget is calls x repositories
    assert not [r for r in org_fake.requests if r["method"] != "GET"]

    branches = subprocess.run(
        ["git", "--git-dir", str(central), "for-each-ref", "--format=%(refname:short)", "refs/heads/ledger/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(branches) == sorted(j["ledger_branch"] for j in matrix)

    out = tmp_path / "all.json"
    ledgers = [a for j in matrix for a in ("--ledger", f"{central}#{j['ledger_branch']}")]
    exported = cli(
        "export", *ledgers, "--key", str(key.public), "--posture-key", str(key.public), "--from", "2026-11-01",
        "--to", "2026-11-01", "--format", "json", "--out", str(out), base_url=org_fake.base_url,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    coverage = json.loads(out.read_text())["coverage"]
    assert sorted(c["repository"] for c in coverage) == sorted(j["repository"] for j in matrix)
    assert {(c["days_in_period"], c["days_self_asserted"]) for c in coverage} == {(1, 1)}
