"""The command line's environment builder: the one place outside the Action's config builder that
reads settings from the process environment, so everything below it takes them as parameters.
"""

from __future__ import annotations

import os

from checker.evidence.statement import RunContext

LEDGER_TOKEN_ENV = "CHANGEPROOF_LEDGER_TOKEN"


def ledger_token_from_environment() -> str | None:
    """The HTTPS token for the ledger remote, for callers that have not passed one explicitly yet."""
    return os.environ.get(LEDGER_TOKEN_ENV) or None


def run_context_from_environment(job: str) -> RunContext:
    """Where this run happens, from the variables GitHub Actions sets (all empty on a laptop)."""
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


def secret_from_environment(name: str) -> str | None:
    """A secret (e.g. a key password) from the environment variable the user named."""
    return os.environ.get(name) or None
