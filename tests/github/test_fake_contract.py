"""The fake GitHub holds to GitHub's REST description: what it catches, and what it completes.

Every test that starts a `FakeGitHub` fails when the product sends a request, or the fake serves
a response, that `@octokit/openapi`'s `api.github.com.json` does not allow; these tests show the
check is real (each kind of violation fails, with a message naming the operation and the path).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from fakegithub import scenario as sc
from fakegithub.openapi import spec
from fakegithub.server import FakeGitHub, SpecViolation


def call(fake: FakeGitHub, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(fake.base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as answer:
            text = answer.read().decode()
    except urllib.error.HTTPError as error:
        text = error.read().decode()
    return json.loads(text) if text else None


def violations(scenario: dict[str, Any], method: str, path: str, body: Any = None) -> str:
    fake = FakeGitHub(scenario).start()
    call(fake, method, path, body)
    with pytest.raises(SpecViolation) as info:
        fake.stop()
    return str(info.value)


def test_a_well_formed_exchange_passes_and_the_answer_is_complete(fake: FakeGitHub) -> None:
    pull = call(fake, "GET", "/repos/acme/web/pulls/7")
    # Required by GitHub's pull-request schema, absent from the scenario: filled in from the schema.
    for name in ("node_id", "locked", "author_association", "auto_merge", "_links", "maintainer_can_modify"):
        assert name in pull
    assert pull["title"] == "Add the app module (WEB-12)" and pull["head"]["sha"] == sc.HEAD_SHA
    assert fake.violations == []


def test_an_undocumented_path_is_a_violation(scenario: dict[str, Any]) -> None:
    message = violations(scenario, "GET", "/repos/acme/web/pull/7")
    assert "GET /repos/acme/web/pull/7 is no operation of GitHub's REST API" in message


def test_an_undocumented_query_parameter_is_a_violation(scenario: dict[str, Any]) -> None:
    message = violations(scenario, "GET", "/repos/acme/web/pulls?state=open&head_sha=abc")
    assert "GET /repos/{owner}/{repo}/pulls (pulls/list): query parameter 'head_sha' is not documented" in message


def test_a_query_value_outside_the_documented_enum_is_a_violation(scenario: dict[str, Any]) -> None:
    message = violations(scenario, "GET", "/repos/acme/web/pulls?state=merged")
    assert "query parameter state: 'merged' is not one of ['open', 'closed', 'all']" in message


def test_a_request_body_github_would_reject_is_a_violation(scenario: dict[str, Any]) -> None:
    message = violations(scenario, "POST", f"/repos/acme/web/statuses/{sc.HEAD_SHA}", {"state": "passed"})
    assert "POST /repos/{owner}/{repo}/statuses/{sha} (repos/create-commit-status): request body.state" in message


def test_a_fake_answer_with_a_wrong_type_is_a_violation(scenario: dict[str, Any]) -> None:
    scenario["repos"]["acme/web"]["pulls"]["7"]["pull"]["number"] = "7"
    message = violations(scenario, "GET", "/repos/acme/web/pulls/7")
    assert "response 200 body.number: '7' is not of type 'integer'" in message


def test_an_undocumented_status_is_a_violation(scenario: dict[str, Any]) -> None:
    scenario["repos"]["acme/web"]["rules"]["main"] = "forbidden"  # the fake answers 403 with GitHub's error body
    fake = FakeGitHub(scenario).start()
    call(fake, "GET", "/repos/acme/web/rules/branches/main")
    fake.stop()  # an error in GitHub's basic-error shape is fine, documented per operation or not
    op, _ = spec().operation("GET", "/repos/acme/web/rules/branches/main") or (None, None)
    assert op is not None
    _, problems = op.complete_and_check(201, [])
    assert problems == [
        "GET /repos/{owner}/{repo}/rules/branches/{branch} (repos/get-branch-rules): status 201 is not documented "
        "(documented: ['200'])"
    ]


def test_undocumented_properties_are_not_served(fake: FakeGitHub) -> None:
    """The list endpoint serves GitHub's pull-request-simple: no `merged`, `commits`, `additions`."""
    listed = call(fake, "GET", "/repos/acme/web/pulls?state=open")
    assert listed[0]["number"] == 7 and "merged_at" in listed[0]
    assert not {"merged", "commits", "additions", "changed_files"} & set(listed[0])


def test_branch_names_with_slashes_and_the_enterprise_prefix_match_their_operation() -> None:
    found = spec().operation("GET", "/repos/acme/web/rules/branches/release/2026.1")
    assert found is not None and found[0].template == "/repos/{owner}/{repo}/rules/branches/{branch}"
    assert found[1]["branch"] == "release/2026.1"
    pulls = spec().operation("GET", "/repos/acme/web/commits/" + sc.HEAD_SHA + "/pulls")
    assert pulls is not None and pulls[0].template == "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"
