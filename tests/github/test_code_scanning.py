"""`code-scanning: true`: the gate uploads the IaC SARIF for refs/pull/N/head under one category,
gzip + base64, valid against the official SARIF 2.1.0 schema; a 403 is a warning, never a failure."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import ActionRun, pr_event, run_action
from test_iac_e2e import iac_scenario, make_server_repo

from checker.github.api import Api
from checker.github.code_scanning import CATEGORY, categorised, encode, upload_sarif

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / ".cache" / "sarif" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 schema (OASIS), from the npm package @microsoft/jest-sarif."""
    if not SCHEMA.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "setup" / "sarif.sh")], check=True)
    schema: dict[str, Any] = json.loads(SCHEMA.read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return schema


def assert_valid_sarif(sarif: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def gate(
    tmp_path: Path, *, inputs: dict[str, str], repo_options: dict[str, Any] | None = None
) -> tuple[ActionRun, list[dict[str, Any]], str]:
    base, head = make_server_repo(tmp_path)
    data = iac_scenario(base, head)
    data["repos"][sc.REPO].update(repo_options or {})
    fake = FakeGitHub(data).start()
    try:
        event = json.loads(json.dumps(pr_event()).replace(sc.BASE_SHA, base).replace(sc.HEAD_SHA, head))
        run = run_action(
            tmp_path,
            fake.base_url,
            "pull_request",
            event,
            inputs=inputs,
            extra_env={"GITHUB_SERVER_URL": f"file://{tmp_path}/server"},
            timeout=300,
        )
        return run, fake.writes("code_scanning"), head
    finally:
        fake.stop()


def test_the_gate_uploads_the_iac_sarif_for_the_pull_request_ref(tmp_path: Path, sarif_schema: dict[str, Any]) -> None:
    run, uploads, head = gate(tmp_path, inputs={"code-scanning": "true"})
    assert run.code == 1, run.stdout + run.stderr  # the new misconfiguration fails the gate, as without upload
    assert len(uploads) == 1
    upload = uploads[0]
    assert upload["ref"] == "refs/pull/7/head" and upload["commit_sha"] == head
    sarif = upload["sarif"]
    assert_valid_sarif(sarif, sarif_schema)
    assert [r["automationDetails"]["id"] for r in sarif["runs"]] == [CATEGORY]
    results = sarif["runs"][0]["results"]
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf" for r in results)
    # What was uploaded is the SARIF the gate wrote to the workspace (same findings, same rules).
    written = json.loads((run.workspace / ".changeproof" / "iac-pr-7.sarif").read_text())
    assert sarif["runs"][0]["results"] == written["runs"][0]["results"]
    assert_valid_sarif(written, sarif_schema)


def test_without_the_input_nothing_is_uploaded(tmp_path: Path) -> None:
    run, uploads, _ = gate(tmp_path, inputs={})
    assert run.code == 1 and uploads == []


@pytest.mark.parametrize("options", [{"code_scanning": "disabled"}, {"deny_writes": True}])
def test_a_403_is_a_warning_and_the_verdict_stands(tmp_path: Path, options: dict[str, Any]) -> None:
    run, uploads, _ = gate(tmp_path, inputs={"code-scanning": "true"}, repo_options=options)
    assert uploads == []
    assert run.code == 1, run.stdout + run.stderr  # the IaC finding's failure, not an error
    assert run.outputs["verdict"] == "fail"
    warnings = [line for line in run.commands("warning") if "code scanning refused the IaC SARIF (403)" in line]
    assert warnings and "security-events: write" in warnings[0]


def test_a_pass_stays_a_pass_when_code_scanning_refuses(tmp_path: Path) -> None:
    """No IaC change: nothing to upload, so nothing can go wrong (and no call is made)."""
    fake = FakeGitHub(sc.typical()).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event(), inputs={"code-scanning": "true"})
        calls = fake.calls("POST", "code-scanning")
    finally:
        fake.stop()
    assert run.code == 0 and calls == []


def test_encoding_is_gzip_then_base64_and_the_category_is_set_on_every_run(sarif_schema: dict[str, Any]) -> None:
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "changeproof"}}, "results": []}] * 2,
    }
    out = categorised(sarif, "changeproof/iac/")
    assert [r["automationDetails"]["id"] for r in out["runs"]] == ["changeproof/iac/"] * 2
    assert "automationDetails" not in sarif["runs"][0], "the input must not be modified"
    assert json.loads(gzip.decompress(base64.b64decode(encode(out)))) == out
    assert_valid_sarif(out, sarif_schema)


def test_other_failures_are_warnings_too(fake: FakeGitHub) -> None:
    fake.add_fault(path=r"/code-scanning/sarifs$", status=413, method="POST", body={"message": "too large"})
    api = Api("ghs_token", fake.base_url, retries=0, throttle=0)
    result = upload_sarif(api, sc.REPO, {"version": "2.1.0", "runs": []}, commit_sha=sc.HEAD_SHA, ref="refs/heads/main")
    assert not result.uploaded and "not uploaded to code scanning" in result.warning


def test_the_record_job_uploads_for_the_default_branch_at_the_merge_commit(
    tmp_path: Path, sarif_schema: dict[str, Any]
) -> None:
    base, head = make_server_repo(tmp_path)
    data, payload = sc.push_of_two_merges_and_a_direct_commit()
    data["repos"][sc.REPO]["pulls"]["11"]["files"] = [sc.file_entry("infra/main.tf")]  # PR 11 changed Terraform
    real = {sc.sha("b0"): base, sc.sha("f1"): head}  # PR 11's base and head exist in the git server

    def swap(value: Any) -> Any:
        text = json.dumps(value)
        for fake_sha, real_sha in real.items():
            text = text.replace(fake_sha, real_sha)
        return json.loads(text)

    data, payload = swap(data), swap(payload)
    fake = FakeGitHub(data).start()
    try:
        run = run_action(
            tmp_path,
            fake.base_url,
            "push",
            payload,
            inputs={"code-scanning": "true"},
            extra_env={"GITHUB_SERVER_URL": f"file://{tmp_path}/server"},
            timeout=300,
        )
        uploads = fake.writes("code_scanning")
    finally:
        fake.stop()
    assert run.code == 0, run.stdout + run.stderr
    assert len(uploads) == 1, uploads
    assert uploads[0]["ref"] == "refs/heads/main" and uploads[0]["commit_sha"] == sc.sha("m1")
    assert [r["automationDetails"]["id"] for r in uploads[0]["sarif"]["runs"]] == [CATEGORY]  # as the gate's
    assert_valid_sarif(uploads[0]["sarif"], sarif_schema)
