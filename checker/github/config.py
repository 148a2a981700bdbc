"""The action's configuration, read once from the runner's environment.

Inputs arrive as `INPUT_<NAME>` with the name upper-cased and hyphens kept (`INPUT_GITHUB-TOKEN`);
the underscore spelling is accepted too. No input can weaken enforcement: the mode and the
policy come from the base commit's policy file only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.defaults import DEFAULT_API_URL, DEFAULT_LEDGER_BRANCH
from checker.errors import UsageError

SIGNING_MODES = ("key", "sigstore", "none")
_GIT_ENV = frozenset(
    {
        "PATH",
        "HOME",
        "LANG",
        "TMPDIR",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "GIT_SSL_CAINFO",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "XDG_CONFIG_HOME",
    }
)
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def _lines(value: str) -> tuple[str, ...]:
    """A multi-line input's non-blank lines."""
    return tuple(line.strip() for line in value.splitlines() if line.strip())


def _input(env: Mapping[str, str], name: str, default: str = "") -> str:
    upper = name.upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        value = env.get(key)
        if value is not None and value.strip() != "":
            return value.strip() if "KEY" not in upper and "TOKEN" not in upper else value
    return default


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = _input(env, name, "false").lower()
    if value not in ("true", "false", "yes", "no", "1", "0"):
        raise UsageError(f"input {name} is '{value}'", fix=f"Set {name} to true or false.")
    return value in ("true", "yes", "1")


def _number(env: Mapping[str, str], name: str, default: Any, kind: Callable[[str], Any]) -> Any:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        raise UsageError(f"{name} is '{value}', not a number", fix=f"Unset {name} or give it a number.") from None


