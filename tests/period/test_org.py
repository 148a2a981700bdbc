"""The whole organisation: `org plan` against a local GitHub with 52 repositories (2 archived),
each matrix entry run as its own process the way the central workflow runs it (the action's
scheduled record job: backfill, deployments, bypasses, retrospectives, posture) into one central
ledger repository, one ledger branch per repository, then one export over all of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from audit_helpers import ROOT, bare_repo, make_keys
from fakegithub.server import FakeGitHub
from period_world import APP_TOKEN, USERS, add_merged_pulls, repo_scenario

sys.path.append(str(ROOT / "tests" / "github"))
from ghaction import ActionRun, run_action

from checker.org.plan import Scope, chunks, ledger_branch, select

N = 52
WITH_MERGES = range(0, N - 2, 5)  # every fifth repository merged two PRs yesterday
YESTERDAY = (datetime.now(UTC) - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
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
    for i in WITH_MERGES:
        add_merged_pulls(repos[names[i]], names[i], YESTERDAY.strftime("%Y-%m-%dT%H:%M:%SZ"))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    scenario = {"repos": repos, "users": dict(USERS), "orgs": {"acme": names}, "now": now}
    fake = FakeGitHub({**scenario, "teams": {"acme/core": ["erin", "frank", "dave"]}})
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
    pem = key.private.read_text()

    def job(entry: dict[str, str]) -> ActionRun:
        """One matrix job: the README's central workflow step, `job: record` on its schedule."""
        here = tmp_path / "jobs" / entry["ledger_branch"].replace("/", "-")
        here.mkdir(parents=True)
        inputs = {
            "job": "record", "repository": entry["repository"], "ledger-branch": entry["ledger_branch"],
            "ledger-repository": str(central), "signing-key": pem, "backfill-days": "7", "github-token": APP_TOKEN,
        }  # fmt: skip
        event = {"schedule": "23 4 * * *", "repository": {"full_name": "acme/evidence", "default_branch": "main"}}
        central_repo = {
            "GITHUB_REPOSITORY": "acme/evidence",
            "GITHUB_WORKFLOW_REF": "acme/evidence/.github/workflows/evidence.yml@refs/heads/main",
        }
        return run_action(here, org_fake.base_url, "schedule", event, inputs=inputs, extra_env=central_repo)

    first_day = datetime.now(UTC).date()
    with ThreadPoolExecutor(max_workers=2) as pool:  # the matrix's max-parallel
        results = list(pool.map(job, matrix))
    last_day = datetime.now(UTC).date()
    for entry, result in zip(matrix, results, strict=True):
        assert result.code == 0, (entry, result.stdout[-2000:], result.stderr[-2000:])
        assert "### changeproof posture" in result.summary and "API calls this run: " in result.summary
    backfilled = {e["repository"]: len(r.report()["evaluations"]) for e, r in zip(matrix, results, strict=True)}
    with_merges = {f"acme/svc-{i:02d}" for i in WITH_MERGES}
    assert backfilled == {r: 2 if r in with_merges else 0 for r in backfilled}
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
        "export", *ledgers, "--key", str(key.public), "--posture-key", str(key.public),
        "--from", YESTERDAY.date().isoformat(), "--to", last_day.isoformat(), "--format", "json", "--out", str(out),
        base_url=org_fake.base_url,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    doc = json.loads(out.read_text())
    coverage = doc["coverage"]
    assert sorted(c["repository"] for c in coverage) == sorted(j["repository"] for j in matrix)
    days = (last_day - YESTERDAY.date()).days + 1
    assert {(c["days_in_period"], c["days_self_asserted"], c["days_observed"]) for c in coverage} == {(days, 1, 0)}
    assert first_day == last_day or days == 3  # (a run across midnight observes two days, one each)
    merged = sorted((r["repository"], r["pr"], r["verdict"]) for r in doc["rows"] if r["kind"] == "pr")
    assert merged == sorted((r, pr, v) for r in with_merges for pr, v in ((21, "pass"), (22, "fail")))
    kinds = subprocess.run(
        ["git", "--git-dir", str(central), "ls-tree", "-r", "--name-only", "ledger/svc-05", "entries"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert len(kinds) == 3  # two merge records, then the posture


def test_period_run_replays_one_repository_and_reports_the_rate_limit(org_fake: FakeGitHub, tmp_path: Path) -> None:
    """`changeproof period run`: the period steps of one repository from the command line (replays)."""
    central = bare_repo(tmp_path / "evidence.git")
    key = make_keys(tmp_path / "keys", "posture")
    result = cli(
        "period", "run", "--repository", "acme/svc-01", "--ledger", str(central), "--branch", "ledger/svc-01",
        "--key", str(key.private), "--now", "2026-11-01T06:00:00Z", base_url=org_fake.base_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["repository"] == "acme/svc-01" and summary["posture"]["seq"] == 0
    assert summary["rate_limit"]["calls"] > 0 and summary["bypasses"]["readable"] is True
    assert not [r for r in org_fake.requests if r["method"] != "GET"]
