"""What a developer sees for typical PRs on the fixture repository: only what the PR introduced."""

from __future__ import annotations

import json
from collections.abc import Callable

from iac_fixtures import fake_aws_key

from checker.iac import IacScan, sarif_bytes
from checker.serde import dumps


def ids(findings: tuple) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(f.check_id, f.resource) for f in findings}


def test_new_public_bucket_is_found_at_its_lines(scenario_scan: Callable[[str], IacScan]) -> None:
    facts = scenario_scan("public_bucket").facts
    assert facts.scanned and facts.errors == ()
    assert facts.changed_iac_files == ("infra/storage/public.tf",)
    by_id = {(f.check_id, f.resource): f for f in facts.introduced}
    acl = by_id[("CKV_CP_AWS_2", "aws_s3_bucket_acl.public")]
    assert (acl.file, acl.line_start, acl.line_end, acl.severity) == ("infra/storage/public.tf", 7, 10, "critical")
    for check in ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"):
        block = by_id[(check, "aws_s3_bucket_public_access_block.public")]
        assert (block.line_start, block.line_end, block.severity) == (12, 18, "high")
    bucket = [f for f in facts.introduced if f.resource == "aws_s3_bucket.public"]
    assert bucket and all((f.line_start, f.line_end) == (2, 5) for f in bucket)
    # Nothing that already existed in the module is blamed on this PR.
    assert not [f for f in facts.introduced if f.file != "infra/storage/public.tf"]
    assert facts.resolved == () and facts.suppressions == ()


def test_editing_an_unrelated_file_introduces_nothing(scenario_scan: Callable[[str], IacScan]) -> None:
    facts = scenario_scan("unrelated_edit").facts
    assert facts.frameworks == ("terraform",)
    assert facts.changed_iac_files == ("infra/storage/outputs.tf",)
    assert facts.introduced == () and facts.resolved == () and facts.suppressions == ()


def test_moving_resources_between_files_introduces_nothing(scenario_scan: Callable[[str], IacScan]) -> None:
    facts = scenario_scan("move_resource").facts
    assert set(facts.frameworks) == {"terraform", "kubernetes"}
    assert "infra/network/security_groups.tf" in facts.changed_iac_files
    assert facts.introduced == () and facts.resolved == ()


def test_added_skip_is_reported_as_suppression_with_reason(scenario_scan: Callable[[str], IacScan]) -> None:
    facts = scenario_scan("add_skip").facts
    got = {(s.check_id, s.file, s.reason) for s in facts.suppressions}
    assert got == {
        ("CKV_AWS_24", "infra/network/main.tf", "SSH is filtered by the upstream firewall, see OPS-112"),
        ("CKV_AWS_382", "infra/network/main.tf", ""),
        ("CKV_K8S_43", "k8s/api.yaml", "images are pinned by tag and signed with cosign"),
        ("CKV_AWS_27", "cloudformation/queue.yaml", "messages carry order ids only, no personal data"),
    }
    lines = {s.check_id: s.line for s in facts.suppressions}
    assert lines["CKV_AWS_24"] == 9 and lines["CKV_AWS_382"] == 10  # the comment lines themselves
    # A suppressed finding is neither new nor resolved.
    assert facts.introduced == () and facts.resolved == ()
    sarif = json.loads(sarif_bytes(scenario_scan("add_skip")))
    justifications = {r["ruleId"]: r["suppressions"][0]["justification"] for r in sarif["runs"][0]["results"]}
    assert justifications["CKV_AWS_382"] == "no reason given"


def test_fix_shows_findings_resolved(scenario_scan: Callable[[str], IacScan]) -> None:
    facts = scenario_scan("fix").facts
    assert facts.introduced == ()
    assert ids(facts.resolved) == {
        ("CKV_AWS_27", "AWS::SQS::Queue.OrderQueue"),
        ("CKV_DOCKER_2", "docker/Dockerfile"),
        ("CKV_DOCKER_3", "docker/Dockerfile"),
    }


def test_secret_is_reported_without_its_text(scenario_scan: Callable[[str], IacScan]) -> None:
    scan = scenario_scan("secret")
    found = {(f.check_id, f.file, f.line_start) for f in scan.facts.introduced}
    assert ("CKV_SECRET_2", "app/settings.py", 2) in found
    assert all(f.severity == "critical" for f in scan.facts.introduced)
    everything = dumps(scan.facts) + sarif_bytes(scan).decode()
    for secret in fake_aws_key():
        assert secret not in everything
        assert secret[:12] not in everything


def test_sarif_is_2_1_0_with_rules_levels_and_regions(scenario_scan: Callable[[str], IacScan]) -> None:
    sarif = json.loads(sarif_bytes(scenario_scan("public_bucket")))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    result = next(r for r in run["results"] if r["ruleId"] == "CKV_CP_AWS_2")
    assert result["level"] == "error"
    assert rules["CKV_CP_AWS_2"]["properties"]["security-severity"] == "9.5"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "CKV_CP_AWS_2"
    location = result["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "infra/storage/public.tf"},
        "region": {"startLine": 7, "endLine": 10},
    }


def test_facts_drive_the_iac_control(scenario_scan: Callable[[str], IacScan]) -> None:
    """The scan's facts go through the real policy evaluation: the public bucket fails, the fix passes."""
    import dataclasses
    from pathlib import Path

    from checker.evaluate import evaluate
    from checker.model import Facts
    from checker.policy import profile
    from checker.resources import examples_dir
    from checker.serde import from_json

    example = from_json(Facts, json.loads((examples_dir() / "pr-42-facts.json").read_text()))
    assert isinstance(example, Facts) and Path(examples_dir()).is_dir()

    def status(scenario: str) -> str:
        facts = dataclasses.replace(example, iac=scenario_scan(scenario).facts)
        result = next(r for r in evaluate(profile("baseline"), facts).results if r.control == "iac_misconfig")
        return str(result.status.value)

    assert status("public_bucket") == "fail"
    assert status("fix") == "pass"
    assert status("add_skip") == "fail"  # CKV_AWS_382 is skipped without a reason


def test_workflow_shell_injection_is_introduced(scenario_scan: Callable[[str], IacScan]) -> None:
    facts = scenario_scan("workflow_injection").facts
    assert facts.frameworks == ("github_actions",)
    found = {(f.check_id, f.file, f.severity) for f in facts.introduced}
    assert found == {("CKV_GHA_2", ".github/workflows/ci.yml", "high")}
    (finding,) = facts.introduced
    assert finding.line_start <= 16 <= finding.line_end
