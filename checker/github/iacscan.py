"""Infrastructure-as-code facts for the action: scan only when the PR changed IaC files.

The scan needs both commits in a git directory. The workspace is used when the job checked the
repository out; otherwise a scratch repository outside the workspace fetches just the base and
head commits from this server (`--depth=1`, the token sent as an HTTP header through git's
environment configuration, never in a URL or argument). The PR's files are parsed by checkov as
data; nothing from the PR is executed. `iac: off` never skips the control: changed IaC files are
then recorded as not scanned, which the control reports as unobservable.

Which changed files are IaC is decided cheaply, without checkov (`checker.iac.classify`): by path,
and for a YAML/JSON file of no known kind by its content, read through the contents API at the
head (the base for a removed file or a rename's old path). A file that cannot be read counts as
IaC (fail closed), and so does every candidate past `MAX_CONTENT_READS`.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from checker.errors import ChangeproofError
from checker.github.api import Api
from checker.github.config import Config
from checker.github.report import Reporter, give_to_owner
from checker.model import Facts, IacFacts

MAX_CONTENT_READS = 40  # YAML/JSON files read to classify them; any further candidate counts as IaC
Reader = Callable[[str, str], bytes | None]  # (path, sha) -> the file's start, None when unreadable


def changed_iac_files(facts: Facts, read: Reader | None = None) -> tuple[str, ...]:
    """The changed paths that are IaC; without `read`, every YAML/JSON candidate counts (fail closed)."""
    from checker.iac import classify

    paths: dict[str, None] = {}
    reads = 0
    for f in facts.files:
        for path, sha in ((f.path, facts.head_sha), (f.previous_path, facts.base_sha)):
            if not path or path in paths:
                continue
            if f.status == "removed":
                sha = facts.base_sha
            content = None
            if classify.needs_content(path) and read is not None and reads < MAX_CONTENT_READS:
                reads += 1
                content = read(path, sha)
            if classify.is_iac(path, content):
                paths[path] = None
    return tuple(paths)


def contents_reader(api: Api, repository: str) -> Reader:
    """Read a file's first bytes at a commit through the contents API (None when unreadable)."""
    from checker.iac.classify import SNIFF_BYTES

    def read(path: str, sha: str) -> bytes | None:
        try:
            data = api.get(f"/repos/{repository}/contents/{path}", params={"ref": sha}, what=f"{path} at {sha[:12]}")
        except ChangeproofError:
            return None
        if not isinstance(data, dict) or data.get("encoding") != "base64" or not data.get("content"):
            return None
        try:
            return base64.b64decode(data["content"])[:SNIFF_BYTES]
        except ValueError:
            return None

    return read


def with_iac(config: Config, facts: Facts, reporter: Reporter, read: Reader | None = None) -> Facts:
    """`facts` with `iac` filled in when the PR touches IaC files (unchanged otherwise)."""
    changed = changed_iac_files(facts, read)
    if not changed:
        return facts
    if config.iac == "off":
        return replace(
            facts,
            iac=IacFacts(
                scanned=False,
                changed_iac_files=changed,
                errors=("IaC scanning is turned off by the action's iac input",),
            ),
        )
    from checker.iac import scan_git_change, write_sarif

    try:
        with _repository(config) as repo_dir:
            scan = scan_git_change(
                repo_dir=repo_dir, base_sha=facts.base_sha, head_sha=facts.head_sha, changed=facts.files
            )
    except ChangeproofError as error:
        reporter.warn(f"the IaC scan did not run: {error.summary}")
        return replace(facts, iac=IacFacts(scanned=False, changed_iac_files=changed, errors=(error.summary,)))
    iac_facts = scan.facts
    if config.workspace and Path(config.workspace).is_dir():
        folder = Path(config.workspace) / ".changeproof"
        digest = write_sarif(scan, folder / f"iac-pr-{facts.number}.sarif")
        give_to_owner(folder, Path(config.workspace))
        if not iac_facts.sarif_sha256:
            iac_facts = replace(iac_facts, sarif_sha256=digest)
    return replace(facts, iac=iac_facts)


@contextmanager
def _repository(config: Config) -> Iterator[Path]:
    workspace = Path(config.workspace) if config.workspace else None
    if workspace is not None and (workspace / ".git").exists():
        yield workspace
        return
    scratch = Path(tempfile.mkdtemp(prefix="changeproof-iac-"))
    saved = {k: v for k, v in os.environ.items() if k.startswith("GIT_CONFIG_") or k == "GIT_TERMINAL_PROMPT"}
    try:
        subprocess.run(["git", "init", "-q", str(scratch)], check=True, capture_output=True)
        subprocess.run(
            ["git", "-C", str(scratch), "remote", "add", "origin", f"{config.server_url}/{config.repository}.git"],
            check=True,
            capture_output=True,
        )
        settings = [("core.hooksPath", "/dev/null"), ("protocol.version", "2")]
        if config.token:
            basic = base64.b64encode(f"x-access-token:{config.token}".encode()).decode()
            settings.append(("http.extraHeader", f"AUTHORIZATION: basic {basic}"))
        os.environ["GIT_TERMINAL_PROMPT"] = "0"
        os.environ["GIT_CONFIG_COUNT"] = str(len(settings))
        for i, (key, value) in enumerate(settings):
            os.environ[f"GIT_CONFIG_KEY_{i}"] = key
            os.environ[f"GIT_CONFIG_VALUE_{i}"] = value
        yield scratch
    finally:
        for key in [k for k in os.environ if k.startswith("GIT_CONFIG_") or k == "GIT_TERMINAL_PROMPT"]:
            del os.environ[key]
        os.environ.update(saved)
        shutil.rmtree(scratch, ignore_errors=True)
