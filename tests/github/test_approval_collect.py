"""The approval policy against the fake GitHub: comments, push time, workflow runs, organizations,
review requests (POST /pulls/{n}/requested_reviewers) and the issue_comment trigger."""

from __future__ import annotations

import io
from typing import Any

import pytest
from approval_fixtures import HEADER, with_policy
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub

from checker.evaluate import evaluate
from checker.github import events
from checker.github.api import Api
from checker.github.collector import Collector, Target
from checker.github.report import Reporter
from checker.model import Status
from checker.policy import policy_for_facts

POLICY = (
    HEADER
    + """\
    approval:
      - or:
        - an engineer said LGTM
        - two leads approved
  approval_rules:
    - name: an engineer said LGTM
      options:
        methods: {comments: ["LGTM"], github_review: false}
      requires:
        count: 1
        organizations: [acme]
    - name: two leads approved
      options:
        request_review: {enabled: true, mode: all-users}
      requires:
        count: 2
        users: [carol, erin, grace]
"""
)


def comment(cid: int, login: str, body: str, at: str, updated: str | None = None) -> dict[str, Any]:
    return {
        "id": cid,
        "issue": 7,
        "node_id": f"IC_{cid}",
        "url": f"{sc.API}/repos/{sc.REPO}/issues/comments/{cid}",
        "html_url": f"https://github.com/{sc.REPO}/pull/7#issuecomment-{cid}",
        "issue_url": f"{sc.API}/repos/{sc.REPO}/issues/7",
        "body": body,
        "user": sc.user(login),
        "created_at": at,
        "updated_at": updated or at,
        "author_association": "MEMBER",
    }


def activity(after: str, at: str) -> dict[str, Any]:
    return {
        "id": 1,
        "node_id": "RA_1",
        "before": sc.BASE_SHA,
        "after": after,
        "ref": "refs/heads/feature",
        "timestamp": at,
        "activity_type": "push",
        "actor": sc.user("dave"),
    }


def run(at: str) -> dict[str, Any]:
    return {
        "id": 77,
        "name": "CI",
        "path": ".github/workflows/ci.yml",
        "event": "pull_request",
        "status": "completed",
        "conclusion": "success",
        "head_sha": sc.HEAD_SHA,
        "created_at": at,
        "updated_at": at,
    }


@pytest.fixture
def scenario() -> dict[str, Any]:
    data = sc.typical()
    repo = data["repos"][sc.REPO]
    with_policy(data, POLICY)
    repo["comments"] = [
        comment(1, "frank", "LGTM", "2026-11-20T10:30:00Z"),  # before the push at 11:00
        comment(2, "erin", "LGTM!", "2026-11-20T11:05:00Z"),
    ]
    repo["activity"] = [activity(sc.HEAD_SHA, "2026-11-20T11:00:00Z")]
    repo["workflow_runs"] = [run("2026-11-20T11:01:00Z")]
    repo["permissions"].update({"grace": "admin"})
    repo["pulls"]["7"]["reviews"] = []
    data["orgs"] = {"acme": ["erin", "frank", "dave"]}
    return data


def collect(fake: FakeGitHub) -> Any:
    return Collector(Api("ghs_token", fake.base_url)).collect(Target(sc.REPO, 7))


def test_comment_after_the_push_approves(fake: FakeGitHub) -> None:
    facts = collect(fake)
    assert facts.approval.head_pushed_at == "2026-11-20T11:00:00Z"
    assert facts.approval.head_pushed_source == "activity"
    assert [c.author for c in facts.approval.comments] == ["frank", "erin"]
    assert facts.approval.workflow_runs[0].path == ".github/workflows/ci.yml"
    result = next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "approval_policy")
    assert result.status is Status.PASS, result.message
    rule = result.observed["rules"][0]
    assert rule["approvers"] == ["erin"]
    frank = next(c for c in rule["candidates"] if c["user"] == "frank")
    assert frank["category"] == "stale"


def test_push_time_falls_back_to_the_first_workflow_run(scenario: dict[str, Any]) -> None:
    scenario["repos"][sc.REPO]["activity"] = []
    server = FakeGitHub(scenario).start()
    try:
        facts = collect(server)
    finally:
        server.stop()
    assert (facts.approval.head_pushed_at, facts.approval.head_pushed_source) == (
        "2026-11-20T11:01:00Z",
        "workflow_run",
    )


def test_no_push_time_makes_comment_approvals_unobservable(scenario: dict[str, Any]) -> None:
    repo = scenario["repos"][sc.REPO]
    repo["activity"], repo["workflow_runs"] = [], []
    server = FakeGitHub(scenario).start()
    try:
        facts = collect(server)
    finally:
        server.stop()
    assert facts.approval.head_pushed_at is None
    result = next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "approval_policy")
    assert result.status is Status.UNOBSERVABLE
    assert "push time" in result.message


