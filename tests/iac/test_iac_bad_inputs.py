"""Hostile or broken input is reported in IacFacts.errors: never a crash, never read outside the repo."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from iac_fixtures import REPO, make_head

from checker.iac import IacScan, scan_change, scan_git_change
from checker.iac.changes import changed_between
from checker.model import ChangedFile

SECRET_OUTSIDE = 'resource "aws_s3_bucket" "outside" {\n  bucket = "read-from-outside-the-repository"\n}\n'


@pytest.fixture(scope="module")
def bad_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[IacScan, Path]:
    tmp = tmp_path_factory.mktemp("bad")
    outside = tmp / "outside.tf"
    outside.write_text(SECRET_OUTSIDE)
    head = make_head(tmp / "head", "public_bucket")
    bad = head / "infra/broken"
    bad.mkdir()
    (bad / "syntax.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "unterminated\n')
    (bad / "binary.tf").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64)
    (bad / "escape.tf").symlink_to(outside)
    (bad / "inside.tf").symlink_to("../storage/public.tf")
    # A file that had findings at base and no longer parses: its findings are not "resolved".
    network = head / "infra/network/main.tf"
    network.write_text(network.read_text().replace('resource "aws_vpc" "main" {', 'resource "aws_vpc" "main" {{'))
    (head / "k8s/huge.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n"
        + "".join(f"  k{i}: {'x' * 90}\n" for i in range(55_000))
    )
    changed = changed_between(REPO, head)
    return scan_change(base_dir=REPO, head_dir=head, changed=changed, mode="inprocess"), head


def test_each_bad_input_is_reported(bad_scan: tuple[IacScan, Path]) -> None:
    scan, head = bad_scan
    errors = "\n".join(scan.facts.errors)
    assert scan.facts.scanned
    assert "head: infra/broken/syntax.tf: checkov could not parse this file" in errors
    assert "head: infra/network/main.tf: checkov could not parse this file" in errors
    assert scan.facts.resolved == ()
    assert "head: infra/broken/binary.tf: binary (or not UTF-8) content" in errors
    assert "head: infra/broken/escape.tf: symlink points outside the repository; not followed" in errors
    assert (head / "k8s/huge.yaml").stat().st_size > 5_000_000
    assert "head: k8s/huge.yaml:" in errors and "byte limit; not scanned" in errors


def test_bad_inputs_do_not_hide_the_good_ones(bad_scan: tuple[IacScan, Path]) -> None:
    scan, _ = bad_scan
    resources = {(f.file, f.resource) for f in scan.facts.introduced}
    assert ("infra/storage/public.tf", "aws_s3_bucket_acl.public") in resources
    # An in-repository symlink is scanned as the file it points to.
    assert ("infra/broken/inside.tf", "aws_s3_bucket_acl.public") in resources


def test_nothing_outside_the_repository_is_read(bad_scan: tuple[IacScan, Path]) -> None:
    scan, _ = bad_scan
    assert not [f for f in scan.facts.introduced if "outside" in f.resource or f.file.endswith("escape.tf")]


def test_paths_climbing_out_of_the_repository_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "main.tf").write_text(SECRET_OUTSIDE)
    head = tmp_path / "head"
    head.mkdir()
    (head / "main.tf").write_text('module "m" {\n  source = "../outside"\n}\n')
    changed = [ChangedFile("../outside/main.tf", "added"), ChangedFile("main.tf", "added")]
    scan = scan_change(base_dir=tmp_path / "head", head_dir=head, changed=changed, mode="inprocess")
    errors = "\n".join(scan.facts.errors)
    assert "'../outside/main.tf': path is outside the repository; ignored" in errors
    assert "module source '../outside' points outside the repository; not followed" in errors
    assert not [f for f in scan.facts.introduced if "outside" in f.resource]


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def test_git_change_fetches_a_missing_base_and_refuses_escaping_symlinks(tmp_path: Path) -> None:
    origin = make_head(tmp_path / "origin", "unrelated_edit")
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-qm", "base")
    base_sha = _git(origin, "rev-parse", "HEAD")
    public = (REPO.parent / "scenarios/public_bucket/files/infra/storage/public.tf").read_text()
    (origin / "infra/storage/public.tf").write_text(public)
    (origin / "infra/storage/passwd.tf").symlink_to("/etc/passwd")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-qm", "head")
    head_sha = _git(origin, "rev-parse", "HEAD")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{origin}", str(clone)], check=True)
    assert subprocess.run(["git", "-C", str(clone), "cat-file", "-e", f"{base_sha}^{{commit}}"]).returncode != 0
    changed = [ChangedFile("infra/storage/public.tf", "added"), ChangedFile("infra/storage/passwd.tf", "added")]
    scan = scan_git_change(repo_dir=clone, base_sha=base_sha, head_sha=head_sha, changed=changed, mode="inprocess")
    assert ("CKV_CP_AWS_2", "aws_s3_bucket_acl.public") in {(f.check_id, f.resource) for f in scan.facts.introduced}
    assert not [f for f in scan.facts.introduced if f.file != "infra/storage/public.tf"]
    assert scan.facts.errors == ("head: infra/storage/passwd.tf: symlink points outside the repository; not followed",)
