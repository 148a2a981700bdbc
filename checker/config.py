"""The command line's settings that come from the environment, read in this one place.

Everything else under `checker/` takes its settings as parameters. The Action's settings are
built by `checker.github.config.Config.from_env`; click options read their own `envvar=`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from checker.defaults import DEFAULT_API_URL

if TYPE_CHECKING:
    from checker.evidence.statement import RunContext


def debug_enabled() -> bool:
    """`CHANGEPROOF_DEBUG=1` shows the traceback of an internal error."""
    return bool(os.environ.get("CHANGEPROOF_DEBUG"))


def secret(name: str) -> str:
    """The value of the environment variable `name` (tokens and passwords are never arguments)."""
    return os.environ.get(name, "")


def api_url() -> str:
    return (os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")


def api_throttle() -> float | None:
    """Seconds between API requests when `CHANGEPROOF_API_THROTTLE` is set (the tests set 0)."""
    value = os.environ.get("CHANGEPROOF_API_THROTTLE")
    return float(value) if value not in (None, "") else None


def data_dir_override(name: str) -> str:
    """`CHANGEPROOF_RULES_DIR` / `CHANGEPROOF_EXAMPLES_DIR`: use another rules or examples folder."""
    return os.environ.get(f"CHANGEPROOF_{name.upper()}_DIR", "")


def process_environment() -> Mapping[str, str]:
    """The whole environment, for the Action's own config builder when run from the terminal."""
    return dict(os.environ)


LEDGER_TOKEN_ENV = "CHANGEPROOF_LEDGER_TOKEN"


def ledger_token_from_environment() -> str | None:
    """The HTTPS token for the ledger remote, for callers that have not passed one explicitly yet."""
    return os.environ.get(LEDGER_TOKEN_ENV) or None


def run_context_from_environment(job: str) -> RunContext:
    """Where this run happens, from the variables GitHub Actions sets (all empty on a laptop)."""
    from checker.evidence.statement import RunContext

    env = os.environ
    server, repo = env.get("GITHUB_SERVER_URL", ""), env.get("GITHUB_REPOSITORY", "")
    run_id = env.get("GITHUB_RUN_ID", "")
    url = f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else ""
    return RunContext(
        event=env.get("GITHUB_EVENT_NAME", ""),
        job=job,
        workflow_ref=env.get("GITHUB_WORKFLOW_REF", ""),
        run_id=run_id,
        run_url=url,
        ref=env.get("GITHUB_REF", ""),
        image_digest=env.get("CHANGEPROOF_IMAGE_DIGEST", ""),
    )


def step_summary_path() -> str | None:
    return os.environ.get("GITHUB_STEP_SUMMARY") or None