@dataclass(frozen=True)
class Config:
    token: str
    api_url: str
    server_url: str
    repository: str
    event_name: str
    event_path: str
    job: str
    check_run: bool
    comment: bool
    ledger_repository: str
    ledger_branch: str
    signing_key: str
    signing_key_password: str
    signing_mode: str
    iac: str
    pr_input: str
    workspace: str
    output_path: str
    summary_path: str
    run_id: str
    workflow_ref: str
    ref: str
    backfill_days: int
    #: Upload the IaC SARIF to GitHub code scanning (input code-scanning; needs security-events: write).
    code_scanning: bool = False
    # Tuning that tests and operators set through CHANGEPROOF_* variables; never enforcement.
    api_retries: int = 5
    api_backoff: float = 1.0
    api_max_wait: float = 60.0
    api_throttle: float | None = None
    link_retries: int = 4
    link_delay: float = 3.0
    iac_mode: str = ""
    image_digest: str = ""
    claims: str = ""  # deployment claim file(s) for the record job to ingest (`attest deployment --out`)
    #: Witnesses whose cosigned checkpoints the record job copies onto the ledger branch after it
    #: appends: their vkeys and where their state is (a directory or git repository), one per line.
    witness_keys: tuple[str, ...] = ()
    witness_states: tuple[str, ...] = ()
    #: Pushes the ledger branch: CHANGEPROOF_LEDGER_TOKEN when the ledger lives where the
    #: github-token cannot write (a central evidence repository), else the github-token.
    ledger_token: str = ""
    graphql: bool = True  # read the gate's PR through GraphQL (CHANGEPROOF_GRAPHQL=0: REST only)
    #: What git subprocesses inherit: where programs, certificates and proxies are; no secrets.
    git_env: tuple[tuple[str, str], ...] = ()

    @property
    def run_url(self) -> str:
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}" if self.run_id else ""

    @property
    def ledger_location(self) -> str:
        """A git location for the ledger: owner/repo on this server, or a URL / local path as given."""
        target = self.ledger_repository or self.repository
        if _REPO.match(target):
            return f"{self.server_url}/{target}.git"
        return target

    @property
    def ledger_name(self) -> str:
        target = self.ledger_repository or self.repository
        return target if _REPO.match(target) else self.repository

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        own = env.get("GITHUB_REPOSITORY", "")
        if not _REPO.match(own):
            raise UsageError(
                "GITHUB_REPOSITORY is not set to owner/repository",
                fix="Run changeproof as a GitHub Action step (it sets GITHUB_REPOSITORY).",
            )
        # `repository` names the audited repository (the central evidence workflow's matrix);
        # its ledger then lives here, on ledger/<name>, unless the ledger inputs say otherwise.
        repository = _input(env, "repository") or own
        if not _REPO.match(repository):
            raise UsageError(f"input repository is '{repository}'", fix="Use owner/name, or leave it empty.")
        central = repository.lower() != own.lower()
        mode = _input(env, "signing-mode", "").lower()
        key = _input(env, "signing-key")
        if not mode:
            mode = "key" if key else "none"
        if mode not in SIGNING_MODES:
            raise UsageError(f"input signing-mode is '{mode}'", fix="Use key, sigstore or none.")
        iac = _input(env, "iac", "auto").lower()
        if iac not in ("auto", "off"):
            raise UsageError(f"input iac is '{iac}'", fix="Use auto or off.")
        days = _input(env, "backfill-days", "7")
        if not days.isdigit():
            raise UsageError(f"input backfill-days is '{days}'", fix="Use a whole number of days, such as 7.")
        return cls(
            token=_input(env, "github-token") or env.get("GITHUB_TOKEN", ""),
            api_url=(_input(env, "api-url") or env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            repository=repository,
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event_path=env.get("GITHUB_EVENT_PATH", ""),
            job=_input(env, "job").lower(),
            check_run=_flag(env, "check-run"),
            comment=_flag(env, "comment"),
            ledger_repository=_input(env, "ledger-repository") or (own if central else ""),
            ledger_branch=_input(env, "ledger-branch")
            or (f"ledger/{repository.split('/')[1]}" if central else DEFAULT_LEDGER_BRANCH),
            signing_key=key,
            signing_key_password=_input(env, "signing-key-password"),
            signing_mode=mode,
            iac=iac,
            pr_input=_input(env, "pr"),
            workspace=env.get("GITHUB_WORKSPACE", ""),
            output_path=env.get("GITHUB_OUTPUT", ""),
            summary_path=env.get("GITHUB_STEP_SUMMARY", ""),
            run_id=env.get("GITHUB_RUN_ID", ""),
            workflow_ref=env.get("GITHUB_WORKFLOW_REF", ""),
            ref=env.get("GITHUB_REF", ""),
            backfill_days=int(days),
            code_scanning=_flag(env, "code-scanning"),
            api_retries=_number(env, "CHANGEPROOF_API_RETRIES", 5, int),
            api_backoff=_number(env, "CHANGEPROOF_API_BACKOFF", 1.0, float),
            api_max_wait=_number(env, "CHANGEPROOF_API_MAX_WAIT", 60.0, float),
            api_throttle=_number(env, "CHANGEPROOF_API_THROTTLE", None, float),
            link_retries=_number(env, "CHANGEPROOF_LINK_RETRIES", 4, int),
            link_delay=_number(env, "CHANGEPROOF_LINK_DELAY", 3.0, float),
            iac_mode=env.get("CHANGEPROOF_IAC_MODE", ""),
            image_digest=env.get("CHANGEPROOF_IMAGE_DIGEST", ""),
            claims=_input(env, "claims"),
            witness_keys=_lines(_input(env, "witness-vkey")),
            witness_states=_lines(_input(env, "witness-state")),
            ledger_token=env.get("CHANGEPROOF_LEDGER_TOKEN", "")
            or (_input(env, "github-token") or env.get("GITHUB_TOKEN", "")),
            graphql=env.get("CHANGEPROOF_GRAPHQL", "1").strip().lower() not in ("0", "false", "no", "off"),
            git_env=tuple((k, env[k]) for k in sorted(env) if k in _GIT_ENV or k.startswith("LC_")),
        )
