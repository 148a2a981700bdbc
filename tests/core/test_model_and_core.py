"""The model's JSON round trip, the published schemas, determinism, and the evaluate CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from builders import C1, HEAD, review, well_run_pr

from checker.evaluate import evaluate
from checker.model import ChangedFile, Evaluation, Facts, Policy
from checker.policy import policy_for_facts, profile
from checker.render.markdown import render_markdown
from checker.render.text import render_text
from checker.resources import examples_dir, schema
from checker.schemagen import MODELS, render
from checker.serde import DecodeError, dumps, fast_canonical_bytes, from_json, to_json

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, timeout=120)


def test_facts_policy_and_evaluation_round_trip_losslessly() -> None:
    facts = well_run_pr()
    policy = profile("soc2")
    evaluation = evaluate(policy, facts)
    for cls, value in ((Facts, facts), (Policy, policy), (Evaluation, evaluation)):
        again = from_json(cls, json.loads(dumps(value)))
        assert again == value
        assert dumps(again) == dumps(value)


def test_decode_errors_name_the_json_path() -> None:
    data = to_json(well_run_pr())
    data["reviews"][0]["commit_id"] = 42
    with pytest.raises(DecodeError) as info:
        from_json(Facts, data)
    assert info.value.path == "$.reviews[0].commit_id"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_published_schemas_match_the_model(name: str) -> None:
    path = ROOT / "checker" / "schemas" / f"{name}.schema.json"
    assert path.read_text() == render(name), "run: python -m checker.schemagen"


def test_example_facts_validate_against_the_published_schema() -> None:
    for example in sorted(examples_dir().glob("*-facts.json")):
        jsonschema.validate(json.loads(example.read_text()), schema("facts"))
    evaluation = evaluate(profile("baseline"), well_run_pr())
    jsonschema.validate(to_json(evaluation), schema("evaluation"))


def test_evaluation_is_deterministic_byte_for_byte() -> None:
    facts = well_run_pr(reviews=(review("bob", on=C1), review("erin")))
    first = dumps(evaluate(policy_for_facts(facts), facts))
    second = dumps(evaluate(policy_for_facts(facts), facts))
    assert first == second
    # and in a fresh process, from the JSON forms
    out = cli("evaluate", "--facts", str(examples_dir() / "pr-42-facts.json"), "--format", "json")
    again = cli("evaluate", "--facts", str(examples_dir() / "pr-42-facts.json"), "--format", "json")
    assert out.stdout == again.stdout and out.stdout


def test_facts_digest_changes_with_any_fact() -> None:
    facts = well_run_pr()
    a = evaluate(profile("baseline"), facts).facts_digest
    b = evaluate(profile("baseline"), replace(facts, title=facts.title + " ")).facts_digest
    assert a != b
    assert len(fast_canonical_bytes(facts)) > 100
    expected = json.dumps(to_json(facts), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert fast_canonical_bytes(facts) == expected


def test_evaluate_cli_exit_codes(tmp_path: Path) -> None:
    good = cli("evaluate", "--facts", str(examples_dir() / "pr-42-facts.json"))
    assert good.returncode == 0 and "PASS" in good.stdout
    bad = cli("evaluate", "--facts", str(examples_dir() / "pr-43-facts.json"))
    assert bad.returncode == 1 and "stale" not in bad.stderr
    assert "before the latest push" in " ".join(bad.stdout.split())
    policy = tmp_path / "p.yml"
    policy.write_text("version: 1\nmode: advisory\n")
    advisory = cli("evaluate", "--facts", str(examples_dir() / "pr-43-facts.json"), "--policy", str(policy))
    assert advisory.returncode == 0 and "advisory" in advisory.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ("", "is empty"),
        ('{"repository": "a/b"}', "required field is missing"),
        ('{"repository": 5}', "expected a string"),
    ],
)
def test_bad_facts_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "facts.json"
    path.write_text(content)
    result = cli("evaluate", "--facts", str(path))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_non_utf8_facts(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_bytes(b'{"title": "\xff"}')
    result = cli("evaluate", "--facts", str(path))
    assert result.returncode == 2 and "not UTF-8" in result.stderr


def test_hostile_text_is_inert_in_markdown_and_text() -> None:
    hostile = "<script>alert(1)</script> | @acme/admins ![x](http://evil) \x1b[2J `code`\n| injected | row |"
    facts = well_run_pr(
        title=hostile,
        body="",
        head_ref=hostile,
        files=(ChangedFile("src/<img src=x onerror=alert(1)>.py", "modified"),),
    )
    policy = profile("soc2")
    evaluation = evaluate(policy, facts)
    markdown = render_markdown(evaluation)
    assert "<script>" not in markdown and "<img" not in markdown
    assert "@acme/admins" not in markdown  # no mention
    assert "\n| injected" not in markdown  # no new table row
    assert "](http://evil)" not in markdown
    text = render_text(evaluation)
    assert "\x1b" not in text


def test_controls_command_lists_mappings() -> None:
    result = cli("controls", "--format", "json")
    data = json.loads(result.stdout)
    assert "CC8.1" in data["peer_review"]["mappings"]["soc2"]
    assert "8.32" in data["peer_review"]["mappings"]["iso27001"]
    assert "CM-3" in data["peer_review"]["mappings"]["nist80053"]
    assert len(data) == 13
    assert "CC8.1" in data["approval_policy"]["relaxed"]["soc2"]


def test_demo_writes_reports(tmp_path: Path) -> None:
    result = cli("demo", "--workdir", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "demo" / "pr-42.summary.md").is_file()
    assert "example PR #42" in result.stdout
    assert "recorded as merge entry seq 0" in result.stdout
    assert "re-performed: 2 evaluations" in result.stdout and "VALID" in result.stdout
    assert (tmp_path / "demo" / "checkpoint").read_text().count("\n") >= 4
    html = tmp_path / "demo" / "audit" / "audit-report.html"
    assert f"HTML evidence report: {html}" in result.stdout
    rows = (tmp_path / "demo" / "audit" / "audit-population.csv").read_text().splitlines()
    assert len(rows) == 2 and "PAY-318" in rows[1]  # the merged PR #42; #43 was only gate-evaluated


def test_stale_review_is_named_in_the_fix() -> None:
    facts = well_run_pr(reviews=(review("bob", on=C1),))
    result = next(r for r in evaluate(profile("baseline"), facts).results if r.control == "peer_review")
    assert HEAD[:7] in result.remediation
