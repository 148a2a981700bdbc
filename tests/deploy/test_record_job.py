"""The record job's scheduled run, through the real entrypoint: it records deployments to the
environments the default branch's policy names, and ingests claim files from the `claims` input."""

from __future__ import annotations

import sys
from pathlib import Path

from deploy_support import BRANCH, GitRepo, Recorder, bare_repo, make_keys, pr_facts, run_cli, run_record_job

sys.path.append(str(Path(__file__).resolve().parents[1] / "github"))
sys.path.append(str(Path(__file__).resolve().parents[1]))
from fakegithub import deployments as gh
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import run_action

from checker.evidence import load_signer, read_entries

REPO = "acme/web"
POLICY = "version: 1\nextends: baseline\ndeployments:\n  environments: [production]\n"


def test_scheduled_record_run_records_deployments_and_claims(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    repo = GitRepo(run_dir / "workspace")  # the checkout (fetch-depth: 0)
    m1 = repo.merge("pr1", "Merge pull request #1")
    m2 = repo.merge("pr2", "Merge pull request #2")
    ledger = bare_repo(tmp_path / "ledger.git")
    keys = make_keys(tmp_path / "keys")
    deployer = make_keys(tmp_path / "keys", "deployer")
    recorder = Recorder(ledger, load_signer("key", str(keys.private)))
    recorder.record(pr_facts(1, "one", merged_at="2026-11-01T10:00:00Z", merge_sha=m1, repository=REPO))
    recorder.record(pr_facts(2, "two", merged_at="2026-11-02T10:00:00Z", merge_sha=m2, repository=REPO))
    (repo.path / ".github").mkdir()
    (repo.path / ".github" / "changeproof.yml").write_text(POLICY)
    (repo.path / "claims").mkdir()
    claimed = run_cli(
        "attest", "deployment", "--environment", "production", "--sha", m2, "--key", str(deployer.private),
        "--artifact", "sha256:" + "d" * 64, "--out", str(repo.path / "claims" / "lambda.json"),
        "--repository", REPO, "--repo", str(repo.path),
    )  # fmt: skip
    assert claimed.returncode == 0, claimed.stderr
    data = {
        "repos": {
            REPO: {
                "repo": sc.repo_obj(REPO),
                "pulls": {},
                "contents": {"main": {".github/changeproof.yml": POLICY}},
                "deployments": [
                    gh.deployment(REPO, 7, m1, "production", "dana", "2026-11-03T09:00:00Z"),
                    gh.deployment(REPO, 8, m2, "staging", "dana", "2026-11-03T10:00:00Z"),
                ],
                "deployment_statuses": {
                    "7": [gh.status(REPO, 7, 71, "success", "2026-11-03T09:05:00Z", 900, "production")],
                    "8": [gh.status(REPO, 8, 81, "success", "2026-11-03T10:05:00Z", 901, "staging")],
                },
                "environments": {"production": {"environment": gh.environment(REPO, "production", ["carol"], True)}},
                "run_approvals": {"900": [gh.approval(REPO, "production", "carol")]},
            }
        }
    }
    fake = FakeGitHub(data).start()
    inputs = {
        "signing-key": keys.private.read_text(),
        "ledger-repository": str(ledger),
        "claims": "claims",
        "job": "record",
    }
    try:
        run = run_action(run_dir, fake.base_url, "workflow_dispatch", {"repository": sc.repo_obj(REPO)}, inputs=inputs)
    finally:
        fake.stop()
    assert run.code == 0, run.stdout + run.stderr
    assert "changeproof deployments: 2 recorded" in run.summary
    kinds = [
        (e.predicate.get("source"), e.predicate.get("sha"))
        for e in read_entries(str(ledger), BRANCH)
        if e.predicate.get("kind") == "deployment"
    ]
    assert kinds == [("github", m1), ("claim", m2)]
    assert {r["method"] for r in fake.requests} == {"GET"}
    assert not any("staging" in r["query"] for r in fake.requests)
    # the auditor: the claim counts once its deployer is trusted, and what it shipped is traced
    out = run_cli(
        "trace", "--artifact", "sha256:" + "d" * 64, "--ledger", str(ledger), "--branch", BRANCH,
        "--key", str(keys.public), "--deployer-key", str(deployer.public),
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "deployment claim-" in out.stdout and "baseline 7" in out.stdout


def test_a_forbidden_deployments_api_is_recorded_as_unobservable(tmp_path: Path) -> None:
    forbidden = {"path": r"/deployments$", "status": 403, "body": {"message": "Resource not accessible by integration"}}
    run, ledger, _ = run_record_job(tmp_path, REPO, POLICY, faults=(forbidden,))
    assert run.code == 0, run.stdout + run.stderr
    assert "changeproof deployments: 0 recorded" in run.summary
    assert "recorded as entry 1: deployments to production unobservable from the first deployment" in run.summary
    assert r"GitHub answered 403 \(needs \`deployments\: read\`\)" in run.summary  # escaped Markdown
    entries = list(read_entries(str(ledger), BRANCH))
    [gap] = [e for e in entries if e.predicate.get("kind") == "deployments-unobservable"]
    assert gap.seq == 1 and (gap.predicate["environment"], gap.predicate["since"]) == ("production", None)
    assert gap.predicate["reasons"] == ["deployments to production: GitHub answered 403 (needs `deployments: read`)"]
    assert gap.predicate["run"]["job"] == "record"
