"""has_valid_signatures_by(_keys) through GitHub's GraphQL API: the query is valid against GitHub's
official schema (npm @octokit/graphql-schema, as the fake server checks every query) and the
signer and key id it reads decide the predicates."""

from __future__ import annotations

from typing import Any

from approval_fixtures import HEADER, with_policy
from fakegithub import scenario as sc
from fakegithub.graphql import check_query
from fakegithub.server import FakeGitHub

from checker.evaluate import evaluate
from checker.github.api import Api
from checker.github.collector import Collector, Target
from checker.github.graphql_signatures import QUERY, graphql_url
from checker.model import Status
from checker.policy import policy_for_facts

POLICY = (
    HEADER
    + """\
    approval: [signed by the team, signed with the release key]
  approval_rules:
    - name: signed by the team
      if:
        has_valid_signatures_by: {users: [dave]}
    - name: signed with the release key
      requires:
        conditions:
          has_valid_signatures_by_keys: {key_ids: ["3AA5C34371567BD2"]}
"""
)


def test_the_query_is_valid_against_githubs_schema() -> None:
    assert check_query(QUERY) == []
    # The check is real: a field GitHub does not have is reported.
    assert check_query(QUERY.replace("keyId", "keyFingerprint"))


def test_graphql_url_for_github_and_enterprise_server() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3") == "https://ghe.example.com/api/graphql"


def gpg(signer: str | None, key: str = "3AA5C34371567BD2") -> dict[str, Any]:
    return {
        "__typename": "GpgSignature",
        "isValid": True,
        "signer": {"login": signer} if signer else None,
        "keyId": key,
    }


def scenario_with(signatures: dict[str, Any]) -> dict[str, Any]:
    data = sc.typical()
    repo = data["repos"][sc.REPO]
    with_policy(data, POLICY)
    repo["pulls"]["7"]["signatures"] = signatures
    return data


def outcome(data: dict[str, Any]) -> Any:
    server = FakeGitHub(data).start()
    try:
        facts = Collector(Api("ghs_token", server.base_url)).collect(Target(sc.REPO, 7))
        queries = [r["body"]["query"] for r in server.requests if r["path"].endswith("/graphql")]
        assert server.violations == []
    finally:
        server.stop()
    result = next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "approval_policy")
    return facts, result, queries


def commits() -> list[str]:
    return [c["sha"] for c in sc.typical()["repos"][sc.REPO]["pulls"]["7"]["commits"]]


def test_signed_by_the_team_with_the_release_key_is_approved() -> None:
    facts, result, queries = outcome(scenario_with({sha: gpg("dave") for sha in commits()}))
    assert facts.approval.signatures_observed
    assert queries and all(check_query(q) == [] for q in queries)
    assert result.status is Status.PASS, result.message


def test_another_signer_skips_the_rule_and_another_key_keeps_it_pending() -> None:
    shas = commits()
    _, result, _ = outcome(scenario_with({shas[0]: gpg("mallory", "FFFF0000FFFF0000"), shas[1]: gpg("dave")}))
    rules = {r["name"]: r for r in result.observed["rules"]}
    assert rules["signed by the team"]["status"] == "skipped"
    assert "mallory" in rules["signed by the team"]["reason"]
    assert rules["signed with the release key"]["status"] == "pending"
    assert "FFFF0000FFFF0000" in rules["signed with the release key"]["reason"]


def test_an_ssh_signature_is_not_a_gpg_key() -> None:
    shas = commits()
    ssh = {"__typename": "SshSignature", "isValid": True, "signer": {"login": "dave"}}
    _, result, _ = outcome(scenario_with({shas[0]: ssh, shas[1]: gpg("dave")}))
    rule = next(r for r in result.observed["rules"] if r["name"] == "signed with the release key")
    assert rule["status"] == "pending" and "not a GPG signature" in rule["reason"]


def test_unreadable_graphql_is_unobservable() -> None:
    data = scenario_with({sha: gpg("dave") for sha in commits()})
    data["faults"] = [{"path": "/graphql$", "status": 403, "method": "POST", "times": 10}]
    facts, result, _ = outcome(data)
    assert not facts.approval.signatures_observed
    assert result.status is Status.UNOBSERVABLE