def test_membership_of_an_org_the_token_cannot_see_is_unobservable(scenario: dict[str, Any]) -> None:
    scenario["orgs"] = {"acme": "outside"}
    server = FakeGitHub(scenario).start()
    try:
        facts = collect(server)
    finally:
        server.stop()
    assert facts.approval.organizations[0].observable is False
    result = next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "approval_policy")
    assert result.status is Status.UNOBSERVABLE


def pending_scenario(scenario: dict[str, Any]) -> dict[str, Any]:
    scenario["repos"][sc.REPO]["comments"] = []
    return scenario


def test_request_review_once_per_head(scenario: dict[str, Any]) -> None:
    server = FakeGitHub(pending_scenario(scenario)).start()
    try:
        facts = collect(server)
        evaluation = evaluate(policy_for_facts(facts), facts)
        result = next(r for r in evaluation.results if r.control == "approval_policy")
        assert result.status is Status.PENDING
        assert result.observed["request_review"]["users"] == ["carol", "erin", "grace"]
        reporter = Reporter(Api("ghs_token", server.base_url), sc.REPO, out=io.StringIO())
        note = reporter.request_reviews(7, evaluation, facts, permitted=True)
        assert note == "Requested reviews from @carol, @erin, @grace (approval policy request_review)."
        writes = server.writes("requested_reviewers")
        assert writes == [{"number": 7, "reviewers": ["carol", "erin", "grace"], "team_reviewers": []}]
        again = collect(server)
        assert set(again.approval.requested_reviewers) == {"carol", "erin", "grace"}
        assert reporter.request_reviews(7, evaluate(policy_for_facts(again), again), again, permitted=True) == ""
        assert len(server.writes("requested_reviewers")) == 1
    finally:
        server.stop()


def test_request_review_without_write_permission_says_so(scenario: dict[str, Any]) -> None:
    scenario["repos"][sc.REPO]["deny_review_requests"] = True
    server = FakeGitHub(pending_scenario(scenario)).start()
    try:
        facts = collect(server)
        evaluation = evaluate(policy_for_facts(facts), facts)
        out = io.StringIO()
        reporter = Reporter(Api("ghs_token", server.base_url), sc.REPO, out=out)
        note = reporter.request_reviews(7, evaluation, facts, permitted=True)
        assert "were not made" in note and "pull-requests: write" in note
        fork_note = reporter.request_reviews(7, evaluation, facts, permitted=False)
        assert "cannot write pull requests" in fork_note
        assert server.writes("requested_reviewers") == []
    finally:
        server.stop()


def test_random_users_are_seeded_by_repository_pr_and_head(scenario: dict[str, Any]) -> None:
    text = POLICY.replace("mode: all-users", "mode: random-users, count: 1")
    pending_scenario(scenario)
    with_policy(scenario, text)
    server = FakeGitHub(scenario).start()
    try:
        facts = collect(server)
    finally:
        server.stop()
    picks = [
        next(r for r in evaluate(policy_for_facts(facts), facts).results if r.control == "approval_policy").observed[
            "request_review"
        ]["users"]
        for _ in range(3)
    ]
    assert len(picks[0]) == 1 and picks[0] == picks[1] == picks[2]
    assert picks[0][0] in {"carol", "erin", "grace"}


def test_issue_comment_event_evaluates_pull_requests_only() -> None:
    pr_comment = {
        "action": "created",
        "issue": {"number": 7, "pull_request": {"url": f"{sc.API}/repos/{sc.REPO}/pulls/7"}},
        "comment": {"id": 1, "body": "LGTM"},
        "repository": sc.repo_obj(),
    }
    event = events.parse("issue_comment", pr_comment)
    assert (event.job, event.numbers) == ("gate", (7,))
    plain = {**pr_comment, "issue": {"number": 8}}
    assert events.parse("issue_comment", plain).numbers == ()


def test_action_on_an_lgtm_comment_passes_and_explains(scenario: dict[str, Any], tmp_path: Any) -> None:
    """entrypoint.py on `issue_comment`: the comment approval is collected, counted and explained."""
    from ghaction import run_action

    server = FakeGitHub(scenario).start()
    try:
        payload = {
            "action": "created",
            "issue": {"number": 7, "pull_request": {"url": f"{sc.API}/repos/{sc.REPO}/pulls/7"}},
            "comment": {"id": 2, "body": "LGTM!", "user": sc.user("erin")},
            "repository": {**sc.repo_obj(), "default_branch": "main"},
        }
        run = run_action(tmp_path, server.base_url, "issue_comment", payload)
        assert run.code == 0, run.stdout + run.stderr
        assert "Approval policy" in run.summary
        assert "counted: erin (comment 2)" in run.summary
        assert "not counted: frank (comment 1): stale" in run.summary
        assert server.writes("statuses")[0]["state"] == "success"
        (tmp_path / "plain").mkdir()
        plain = run_action(tmp_path / "plain", server.base_url, "issue_comment", {**payload, "issue": {"number": 8}})
        assert plain.code == 0 and len(server.writes("statuses")) == 1
    finally:
        server.stop()
