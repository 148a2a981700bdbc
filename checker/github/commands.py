"""`changeproof github ...`: the GitHub side from a terminal.

`collect` writes the Facts of one PR (as the gate, or as it stood at merge as the record job sees
it) so they can be evaluated, diffed or attached to a ticket; `action` runs the action's own flow
outside the container (for a composite step or a self-hosted runner without Docker).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checker import config
from checker.defaults import DEFAULT_LEDGER_BRANCH
from checker.errors import UsageError


@click.group("github")
def github() -> None:
    """Collect facts from GitHub, or run the GitHub Action's flow."""


@github.command("collect")
@click.argument("repository")
@click.argument("number", type=int)
@click.option(
    "--api-url",
    default=lambda: config.api_url(),
    show_default="$GITHUB_API_URL or https://api.github.com",
    help="REST API base URL (GHES: https://HOST/api/v3).",
)
@click.option(
    "--token-env",
    default="GITHUB_TOKEN",
    show_default=True,
    help="Name of the environment variable holding the token (never pass a token as an argument).",
)
@click.option(
    "--ledger-branch",
    default=DEFAULT_LEDGER_BRANCH,
    show_default=True,
    help="Also read the rules of this branch ('' to skip).",
)
@click.option("--at-merge", is_flag=True, help="Collect the merged PR as it stood at merge (as the record job).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the facts here instead of stdout.")
def collect(
    repository: str, number: int, api_url: str, token_env: str, ledger_branch: str, at_merge: bool, out: str | None
) -> None:
    """Write the Facts of pull request NUMBER of REPOSITORY (owner/name) as JSON."""
    from checker.github.api import Api
    from checker.github.collector import Collector, Target
    from checker.serde import dumps

    token = config.secret(token_env)
    if not token:
        raise UsageError(f"${token_env} is empty", fix=f"export {token_env}=<a token that can read the repository>")
    api = Api(token, api_url, throttle=config.api_throttle())
    collector = Collector(api)
    as_of = None
    if at_merge:
        pull = api.get(
            f"/repos/{repository}/pulls/{number}", what=f"pull request #{number}", permission="pull-requests: read"
        )
        as_of = pull.get("merged_at") if isinstance(pull, dict) else None
        if not as_of:
            raise UsageError(f"pull request #{number} is not merged", fix="drop --at-merge")
    facts = collector.collect(Target(repository, number, ledger_branch=ledger_branch), as_of=as_of)
    text = dumps(facts)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out} ({api.calls} API calls)", err=True)
    else:
        click.echo(text, nl=False)


@github.command("action")
def action() -> None:
    """Run the action's flow from the runner's environment (INPUT_*, GITHUB_*)."""
    from checker.github.action import main

    sys.exit(main(config.process_environment()))


COMMANDS = (github,)
