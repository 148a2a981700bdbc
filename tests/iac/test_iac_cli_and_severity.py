"""`changeproof iac` on two local trees, and the severity table's documented behaviour."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from iac_fixtures import REPO, make_head

from checker.cli import cli
from checker.errors import PolicyError, UsageError
from checker.iac.severity import default_table, load_table


@pytest.fixture(autouse=True)
def _inprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkov is already imported in this test process: reuse it (the worker mode is tested elsewhere)."""
    monkeypatch.setenv("CHANGEPROOF_IAC_MODE", "inprocess")


@pytest.fixture(scope="module")
def public_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_head(tmp_path_factory.mktemp("cli") / "head", "public_bucket")


def test_cli_json_sarif_and_exit_code(public_head: Path, tmp_path: Path) -> None:
    sarif_path = tmp_path / "out/iac.sarif"
    result = CliRunner().invoke(
        cli,
        [
            "iac",
            "--base",
            str(REPO),
            "--head",
            str(public_head),
            "--format",
            "json",
            "--changed",
            "infra/storage/public.tf",
            "--sarif",
            str(sarif_path),
        ],
    )
    assert result.exit_code == 1, result.output
    facts = json.loads(result.output)
    assert facts["sarif_sha256"] == hashlib.sha256(sarif_path.read_bytes()).hexdigest()
    assert {f["check_id"] for f in facts["introduced"]} >= {"CKV_CP_AWS_2", "CKV_AWS_53"}
    assert json.loads(sarif_path.read_text())["version"] == "2.1.0"
    # Only critical blocks: the same change still fails (public ACL), a low threshold is not needed.
    text = CliRunner().invoke(
        cli,
        ["iac", "--base", str(REPO), "--head", str(public_head), "--fail-on", "critical", "--framework", "terraform"],
    )
    assert text.exit_code == 1 and "CRITICAL CKV_CP_AWS_2 infra/storage/public.tf:7-10" in text.output


def test_cli_no_iac_change_passes_and_bad_changed_path_is_a_usage_error(public_head: Path) -> None:
    ok = CliRunner().invoke(
        cli, ["iac", "--base", str(REPO), "--head", str(public_head), "--changed", "docs/README.md"]
    )
    assert ok.exit_code == 0 and "none (no IaC file changed)" in ok.output
    bad = CliRunner().invoke(cli, ["iac", "--base", str(REPO), "--head", str(public_head), "--changed", "no/such.tf"])
    assert bad.exit_code != 0 and "is in neither tree" in str(bad.exception)


def test_unknown_scan_mode_is_a_usage_error(public_head: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANGEPROOF_IAC_MODE", "threads")
    result = CliRunner().invoke(cli, ["iac", "--base", str(REPO), "--head", str(public_head)])
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2
    assert "unknown IaC scan mode 'threads'" in result.exception.diagnostics()


def test_severity_table_order_patterns_custom_and_default(tmp_path: Path) -> None:
    table = default_table()
    assert table.severity("CKV_SECRET_6") == "critical"
    assert table.severity("CKV_K8S_16") == "critical"  # exact id before the family pattern
    assert table.severity("CKV_K8S_11") == "low"  # character-class pattern
    assert table.severity("CKV_K8S_999") == "medium"  # family pattern
    assert table.severity("CKV_CP_K8S_1") == "high"  # custom policy's own metadata.severity
    assert table.severity("CKV_NEWFAMILY_1") == "high"  # documented default for unknown ids
    (tmp_path / "table.yml").write_text("default: low\nrules:\n  - {match: X_1, severity: urgent}\n")
    with pytest.raises(PolicyError, match="unknown severity 'urgent'"):
        load_table(tmp_path / "table.yml", tmp_path)
