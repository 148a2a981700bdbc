"""API faults: retried when GitHub says so, clear errors otherwise, and never a pass by accident."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import pr_event, run_action

SECONDARY = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


def nothing_passed(run: Any, fake: FakeGitHub) -> None:
    assert run.outputs["verdict"] == "error"
    assert all(s["state"] != "success" for s in fake.writes("statuses"))
    assert "Nothing was recorded as passing" in run.summary
    assert run.report()["evaluations"] == []


def test_502_then_success_is_retried(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(path=r"/pulls/7$", status=502, body="<html>Bad Gateway</html>", raw=True)
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert run.code == 0 and run.outputs["verdict"] == "pass"
    assert len(fake.calls("GET", "/pulls/7")) >= 2
    assert [r["path"] for r in fake.requests[:2]] == ["/repos/acme/web/pulls/7"] * 2


def test_secondary_rate_limit_honours_retry_after(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(
        path=r"/pulls/7/reviews$",
        status=403,
        body=SECONDARY,
        headers={"Retry-After": "1", "X-RateLimit-Remaining": "800"},
    )
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert run.code == 0 and run.outputs["verdict"] == "pass"
    first, second = fake.calls("GET", "/pulls/7/reviews")[:2]
    assert second["time"] - first["time"] >= 0.9


def test_retry_after_longer_than_allowed_fails_as_infrastructure(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(path=r"/pulls/7/reviews$", status=403, body=SECONDARY, headers={"Retry-After": "3600"})
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert run.code == 3 and "retry after 3600s" in run.stdout
    nothing_passed(run, fake)


def test_persistent_5xx_is_infrastructure_and_marks_the_status_error(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(path=r"/check-runs$", status=502, body="<html>Bad Gateway</html>", raw=True, times=50)
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert run.code == 3
    assert "could not reach GitHub" in run.stdout or "502" in run.stdout
    nothing_passed(run, fake)
    assert [s["state"] for s in fake.writes("statuses")] == ["error"]
    assert fake.writes("statuses")[0]["sha"] == sc.HEAD_SHA


def test_401_says_the_token_is_wrong(scenario: dict[str, Any], tmp_path: Path) -> None:
    scenario["valid_tokens"] = ["some-other-token"]
    fake = FakeGitHub(scenario).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
        assert run.code == 2
        assert "401 Bad credentials" in run.stdout and "github-token" in run.stdout
        assert "ghs_faketoken1234567890" not in run.stdout.replace("::add-mask::ghs_faketoken1234567890", "")
        nothing_passed(run, fake)
    finally:
        fake.stop()


def test_body_that_is_not_json(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_fault(path=r"/pulls/7$", status=200, body="<html>captive portal</html>", raw=True)
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert run.code == 3 and "not JSON" in run.stdout and "api-url" not in run.stderr
    nothing_passed(run, fake)


def test_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = run_action(tmp_path, f"http://127.0.0.1:{port}", "pull_request", pr_event())
    assert run.code == 3 and "could not reach GitHub" in run.stdout
    assert run.outputs["verdict"] == "error" and "Nothing was recorded as passing" in run.summary


def test_404_repository_names_the_input_and_permission(fake: FakeGitHub, tmp_path: Path) -> None:
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event(), extra_env={"GITHUB_REPOSITORY": "acme/nope"})
    assert run.code == 2 and "pull-requests: read" in run.stdout
    nothing_passed(run, fake)


def test_primary_rate_limit_exhausted_fails_fast_as_infrastructure(fake: FakeGitHub, tmp_path: Path) -> None:
    import time

    fake.add_fault(
        path=r"/pulls/7/files$",
        status=403,
        times=10,
        body={
            "message": "API rate limit exceeded for installation ID 1.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 3000)},
    )
    started = time.time()
    run = run_action(tmp_path, fake.base_url, "pull_request", pr_event())
    assert time.time() - started < 60
    assert run.code == 3 and "rate limit" in run.stdout.lower()
    nothing_passed(run, fake)
