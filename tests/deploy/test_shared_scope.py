"""`deployments:` is inherited through `extends` like the policy's other sections: the environments
in scope are the union of the file's and every policy it extends (a shared organisation policy
puts production in scope; a repository can add staging, never drop production). Read by the
record job through the API and by `attest deployment` through `--api-url`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from deploy_support import BRANCH, GitRepo, make_keys, run_cli, run_record_job

sys.path.append(str(Path(__file__).resolve().parents[1] / "github"))
sys.path.append(str(Path(__file__).resolve().parents[1]))
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub

from checker import policy as policies
from checker.errors import PolicyError
from checker.evidence import read_entries

REPO = "acme/web"
ORG = "acme/policies:changeproof/org.yml@v1"
ORG_POLICY = "version: 1\nextends: soc2\ndeployments:\n  environments: [production]\n"
TEAM = "acme/policies:changeproof/team.yml@v1"
TEAM_POLICY = f"version: 1\nextends: {ORG}\ndeployments:\n  environments: [production, eu-production]\n"
SHARED = {ORG: ORG_POLICY, TEAM: TEAM_POLICY}


def scope(text: str) -> tuple[str, ...]:
    return policies.deployment_scope(text, "changeproof.yml", fetch=SHARED.get).environments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"version: 1\nextends: {ORG}\n", ("production",)),
        (f"version: 1\nextends: {ORG}\ndeployments:\n  environments: [staging]\n", ("production", "staging")),
        (f"version: 1\nextends: {ORG}\ndeployments:\n  environments: [production]\n", ("production",)),
        (f"version: 1\nextends: {TEAM}\n", ("production", "eu-production")),
        ("version: 1\nextends: soc2\n", ()),
        ("version: 1\ndeployments:\n  environments: [staging]\n", ("staging",)),
    ],
)
def test_environments_are_the_union_of_the_chain(text: str, expected: tuple[str, ...]) -> None:
    assert scope(text) == expected


def test_an_inherited_scope_is_located_at_extends() -> None:
    text = f"version: 1\n# the organisation's policy\nextends: {ORG}\n"
    found = policies.deployment_scope(text, "changeproof.yml", fetch=SHARED.get)
    assert (found.line, found.column) == (3, 10)
    with pytest.raises(PolicyError) as error:
        policies.require_environment(found, "staging")
    [problem] = error.value.problems
    assert (problem.line, problem.json_path) == (3, "$.deployments.environments")
    assert "lists production, not 'staging'" in problem.message


def test_an_unreadable_shared_policy_is_a_located_policy_error() -> None:
    with pytest.raises(PolicyError) as error:
        policies.deployment_scope(f"version: 1\nextends: {ORG}\n", "changeproof.yml", fetch=lambda ref: None)
    [problem] = error.value.problems
    assert problem.line == 2 and "could not be read" in problem.message


def shared_repo() -> dict:
    return {"repo": sc.repo_obj("acme/policies"), "pulls": {}, "contents": {"v1": {"changeproof/org.yml": ORG_POLICY}}}


def test_attest_deployment_reads_the_scope_of_a_shared_policy(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "app")
    m1 = repo.merge("pr1", "Merge pull request #1")
    policy = tmp_path / "changeproof.yml"
    policy.write_text(f"version: 1\nextends: {ORG}\n")
    deployer = make_keys(tmp_path / "keys", "deployer")
    fake = FakeGitHub({"repos": {"acme/policies": shared_repo()}}).start()
    try:

        def attest(environment: str):
            return run_cli(
                "attest", "deployment", "--environment", environment, "--sha", m1, "--key", str(deployer.private),
                "--out", str(tmp_path / f"{environment}.json"), "--repository", REPO, "--repo", str(repo.path),
                "--policy", str(policy), "--api-url", fake.base_url,
            )  # fmt: skip

        ok = attest("production")
        assert ok.returncode == 0, ok.stderr
        refused = attest("staging")
        assert refused.returncode == 2 and not (tmp_path / "staging.json").exists()
        assert f"{policy}:2:10" in refused.stderr and "lists production, not 'staging'" in refused.stderr
    finally:
        fake.stop()


def test_the_record_job_records_environments_a_shared_policy_names(tmp_path: Path) -> None:
    own = f"version: 1\nextends: {ORG}\n"  # no deployments section of its own
    run, ledger, _ = run_record_job(tmp_path, REPO, own, repos={"acme/policies": shared_repo()})
    assert run.code == 0, run.stdout + run.stderr
    assert "changeproof deployments: 1 recorded" in run.summary
    recorded = [e.predicate for e in read_entries(str(ledger), BRANCH) if e.predicate.get("kind") == "deployment"]
    assert [(p["environment"], p["deployment_id"], p["traced"]) for p in recorded] == [("production", "7", True)]
