"""What a new user hit (issue 12, items 1-4 and 7), each as the exact message they now see.

The CLI runs in-process (`checker.cli.main`), so these tests cost milliseconds, not an
interpreter start each; what they check is what a person reads on stderr and the exit status.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import review, well_run_pr, with_policy_text

from checker.cli import main
from checker.errors import PolicyError
from checker.evaluate import evaluate
from checker.explain import explain, render_yaml
from checker.model import Mode, Status
from checker.policy import load_file, load_text, policy_for_facts, policy_layers
from checker.render.text import render_text

WAIVER = "    reason: legacy bots cannot sign yet\n    approved_by: carol\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(argv))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def write(tmp_path: Path, text: str, name: str = "changeproof.yml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("date", ["2027-13-01", "2027-02-30"])
@pytest.mark.parametrize("command", ["validate", "explain"])
def test_impossible_unquoted_date_is_located_not_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], date: str, command: str
) -> None:
    file = write(tmp_path, f"version: 1\nwaivers:\n  - control: signed_commits\n{WAIVER}    expires: {date}\n")
    code, _, err = run(capsys, "policy", command, file)
    assert code == 2
    assert f"{file}:6:14 at $.waivers[0].expires: '{date}' is not a calendar date" in err
    assert "How to fix: write the date as YYYY-MM-DD" in err
    assert "internal error" not in err


def test_impossible_date_in_evaluate_and_as_a_base_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = f"version: 1\nwaivers:\n  - control: signed_commits\n{WAIVER}    expires: 2027-13-01\n"
    facts = with_policy_text(well_run_pr(), text)
    evaluation = evaluate(policy_for_facts(facts), facts)
    failed = next(r for r in evaluation.results if r.control == "policy_file")
    assert failed.status is Status.ERROR
    assert "'2027-13-01' is not a calendar date" in failed.message
    facts_file = tmp_path / "facts.json"
    from checker.serde import dumps

    facts_file.write_text(dumps(facts))
    code, _, err = run(capsys, "evaluate", "--facts", str(facts_file), "--policy", write(tmp_path, text))
    assert code == 2 and "is not a calendar date" in err and "internal error" not in err


def test_schema_and_semantic_problems_are_reported_in_one_round() -> None:
    text = (
        "version: 1\nextends: soc3\nmode: strict\ncontrols:\n  change_ticket: {pattern: '(?=x)'}\n"
        "  tests_with_code: {source: ['src/[a-z']}\n"
    )
    with pytest.raises(PolicyError) as info:
        load_text(text, "p.yml")
    found = [(p.line, p.message) for p in info.value.problems]
    assert [line for line, _ in found] == [2, 3, 5, 6]
    assert found[0][1] == "unknown profile 'soc3'"
    assert "not a valid RE2" in found[2][1]
    assert found[3][1] == "the glob 'src/[a-z' has an unclosed '[' at character 5"


def test_unknown_profile_is_located_with_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, "version: 1\nextends: soc3\n")
    code, _, err = run(capsys, "policy", "validate", file)
    assert code == 2
    assert f"{file}:2:10 at $.extends: unknown profile 'soc3'" in err
    assert "How to fix: did you mean 'soc2'?" in err


def test_misspelled_waiver_control_gets_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, f"version: 1\nwaivers:\n  - control: peer_reveiw\n{WAIVER}    expires: '2099-01-01'\n")
    code, _, err = run(capsys, "policy", "validate", file)
    assert code == 2
    assert f"{file}:3:14 at $.waivers[0].control: 'peer_reveiw' is not one of the allowed values" in err
    assert "How to fix: did you mean 'peer_review'?" in err
    assert "signed_commits" not in err  # not the list of every control id


def test_tab_indentation_says_yaml_forbids_tabs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, "version: 1\ncontrols:\n  peer_review:\n\tmode: warn\n")
    code, _, err = run(capsys, "policy", "validate", file)
    assert code == 2
    assert f"{file}:4:1: YAML does not allow tabs for indentation" in err
    assert "How to fix: indent with spaces instead of tabs" in err


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        (
            "rules:\n  - name: r\n    if: {changed_files: {paths: ['src/[a-z']}}\n    requires: {count: 1}\n",
            "$.rules[0].if.changed_files.paths[0]",
        ),
        ("controls:\n  iac_misconfig: {deny: ['CKV_[AWS']}\n", "$.controls.iac_misconfig.deny[0]"),
        ("controls:\n  iac_misconfig: {allow: ['[z-a]']}\n", "$.controls.iac_misconfig.allow[0]"),
        (
            f"waivers:\n  - control: peer_review\n{WAIVER}    expires: '2099-01-01'\n"
            "    scope: {branches: ['rel/[0-9']}\n",
            "$.waivers[0].scope.branches[0]",
        ),
    ],
)
def test_every_glob_the_evaluator_uses_is_validated(setting: str, path: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_text("version: 1\n" + setting, "p.yml")
    (problem,) = info.value.problems
    assert problem.json_path == path
    assert "glob" in problem.message and "How to fix: write a glob" in problem.render()


def test_expired_waiver_warns_and_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(tmp_path, f"version: 1\nwaivers:\n  - control: signed_commits\n{WAIVER}    expires: 2020-01-31\n")
    for command in ("validate", "explain"):
        code, _, err = run(capsys, "policy", command, file)
        assert code == 0
        assert (
            "warning: the waiver of signed_commits approved by carol expired on 2020-01-31: it no longer waives "
            "anything. How to fix: renew it with a new `expires` date, or remove it"
        ) in err
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    fresh = write(tmp_path, f"version: 1\nwaivers:\n  - control: signed_commits\n{WAIVER}    expires: {tomorrow}\n")
    assert "warning" not in run(capsys, "policy", "validate", fresh)[2]


def test_explain_prints_a_policy_file_with_layers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = write(
        tmp_path,
        "version: 1\nextends: soc2\ncontrols:\n  peer_review: {min_approvals: 2}\n"
        "rules:\n  - name: infra\n    if: {changed_files: {paths: ['infra/**']}}\n    requires: {count: 1}\n",
    )
    code, out, _ = run(capsys, "policy", "explain", file)
    assert code == 0
    assert "condition" not in out and "params" not in out
    assert "# Layers, outermost first: catalog defaults -> profile baseline -> profile soc2 -> " + file in out
    assert "    min_approvals: 2  # " + file in out
    assert '    mode: "enforce"  # profile soc2' in out
    assert "    allow_stale: false  # catalog defaults" in out
    again = write(tmp_path, out, "explained.yml")
    code, stdout, _ = run(capsys, "policy", "validate", again)
    assert code == 0, stdout
    original, pasted = load_file(file), load_file(again)
    assert pasted.controls == original.controls and pasted.rules == original.rules and pasted.mode == original.mode


def test_explain_names_the_layer_of_every_setting() -> None:
    explained = explain(policy_layers("version: 1\ncontrols:\n  code_owners: {mode: enforce}\n", "p.yml"))
    assert explained.set_by[("controls", "code_owners", "mode")] == "p.yml"
    assert explained.set_by[("controls", "peer_review", "mode")] == "profile baseline"
    assert render_yaml(explained).startswith("# The effective policy, valid input to `changeproof policy validate`.")


def test_text_report_words_approvals_and_warn_mode_as_a_person_would() -> None:
    facts = well_run_pr(reviews=(review("bob"), review("dave")))
    policy = load_text("version: 1\ncontrols:\n  signed_commits: {mode: warn}\n", "p.yml")
    text = render_text(evaluate(policy, facts))
    assert "2 of 1" not in text and "[warn]" not in text
    assert "2 independent approvals (1 required): bob on" in text
    assert "signed_commits (warn only: never blocks the merge)" in text
    assert policy.controls["signed_commits"].mode is Mode.WARN
