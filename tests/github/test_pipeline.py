"""The gate runs each step once: one parse of the policy file per pull request."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fakegithub.server import FakeGitHub
from ghaction import FAST_ENV, pr_event

import checker.policy as policy_mod
from checker.github.action import main


def _env(tmp_path: Path, api_url: str, event: dict[str, Any]) -> dict[str, str]:
    (tmp_path / "event.json").write_text(json.dumps(event))
    for name in ("output", "summary"):
        (tmp_path / name).write_text("")
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": "acme/web",
        "GITHUB_API_URL": api_url,
        "GITHUB_SERVER_URL": f"file://{tmp_path}/no-server",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "INPUT_GITHUB-TOKEN": "ghs_faketoken1234567890",
        **FAST_ENV,
    }


def test_the_gate_parses_the_policy_file_once(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real_parse = policy_mod.parse

    def counting_parse(text: str, file: str) -> Any:
        parsed.append(file)
        return real_parse(text, file)

    monkeypatch.setattr(policy_mod, "parse", counting_parse)
    out = io.StringIO()
    code = main(_env(tmp_path, fake.base_url, pr_event()), out=out)
    assert code == 0, out.getvalue()
    assert "verdict=pass" in out.getvalue()
    policy_files = [f for f in parsed if f.startswith(".github/changeproof.yml")]
    assert len(policy_files) == 1, parsed
    # ... and each step's REST reads happen once: the base policy file is fetched once.
    assert len(fake.calls("GET", "/contents/.github/changeproof.yml")) == 1
