"""A git directory holding a PR's base and head commits, for the IaC scan.

The workspace is used when the job checked the repository out; otherwise a scratch repository
outside the workspace fetches just the two commits (`--depth=1`). The token travels as an HTTP
header in the git subprocess's own environment (`GIT_CONFIG_*`), never in a URL, an argument, a
file or this process's environment.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from checker.errors import InfrastructureError

FETCH_TIMEOUT = 300


def git_auth_env(base: Mapping[str, str], token: str) -> dict[str, str]:
    """`base` without inherited git config overrides, plus the settings a fetch needs."""
    env = {k: v for k, v in base.items() if not k.startswith("GIT_CONFIG_")}
    settings = [("core.hooksPath", "/dev/null"), ("protocol.version", "2")]
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        settings.append(("http.extraHeader", f"AUTHORIZATION: basic {basic}"))
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for i, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


@contextmanager
def commits_checkout(
    *, workspace: str, remote_url: str, token: str, shas: tuple[str, ...], base_env: Mapping[str, str]
) -> Iterator[Path]:
    """The workspace when it is a git checkout, else a scratch repository with `shas` fetched."""
    folder = Path(workspace) if workspace else None
    if folder is not None and (folder / ".git").exists():
        yield folder
        return
    scratch = Path(tempfile.mkdtemp(prefix="changeproof-iac-"))
    try:
        env = git_auth_env(base_env, token)
        subprocess.run(["git", "init", "-q", str(scratch)], check=True, capture_output=True, env=env)
        subprocess.run(
            ["git", "-C", str(scratch), "remote", "add", "origin", remote_url], check=True, capture_output=True, env=env
        )
        for sha in dict.fromkeys(shas):
            fetched = subprocess.run(
                ["git", "-C", str(scratch), "fetch", "--no-tags", "--depth=1", "origin", sha],
                capture_output=True,
                text=True,
                env=env,
                timeout=FETCH_TIMEOUT,
                check=False,
            )
            if fetched.returncode != 0:
                raise InfrastructureError(
                    f"commit {sha[:12]} could not be fetched from the repository for the IaC scan",
                    fix="give the job `contents: read`, or check out the repository before the changeproof step",
                )
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
