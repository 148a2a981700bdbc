"""Bad approval policies: each problem located (file:line:column, JSON path), exit 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = "version: 1\napproval_policy:\n  policy:\n    approval:\n"

BAD = [
    (
        "unknown predicate",
        HEADER + "      - r\n  approval_rules:\n    - name: r\n      if:\n        changed_filez: {paths: [x]}\n",
        ":9:9 at $.approval_policy.approval_rules[0].if.changed_filez: unknown predicate 'changed_filez'",
        "did you mean 'changed_files'?",
    ),
    (
        "unknown rule name in approval",
        HEADER + "      - or: [r, rr2]\n  approval_rules:\n    - name: r\n    - name: rr\n",
        ":5:17 at $.approval_policy.policy.approval[0].or[1]: the approval policy references undefined rule 'rr2'",
        "did you mean 'rr'?",
    ),
    (
        "a cycle",
        HEADER + "      - &loop {or: [r, *loop]}\n  approval_rules:\n    - name: r\n",
        "refers to a value that contains it (a recursive alias)",
        "replace the alias",
    ),
    (
        "a pattern that is not RE2",
        HEADER + "      - r\n  approval_rules:\n    - name: r\n      if:\n        title: {matches: ['^(?!WIP)']}\n",
        ":9:27 at $.approval_policy.approval_rules[0].if.title.matches[0]: '^(?!WIP)' is not a valid RE2",
        "no look-arounds",
    ),
    (
        "nesting deeper than policy-bot allows",
        HEADER + "      - " + "{or: [" * 11 + "r" + "]}" * 11 + "\n  approval_rules:\n    - name: r\n",
        "nested more than 10 levels deep",
        "flatten",
    ),
    (
        "a bad comparison",
        HEADER + "      - r\n  approval_rules:\n    - name: r\n      if:\n        modified_lines: {total: '>= 5'}\n",
        "$.approval_policy.approval_rules[0].if.modified_lines.total",
        "",
    ),
]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("case", "text", "where", "fix"), BAD, ids=[b[0] for b in BAD])
def test_bad_policy_is_located(tmp_path: Path, case: str, text: str, where: str, fix: str) -> None:
    path = tmp_path / "changeproof.yml"
    path.write_text(text, encoding="utf-8")
    result = cli("policy", "validate", str(path))
    assert result.returncode == 2, result.stdout
    assert where in result.stderr
    assert fix in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_policy_validates_and_explains(tmp_path: Path) -> None:
    path = tmp_path / "changeproof.yml"
    path.write_text(
        HEADER + "      - r\n  approval_rules:\n    - name: r\n      requires: {count: 1, permissions: [write]}\n"
    )
    assert cli("policy", "validate", str(path)).returncode == 0
    explained = json.loads(cli("policy", "explain", str(path), "--format", "json").stdout)["policy"]
    assert explained["approval_policy"]["approval_rules"][0]["requires"] == {"count": 1, "permissions": ["write"]}
    assert explained["controls"]["approval_policy"]["mode"] == "enforce"
    # The explained policy is itself a valid policy with the same approval policy.
    again = tmp_path / "explained.yml"
    again.write_text(cli("policy", "explain", str(path)).stdout, encoding="utf-8")
    assert cli("policy", "validate", str(again)).returncode == 0


def test_schema_publishes_the_approval_policy() -> None:
    schema = json.loads(cli("schema", "policy").stdout)
    assert "approval_policy" in schema["properties"]
    assert "has_valid_signatures_by_keys" in schema["$defs"]["approvalPredicates"]["properties"]
    effective = json.loads(cli("schema", "effective-policy").stdout)
    assert "ApprovalPolicySpec" in effective["$defs"]


def test_the_readme_example_is_a_valid_policy(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Approval policies in policy-bot's language") :]
    example = section[section.index("```yaml\n") + 8 : section.index("```", section.index("```yaml\n") + 8)]
    path = tmp_path / "changeproof.yml"
    path.write_text(example, encoding="utf-8")
    result = cli("policy", "validate", str(path))
    assert result.returncode == 0, result.stderr
