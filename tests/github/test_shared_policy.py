"""`extends: owner/repo:path@ref` from the command line, read through the (fake) GitHub API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakegithub.server import FakeGitHub
from ghaction import scenario_mod

ORG_POLICY = "version: 1\nextends: soc2\ncontrols:\n  peer_review: {min_approvals: 3}\n"


@pytest.fixture
def org_scenario() -> dict[str, Any]:
    data = scenario_mod.typical()
    shared = scenario_mod.clone(data["repos"][scenario_mod.REPO])
    shared["repo"] = scenario_mod.repo_obj("acme/policies")
    shared["contents"] = {"v1": {"changeproof/org.yml": ORG_POLICY}}
    data["repos"]["acme/policies"] = shared
    return data


def run(*args: str, api: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "ghs_test", "CHANGEPROOF_API_THROTTLE": "0"}
    return subprocess.run(
        [sys.executable, "-m", "checker", *args, "--api-url", api], capture_output=True, text=True, timeout=120, env=env
    )


def test_validate_and_explain_a_policy_extending_an_org_policy(org_scenario: dict[str, Any], tmp_path: Path) -> None:
    server = FakeGitHub(org_scenario).start()
    try:
        policy = tmp_path / "changeproof.yml"
        policy.write_text(
            "version: 1\nextends: acme/policies:changeproof/org.yml@v1\ncontrols:\n  change_ticket: {mode: off}\n"
        )
        ok = run("policy", "validate", str(policy), api=server.base_url)
        assert ok.returncode == 0, ok.stderr
        assert "acme/policies:changeproof/org.yml@v1" in ok.stdout
        explained = run("policy", "explain", str(policy), "--format", "json", api=server.base_url)
        assert '"min_approvals": 3' in explained.stdout
        policy.write_text("version: 1\nextends: acme/policies:changeproof/missing.yml@v1\n")
        missing = run("policy", "validate", str(policy), api=server.base_url)
        assert missing.returncode == 2 and "could not be read" in missing.stderr
        assert "Traceback" not in missing.stderr
    finally:
        server.stop()
