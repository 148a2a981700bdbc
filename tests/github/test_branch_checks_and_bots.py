"""Checks the base branch's rulesets require, and reviews by bots, collected from the fake GitHub.

Issue 10, items 1 and 4: with no policy file (the baseline profile) a failing check that a ruleset
requires fails the PR; a ruleset's `integration_id` pins the app that must report the check; a
bot the policy trusts counts as having write access (no collaborator lookup, which fails for an
App's bot), any other bot is not a collaborator.
"""

from __future__ import annotations

from typing import Any

from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub

from checker.evaluate import evaluate
from checker.github.api import Api
from checker.github.collector import Collector, Target
from checker.model import TRUSTED_BOT, Status, Verdict
from checker.policy import policy_for_facts

CI_APP_ID = 15368


def run(scenario: dict[str, Any]) -> tuple[Any, Any, FakeGitHub]:
    server = FakeGitHub(scenario).start()
    try:
        facts = Collector(Api("ghs_token", server.base_url)).collect(Target(sc.REPO, 7))
    finally:
        server.stop()
    return facts, evaluate(policy_for_facts(facts), facts), server


def result(evaluation: Any, control: str) -> Any:
    return next(r for r in evaluation.results if r.control == control)


def baseline_with_ruleset_checks(scenario: dict[str, Any], tests_conclusion: str) -> dict[str, Any]:
    """No policy file; the main ruleset requires `build` and `tests` (and the gate's own check)."""
    repo = scenario["repos"][sc.REPO]
    for files in repo["contents"].values():
        files.pop(".github/changeproof.yml", None)
    required = next(r for r in repo["rules"]["main"] if r["type"] == "required_status_checks")
    required["parameters"]["required_status_checks"] = [
        {"context": "changeproof", "integration_id": CI_APP_ID},
        {"context": "build"},
        {"context": "tests", "integration_id": CI_APP_ID},
    ]
    repo["check_runs"][sc.HEAD_SHA] = [
        sc.check_run(21, "build", sc.HEAD_SHA),
        sc.check_run(22, "tests", sc.HEAD_SHA, conclusion=tests_conclusion),
    ]
    return scenario


def test_baseline_fails_a_pr_whose_ruleset_required_check_failed(scenario: dict[str, Any]) -> None:
    facts, evaluation, _ = run(baseline_with_ruleset_checks(scenario, "failure"))
    assert facts.policy.base.state == "absent"
    checks = result(evaluation, "required_checks")
    assert checks.status is Status.FAIL and checks.mode.value == "enforce"
    assert "tests (from app 15368) concluded failure" in checks.message
    assert evaluation.verdict is Verdict.FAIL
    required = {c["name"]: c for c in checks.observed["required"]}
    # The gate's own check is what the ruleset waits for; it is never evidence for itself.
    assert set(required) == {"build", "tests"} and required["tests"]["app_id"] == CI_APP_ID
    assert facts.branch_rules.required_checks[2].integration_id == CI_APP_ID


def test_baseline_passes_when_the_ruleset_checks_succeed_and_says_what_it_could_not_read(
    scenario: dict[str, Any],
) -> None:
    _, evaluation, _ = run(baseline_with_ruleset_checks(scenario, "success"))
    checks = result(evaluation, "required_checks")
    assert checks.status is Status.PASS, checks.message
    # GITHUB_TOKEN cannot read classic protection: no claim about the checks it may require.
    assert "classic branch protection of acme/web@main could not be read" in checks.message
    assert "no claim is made about the checks it may require" in checks.message
    assert checks.observed["unread_rules"]


def test_a_check_from_another_app_does_not_satisfy_a_pinned_ruleset_check(scenario: dict[str, Any]) -> None:
    baseline_with_ruleset_checks(scenario, "success")
    runs = scenario["repos"][sc.REPO]["check_runs"][sc.HEAD_SHA]
    runs[1]["app"] = {**runs[1]["app"], "id": 999, "slug": "impostor"}
    _, evaluation, _ = run(scenario)
    checks = result(evaluation, "required_checks")
    assert checks.status is Status.PENDING
    assert "tests (from app 15368) has not reported yet; ignored impostor's 'tests'" in checks.message


def test_classic_protection_checks_count_when_readable(scenario: dict[str, Any]) -> None:
    baseline_with_ruleset_checks(scenario, "success")
    repo = scenario["repos"][sc.REPO]
    repo["protection"]["main"] = {
        "url": f"{sc.API}/repos/{sc.REPO}/branches/main/protection",
        "required_status_checks": {
            "strict": False,
            "contexts": ["lint"],
            "checks": [{"context": "lint", "app_id": -1}],
        },
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
    }
    _, evaluation, _ = run(scenario)
    checks = result(evaluation, "required_checks")
    assert checks.status is Status.PENDING and "lint has not reported yet" in checks.message
    assert "could not be read" not in checks.message


def bot_review(scenario: dict[str, Any], login: str, trusted: list[str]) -> dict[str, Any]:
    repo = scenario["repos"][sc.REPO]
    policy = sc.POLICY + f"trusted_bots: {trusted}\n"
    for files in repo["contents"].values():
        files[".github/changeproof.yml"] = policy
    reviews = repo["pulls"]["7"]["reviews"]
    reviews[:] = [r for r in reviews if r["user"]["login"] != "erin"]
    reviews.append(sc.review(30, login, "APPROVED", sc.HEAD_SHA, "2026-11-20T12:50:00Z", kind="Bot"))
    return scenario


def test_a_trusted_bot_counts_as_having_write_access(scenario: dict[str, Any]) -> None:
    facts, evaluation, server = run(bot_review(scenario, "renovate[bot]", ["renovate[bot]"]))
    review = next(r for r in facts.reviews if r.reviewer == "renovate[bot]")
    assert review.reviewer_is_bot and review.reviewer_permission == TRUSTED_BOT
    assert not server.calls("GET", "/collaborators/renovate")  # an App's bot is no collaborator
    peer = result(evaluation, "peer_review")
    assert peer.status is Status.PASS and "renovate[bot]" in str(peer.observed), peer.message


def test_a_bot_the_policy_does_not_trust_exactly_is_not_a_collaborator(scenario: dict[str, Any]) -> None:
    facts, evaluation, server = run(bot_review(scenario, "renovate-evil[bot]", ["renovate[bot]"]))
    review = next(r for r in facts.reviews if r.reviewer == "renovate-evil[bot]")
    assert review.reviewer_permission == "none"
    assert not server.calls("GET", "/collaborators/renovate")
    peer = result(evaluation, "peer_review")
    assert peer.status is Status.FAIL and "1 of 2 required approvals" in peer.message
