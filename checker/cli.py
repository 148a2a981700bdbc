"""The `changeproof` command line: parse, call, render, exit code. No logic lives here.

Exit codes: 0 pass / valid, 1 policy failure / ledger invalid, 2 usage or configuration error,
3 infrastructure error. A ChangeproofError is printed as its diagnostics, never as a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from checker import __version__, config
from checker.defaults import DEFAULT_API_URL
from checker.errors import EXIT_INFRASTRUCTURE, ChangeproofError
from checker.model import Evaluation, Facts

API_URL_OPTION = click.option(
    "--api-url",
    envvar="GITHUB_API_URL",
    default=DEFAULT_API_URL,
    show_default=True,
    help="GitHub API for `extends: owner/repo:path@ref` (token from GITHUB_TOKEN).",
)


def _fetcher(api_url: str) -> Any:
    from checker.github.shared_policy import shared_policy_fetcher

    return shared_policy_fetcher(api_url, config.secret("GITHUB_TOKEN"), throttle=config.api_throttle())


def _exit_code(evaluation: Evaluation) -> int:
    return 1 if evaluation.blocking() else 0


def _render(evaluation: Evaluation, fmt: str) -> str:
    if fmt == "json":
        from checker.serde import dumps

        return dumps(evaluation)
    if fmt == "markdown":
        from checker.render.markdown import render_markdown

        return render_markdown(evaluation)
    from checker.render.text import render_text

    return render_text(evaluation)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="changeproof")
def cli() -> None:
    """Pre-merge change-management controls with a signed evidence ledger."""


@cli.command()
@click.option(
    "--facts",
    "facts_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Facts JSON of one pull request (see `changeproof schema facts`).",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML. Default: the base policy carried in the facts, else the baseline profile.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@API_URL_OPTION
def evaluate(facts_path: str, policy_path: str | None, fmt: str, out: str | None, api_url: str) -> None:
    """Evaluate a PR's facts against a policy. Exit 0 pass, 1 fail (enforce mode), 2 bad input."""
    from checker import policy as policies
    from checker.evaluate import evaluate as run
    from checker.inputs import load_model

    facts = load_model(Facts, facts_path, "facts")
    if policy_path:
        policy = policies.load_file(policy_path, fetch=_fetcher(api_url))
    else:
        policy = policies.policy_for_facts(facts)
    evaluation = run(policy, facts)
    text = _render(evaluation, fmt)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(_exit_code(evaluation))


@cli.group()
def policy() -> None:
    """Validate and explain policy files (.github/changeproof.yml)."""


@policy.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@API_URL_OPTION
def policy_validate(file: str, api_url: str) -> None:
    """Check a policy file; every problem is reported with file:line:column and a fix."""
    from checker import policy as policies

    effective = policies.load_file(file, fetch=_fetcher(api_url))
    chain = " -> ".join((*effective.extends, file))
    click.echo(f"{file}: valid (mode {effective.mode.value}; {chain})")
    _warn_expired(effective)


def _warn_expired(effective: Any) -> None:
    """Expired waivers are valid but waive nothing: say so (exit status stays 0)."""
    import datetime as dt

    from checker import policy as policies

    today = dt.datetime.now(dt.UTC).date().isoformat()
    for warning in policies.expired_waivers(effective, today):
        click.echo(f"warning: {warning}", err=True)


@policy.command("explain")
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option("--profile", "profile_name", help="Explain a bundled profile instead of a file.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@API_URL_OPTION
def policy_explain(file: str | None, profile_name: str | None, fmt: str, api_url: str) -> None:
    """Show the effective policy as a policy file, each value commented with the layer that set it."""
    from checker import policy as policies
    from checker.errors import UsageError
    from checker.explain import explain, render_yaml

    if bool(file) == bool(profile_name):
        raise UsageError(
            "give either a policy FILE or --profile NAME", fix="changeproof policy explain .github/changeproof.yml"
        )
    if file:
        text, label = policies.read_policy_bytes(file), file
    else:
        text, label = f"version: 1\nextends: {profile_name}\n", f"profile:{profile_name}"
    layers = policies.policy_layers(text, label, fetch=_fetcher(api_url))
    explained = explain(layers)
    if fmt == "json":
        click.echo(json.dumps(explained.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_yaml(explained), nl=False)
    _warn_expired(policies.policy_from_layers(layers, label))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def controls(fmt: str) -> None:
    """List the control catalog with its framework mappings (SOC 2, ISO 27001, NIST 800-53)."""
    from checker.catalog import catalog

    items = catalog()
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    cid: {
                        "title": c.title,
                        "family": c.family,
                        "rationale": c.rationale,
                        "remediation": c.remediation,
                        "mappings": c.mappings,
                        "defaults": c.defaults,
                        "relaxed": c.relaxed,
                    }
                    for cid, c in items.items()
                },
                indent=2,
            )
        )
        return
    for cid, c in items.items():
        maps = "; ".join(f"{k.upper()} {', '.join(v)}" for k, v in c.mappings.items())
        click.echo(f"{cid:<18} {c.title}")
        click.echo(f"{'':<18} {maps}")


@cli.command()
@click.argument("name", type=click.Choice(["policy", "facts", "evaluation", "effective-policy"]))
def schema(name: str) -> None:
    """Print a published JSON Schema."""
    from checker.resources import schema as load_schema

    click.echo(json.dumps(load_schema(name), indent=2))


@cli.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False),
    default=".demo",
    show_default=True,
    help="Where the demo writes its reports.",
)
def demo(workdir: str) -> None:
    """Run the bundled example end to end: evaluate example PRs and write their reports."""
    from checker.demo import run_demo

    run_demo(Path(workdir), echo=click.echo)


# Commands contributed by other packages; their modules import nothing heavy (no checkov, no PyGithub).
from checker.approval_policy.commands import import_command as policy_import_command  # noqa: E402

#: Every package registers its commands the same way: a `COMMANDS` tuple in its `commands` module.
COMMAND_MODULES = (
    "checker.evidence.commands",
    "checker.iac.commands",
    "checker.github.commands",
    "checker.audit.commands",
    "checker.deploy.commands",
    "checker.org.commands",
)


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        for command in importlib.import_module(name).COMMANDS:
            cli.add_command(command)


_register()
policy.add_command(policy_import_command)


def _full_short_help(command: click.Command) -> None:
    """Command lists show each command's whole first sentence, wrapped, never cut off with '...'."""
    if command.short_help is None and command.help:
        first = " ".join(command.help.split("\n\n")[0].split())
        end = first.find(". ")
        command.short_help = first if end == -1 else first[: end + 1]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _full_short_help(sub)


_full_short_help(cli)


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="changeproof", standalone_mode=False)
    except ChangeproofError as error:
        click.echo(error.diagnostics(), err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except SystemExit:
        raise
    except Exception as error:
        if config.debug_enabled():
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error}\n"
            "  this is a bug in changeproof; re-run with CHANGEPROOF_DEBUG=1 for the traceback "
            "and report it",
            err=True,
        )
        sys.exit(EXIT_INFRASTRUCTURE)
