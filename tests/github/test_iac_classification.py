"""Which changed files are IaC, decided by path and content without checkov (issue 10, item 2).

`iac: off` marks changed IaC files unobservable; a PR that changes none (the policy file,
`package.json`, a plain YAML config) must still be able to pass, including the README's repair of
a broken base policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import pr_event, run_action
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.iac import classify

K8S = b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
CFN_YAML = b"Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n"
CFN_JSON = b'{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}'
K8S_JSON = b'{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}'


def test_iac_is_known_by_path_or_content() -> None:
    assert classify.is_iac("infra/main.tf", None) and classify.is_iac("Dockerfile", None)
    assert classify.is_iac(".github/workflows/ci.yml", None)
    assert classify.is_iac("charts/web/Chart.yaml", None) and classify.is_iac("overlays/prod/kustomization.yaml", None)
    assert classify.frameworks_for("deploy/web.yaml", K8S) == {classify.KUBERNETES}
    assert classify.frameworks_for("deploy/web.json", K8S_JSON) == {classify.KUBERNETES}
    assert classify.frameworks_for("cfn/logs.yaml", CFN_YAML) == {classify.CLOUDFORMATION}
    assert classify.frameworks_for("cfn/stack.template", CFN_JSON) == {classify.CLOUDFORMATION}
    assert classify.is_iac("charts/web/templates/deploy.yaml", b"apiVersion: v1\nkind: {{ .Values.kind }}\n")


def test_plain_configs_and_changeproofs_own_files_are_never_iac() -> None:
    for path in (".github/changeproof.yml", ".github/CODEOWNERS", "CODEOWNERS", "package.json"):
        assert not classify.is_iac(path, None) and not classify.is_iac(path, K8S)
    assert not classify.is_iac("mkdocs.yml", None)
    assert not classify.is_iac("config/app.yaml", b"server:\n  port: 8080\nkind_of_thing: web\n")
    # A YAML/JSON file whose content cannot be read might be IaC: it counts (fail closed).
    assert classify.is_iac("config/app.yaml", None)


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12), plain_values, max_size=6), st.booleans())
def test_a_config_without_iac_keys_is_not_iac(data: dict[str, Any], as_json: bool) -> None:
    text = json.dumps(data) if as_json else yaml.safe_dump(data)
    lowered = text.lower()
    if any(key in lowered for key in ("apiversion", "kind", "awstemplateformatversion", "aws::")):
        return  # could be a manifest or a template: not what this property is about
    path = "config/settings.json" if as_json else "config/settings.yaml"
    assert not classify.is_iac(path, text.encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_own_files_are_never_iac_whatever_they_hold(content: bytes) -> None:
    assert not classify.is_iac(".github/changeproof.yml", content)
    assert classify.frameworks_for(".github/changeproof.yml", content) == set()


def gate_with_iac_off(tmp_path: Path, scenario: dict[str, Any]) -> Any:
    fake = FakeGitHub(scenario).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event(), inputs={"iac": "off"})
    finally:
        fake.stop()
    return run


def changing(scenario: dict[str, Any], files: dict[str, str]) -> dict[str, Any]:
    repo = scenario["repos"][sc.REPO]
    pr = repo["pulls"]["7"]
    pr["files"] = [f for f in pr["files"] if not f["filename"].startswith("infra/")]
    pr["files"] += [sc.file_entry(path) for path in files]
    pr["pull"]["changed_files"] = len(pr["files"])
    repo["contents"][sc.HEAD_SHA].update(files)
    return scenario


def controls(run: Any) -> dict[str, str]:
    return {r["control"]: r["status"] for r in run.report()["evaluations"][0]["results"]}


def test_iac_off_passes_a_pr_that_edits_package_json_and_a_plain_yaml_config(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    changing(scenario, {"package.json": '{"name": "web"}\n', "config/app.yaml": "server:\n  port: 8080\n"})
    run = gate_with_iac_off(tmp_path, scenario)
    assert run.code == 0 and run.outputs["verdict"] == "pass", run.summary
    assert controls(run)["iac_misconfig"] == "not_applicable"


def test_iac_off_passes_a_pr_that_edits_the_policy_file(scenario: dict[str, Any], tmp_path: Path) -> None:
    changing(scenario, {".github/changeproof.yml": sc.POLICY + "# reviewed by the core team\n"})
    run = gate_with_iac_off(tmp_path, scenario)
    assert run.code == 0 and run.outputs["verdict"] == "pass", run.summary
    assert controls(run)["policy_change"] == "pass" and controls(run)["iac_misconfig"] == "not_applicable"


def test_iac_off_lets_a_pr_repair_a_broken_base_policy(scenario: dict[str, Any], tmp_path: Path) -> None:
    repo = scenario["repos"][sc.REPO]
    repo["contents"][sc.BASE_SHA][".github/changeproof.yml"] = (
        "version: 1\ncontrols:\n  peer_review: {mode: sometimes}\n"
    )
    changing(scenario, {".github/changeproof.yml": sc.POLICY})
    run = gate_with_iac_off(tmp_path, scenario)
    assert run.code == 0 and run.outputs["verdict"] == "pass", run.summary
    assert controls(run)["policy_change"] == "pass"
    assert "repairing" in run.summary, run.summary


def test_iac_off_still_marks_a_changed_manifest_unobservable(scenario: dict[str, Any], tmp_path: Path) -> None:
    changing(scenario, {"deploy/web.yaml": K8S.decode()})
    run = gate_with_iac_off(tmp_path, scenario)
    assert controls(run)["iac_misconfig"] == "unobservable"
    assert run.code == 1 and run.outputs["verdict"] == "fail"
