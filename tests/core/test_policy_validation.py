"""Policy files: every mistake gets one clear, located message and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checker.errors import PolicyError
from checker.policy import load_text, policy_for_facts, profile


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, timeout=120)


def validate(tmp_path: Path, content: bytes | str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "changeproof.yml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return run_cli("policy", "validate", str(path))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("version: 1\ncontrols: [unclosed\n", "changeproof.yml:3:1"),
        ("version: 1\ncontrols:\n  peer_review:\n    min_approvals: two\n", "changeproof.yml:4:20"),
        ("version: 1\ncontrols:\n  peer_review:\n    min_aprovals: 2\n", "did you mean 'min_approvals'"),
        ("version: 1\ncontrols:\n  peer_reviews: {}\n", "unknown control 'peer_reviews'"),
        (
            "version: 1\nwaivers:\n  - control: nope\n    reason: because it is fine\n    approved_by: carol\n"
            "    expires: '2026-01-01'\n",
            "changeproof.yml:3:14",
        ),
        ("", "is empty"),
        ("- just\n- a list\n", "must be a mapping"),
        ("version: 1\nversion: 1\n", "duplicate key 'version'"),
        ("version: 1\ncontrols:\n  change_ticket: {pattern: '(?<=x)y'}\n", "not a valid RE2"),
        ("version: 1\ncontrols:\n  required_checks: {checks: [changeproof]}\n", "cannot require its own check"),
        (
            "version: 1\nwaivers:\n  - {control: peer_review, reason: 'long enough reason', approved_by: carol, "
            "expires: '2026-02-30'}\n",
            "not a calendar date",
        ),
        ("version: 1\nextends: soc3\n", "unknown profile 'soc3'"),
        (b"version: 1\nmode: \xff\xfe\n", "changeproof.yml:2:7"),
    ],
)
def test_bad_policy_is_a_clear_error(tmp_path: Path, content: str | bytes, expected: str) -> None:
    result = validate(tmp_path, content)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_ten_megabyte_policy_is_refused_quickly(tmp_path: Path) -> None:
    big = "version: 1\n" + "# padding\n" * 1_100_000
    result = validate(tmp_path, big)
    assert result.returncode == 2
    assert "at most 1,048,576 bytes" in result.stderr


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(PolicyError) as info:
        load_text("version: 2\nmode: strict\ncontrols:\n  peer_review: {min_aprovals: 1}\n", "p.yml")
    assert len(info.value.problems) == 3
    assert [p.line for p in info.value.problems] == [1, 2, 4]


def test_valid_policy_and_explain(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_text("version: 1\nextends: soc2\ncontrols:\n  peer_review: {min_approvals: 2}\n")
    ok = run_cli("policy", "validate", str(path))
    assert ok.returncode == 0 and "valid" in ok.stdout
    explained = run_cli("policy", "explain", str(path), "--format", "json")
    assert explained.returncode == 0
    assert '"min_approvals": 2' in explained.stdout
    assert '"profile baseline"' in explained.stdout and '"profile soc2"' in explained.stdout


def test_missing_file_is_usage_error(tmp_path: Path) -> None:
    result = run_cli("policy", "validate", str(tmp_path / "nope.yml"))
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_yaml_one_point_one_booleans_do_not_eat_off() -> None:
    policy = load_text("version: 1\ncontrols:\n  change_ticket: {mode: off}\n", "p.yml")
    assert policy.controls["change_ticket"].mode.value == "off"


def test_profiles_load_and_soc2_is_stricter() -> None:
    baseline, soc2 = profile("baseline"), profile("soc2")
    assert baseline.controls["change_ticket"].mode.value == "off"
    assert soc2.controls["change_ticket"].mode.value == "enforce"
    assert soc2.extends == ("baseline", "soc2")


def test_extends_remote_policy_through_the_facts() -> None:
    from dataclasses import replace

    from checker.model import PolicySource, SourceFile

    sys.path.insert(0, str(Path(__file__).parent))
    from builders import well_run_pr

    org = "version: 1\nextends: soc2\ncontrols:\n  peer_review: {min_approvals: 2}\n"
    repo = "version: 1\nextends: acme/policies:changeproof/org.yml@v1\ncontrols:\n  change_ticket: {mode: off}\n"
    facts = replace(
        well_run_pr(),
        policy=PolicySource(
            SourceFile(".github/changeproof.yml", "present", repo),
            extends={"acme/policies:changeproof/org.yml@v1": org},
        ),
    )
    policy = policy_for_facts(facts)
    assert not policy.invalid
    assert policy.controls["peer_review"].params["min_approvals"] == 2
    assert policy.controls["change_ticket"].mode.value == "off"
    assert policy.extends == ("baseline", "soc2", "acme/policies:changeproof/org.yml@v1")
    missing = replace(facts, policy=replace(facts.policy, extends={}))
    assert policy_for_facts(missing).invalid
