"""`changeproof policy import`: the click command (thin: read, translate, write, exit code)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checker.errors import EXIT_USAGE


@click.command("import")
@click.option("--from", "source_format", type=click.Choice(["policy-bot"]), required=True, help="The language of FILE.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="Write the changeproof policy here instead of stdout.")
@click.option(
    "--extends",
    "extends",
    type=click.Choice(["baseline", "soc2"]),
    default="baseline",
    show_default=True,
    help="The profile the imported policy builds on.",
)
@click.option("--allow-relaxing", is_flag=True, help="With a strict profile, keep policy-bot's weaker defaults.")
@click.option("--partial", is_flag=True, help="Write what translated even when something did not (exit 2 still).")
def import_command(
    source_format: str, file: str, out: str | None, extends: str, allow_relaxing: bool, partial: bool
) -> None:
    """Translate a policy-bot .policy.yml into a changeproof policy with the same approval verdicts.

    Exit 0 when everything translated; 2 when something did not (each listed with its location;
    nothing is written unless --partial).
    """
    from checker.approval_policy.importer import import_policy_bot
    from checker.policy import read_policy_bytes

    result = import_policy_bot(read_policy_bytes(file), file, extends=extends, allow_relaxing=allow_relaxing)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for problem in result.problems:
        click.echo(f"untranslatable: {problem.render()}", err=True)
    if result.problems and not partial:
        click.echo(f"error: {len(result.problems)} construct(s) could not be translated; nothing written", err=True)
        sys.exit(EXIT_USAGE)
    text = result.render(file)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_USAGE if result.problems else 0)
