"""`changeproof org plan` and `changeproof period run` (thin: parse, call, print, exit code)."""

from __future__ import annotations

import json

import click

from checker.evidence.layout import DEFAULT_BRANCH

TOKEN_HELP = "GitHub token (an App installation token: Administration, Contents, Metadata: read)."
THROTTLE = click.option(
    "--api-throttle",
    envvar="CHANGEPROOF_API_THROTTLE",
    type=float,
    default=None,
    help="Seconds between API requests (default PyGithub's 0.25 s: the jobs share one rate limit).",
)


@click.group("org")
def org() -> None:
    """The whole organisation: which repositories the central evidence job covers."""


@org.command("plan")
@click.option("--org", "org_name", required=True, help="The organisation.")
@click.option("--topic", "topics", multiple=True, help="Only repositories with this topic (repeatable: all of them).")
@click.option("--exclude", multiple=True, help="Leave out this repository (name or glob; repeatable).")
@click.option("--chunk", type=int, default=256, show_default=True, help="Repositories per matrix (at most 256).")
@click.option("--api-url", envvar="GITHUB_API_URL", default="https://api.github.com", show_default=True)
@click.option("--token", envvar="GITHUB_TOKEN", default="", show_envvar=True, help=TOKEN_HELP)
@THROTTLE
def plan_command(
    org_name: str,
    topics: tuple[str, ...],
    exclude: tuple[str, ...],
    chunk: int,
    api_url: str,
    token: str,
    api_throttle: float | None,
) -> None:
    """Print the matrix JSON, one chunk per line; the same list is the manifest for reconcile."""
    from checker.github.api import Api
    from checker.org.plan import Scope, plan

    for part in plan(Api(token, api_url, throttle=api_throttle), Scope(org_name, topics, exclude, chunk)):
        click.echo(json.dumps(part, separators=(",", ":")))


@click.group("period")
def period() -> None:
    """The scheduled period controls: posture, observed bypasses, emergency retrospectives."""


@period.command("run")
@click.option("--repository", required=True, help="The audited repository, owner/name.")
@click.option("--ledger", required=True, help="Ledger repository: a git URL or a local path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="Ledger branch (ledger/<name> centrally).")
@click.option("--key", "key_path", required=True, help="The posture signing key (PEM private key file).")
@click.option("--policy-path", default=".github/changeproof.yml", show_default=True)
@click.option("--workflow", "workflows", multiple=True, help="changeproof's workflow files in the audited repository.")
@click.option("--environment", default="changeproof-evidence", show_default=True, help="The signing environment.")
@click.option("--ledger-branch-of-repository", "repo_ledger", default=DEFAULT_BRANCH, show_default=True)
@click.option("--now", help="The run's time (RFC 3339; default: the clock). For replays and tests.")
@click.option("--witness-key", "witness_keys", multiple=True, help="A witness's vkey file (repeatable).")
@click.option(
    "--witness-state",
    "witness_states",
    multiple=True,
    help="A witness's state directory or git repository: its cosignatures are copied onto the ledger branch.",
)
@click.option("--api-url", envvar="GITHUB_API_URL", default="https://api.github.com", show_default=True)
@click.option("--token", envvar="GITHUB_TOKEN", default="", show_envvar=True, help=TOKEN_HELP)
@THROTTLE
def run_command(
    repository: str,
    ledger: str,
    branch: str,
    key_path: str,
    policy_path: str,
    workflows: tuple[str, ...],
    environment: str,
    repo_ledger: str,
    now: str | None,
    witness_keys: tuple[str, ...],
    witness_states: tuple[str, ...],
    api_url: str,
    token: str,
    api_throttle: float | None,
) -> None:
    """Record bypasses, retrospectives and the posture of one repository; print what was recorded."""
    from datetime import UTC, datetime

    from checker.errors import UsageError
    from checker.evidence import RunContext, load_signer
    from checker.github.api import Api
    from checker.github.posture import PostureCollector, PostureSettings
    from checker.org.plan import rate_limit
    from checker.period.steps import PeriodRun, run_period_steps

    when = datetime.now(UTC)
    if now:
        try:
            when = datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            raise UsageError(f"--now {now!r} is not an RFC 3339 time", fix="e.g. --now 2026-11-01T06:00:00Z") from None
    api = Api(token, api_url, throttle=api_throttle)
    settings = PostureSettings(
        repository,
        policy_path=policy_path,
        workflow_paths=workflows or PostureSettings.workflow_paths,
        environment=environment,
        ledger_branch=repo_ledger,
    )
    context = RunContext(event="schedule", job="posture", workflow_ref="", run_id="", run_url="", ref="")
    run = PeriodRun(ledger, branch, load_signer("key", key_path), context)
    from checker.jobs.cosignatures import configured, publish

    witnesses = configured(witness_keys, witness_states)
    summary = run_period_steps(PostureCollector(api), settings, run, when)
    published = publish(ledger, branch, witnesses, witness_states, None)
    click.echo(json.dumps({**summary, "rate_limit": rate_limit(api), "cosignatures_published": published}, indent=2))


COMMANDS = (org, period)
