"""IaC through the action: a PR adding a misconfigured Terraform bucket, scanned by real checkov.

The default workflow has no checkout, so the action fetches the base and head commits into a
scratch repository from the server (here a local bare repository standing in for github.com).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from fakegithub import scenario as sc
from fakegithub.server import FakeGitHub
from ghaction import pr_event, run_action

BASE_TF = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n'
HEAD_TF = BASE_TF + (
    '\nresource "aws_security_group" "open" {\n  name = "open"\n  ingress {\n    from_port   = 22\n'
    '    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args],
        check=True,
        capture_output=True,
        text=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
        },
    ).stdout.strip()


def make_server_repo(root: Path) -> tuple[str, str]:
    """A bare repository at ROOT/acme/web.git with a base and a head commit; returns their shas."""
    work = root / "work"
    work.mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    (work / "infra").mkdir()
    (work / "infra" / "main.tf").write_text(BASE_TF)
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "base")
    base = git(work, "rev-parse", "HEAD")
    (work / "infra" / "main.tf").write_text(HEAD_TF)
    git(work, "commit", "-q", "-am", "open ssh to the world")
    head = git(work, "rev-parse", "HEAD")
    bare = root / "server" / "acme" / "web.git"
    bare.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    git(bare, "config", "uploadpack.allowAnySHA1InWant", "true")
    return base, head


def iac_scenario(base: str, head: str) -> dict[str, Any]:
    data = sc.typical()
    pr = data["repos"][sc.REPO]["pulls"]["7"]
    pr["files"] = [sc.file_entry("infra/main.tf")]
    pr["pull"]["changed_files"] = 1
    text = json.dumps(data).replace(sc.BASE_SHA, base).replace(sc.HEAD_SHA, head)
    return json.loads(text)  # type: ignore[no-any-return]


def test_new_misconfiguration_fails_with_a_file_annotation_and_sarif(tmp_path: Path) -> None:
    base, head = make_server_repo(tmp_path)
    fake = FakeGitHub(iac_scenario(base, head)).start()
    try:
        event = json.loads(json.dumps(pr_event()).replace(sc.BASE_SHA, base).replace(sc.HEAD_SHA, head))
        run = run_action(
            tmp_path,
            fake.base_url,
            "pull_request",
            event,
            extra_env={"GITHUB_SERVER_URL": f"file://{tmp_path}/server"},
            timeout=300,
        )
    finally:
        fake.stop()
    assert run.code == 1, run.stdout + run.stderr
    result = next(r for r in run.report()["evaluations"][0]["results"] if r["control"] == "iac_misconfig")
    assert result["status"] == "fail" and "aws_security_group.open" in result["message"]
    assert any("file=infra/main.tf" in line and "line=" in line for line in run.commands("error"))
    sarif = json.loads((run.workspace / ".changeproof" / "iac-pr-7.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_iac_off_is_unobservable_not_a_pass(tmp_path: Path) -> None:
    fake = FakeGitHub(iac_scenario(sc.BASE_SHA, sc.HEAD_SHA)).start()
    try:
        run = run_action(tmp_path, fake.base_url, "pull_request", pr_event(), inputs={"iac": "off"})
    finally:
        fake.stop()
    assert run.code == 1
    result = next(r for r in run.report()["evaluations"][0]["results"] if r["control"] == "iac_misconfig")
    assert result["status"] == "unobservable" and "turned off" in result["message"]
