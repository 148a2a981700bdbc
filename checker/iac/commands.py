"""`changeproof iac`: the PR's IaC diff on two local trees, as text, JSON facts or SARIF."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from checker.errors import UsageError
from checker.iac.classify import FRAMEWORKS
from checker.model import ChangedFile, IacFacts

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def _clean(text: str) -> str:
    """File names and reasons come from the PR: no terminal escape sequences reach the screen."""
    return _CONTROL.sub("?", text)


def render_text(facts: IacFacts) -> str:
    lines = [
        f"IaC scan: frameworks {', '.join(facts.frameworks) or 'none (no IaC file changed)'}; "
        f"{len(facts.introduced)} introduced, {len(facts.resolved)} resolved, "
        f"{len(facts.suppressions)} suppression(s) added"
    ]
    for title, findings in (("introduced", facts.introduced), ("resolved", facts.resolved)):
        if findings:
            lines.append(f"{title}:")
        for f in findings:
            lines.append(
                f"  {f.severity.upper():8} {f.check_id} {_clean(f.file)}:{f.line_start}-{f.line_end} "
                f"{_clean(f.resource)}: {f.check_name}"
            )
    if facts.suppressions:
        lines.append("suppressions added:")
    for s in facts.suppressions:
        lines.append(
            f"  {s.check_id} {_clean(s.file)}:{s.line} {_clean(s.resource)} "
            f"reason: {_clean(s.reason) or '(none given)'}"
        )
    lines.extend(f"error: {_clean(e)}" for e in facts.errors)
    return "\n".join(lines) + "\n"


def _changed(base: Path, head: Path, path: str) -> ChangedFile:
    in_base, in_head = (base / path).is_file(), (head / path).is_file()
    if not in_base and not in_head:
        raise UsageError(
            f"--changed {path!r} is in neither tree", fix="give paths relative to the --base and --head directories"
        )
    return ChangedFile(path, "added" if not in_base else "removed" if not in_head else "modified")


@click.command("iac")
@click.option(
    "--base",
    "base",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="Directory with the base version of the repository.",
)
@click.option(
    "--head",
    "head",
    required=True,
    type=click.Path(file_okay=False, exists=True),
    help="Directory with the PR's version of the repository.",
)
@click.option(
    "--changed",
    "changed",
    multiple=True,
    help="A changed file (repository-relative; repeat). Default: every file that differs.",
)
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    type=click.Choice(FRAMEWORKS),
    help="Only these checkov frameworks (repeat). Default: all of them.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["critical", "high", "medium", "low"]),
    default="high",
    show_default=True,
    help="Exit 1 when a new finding is at least this severe.",
)
@click.option("--sarif", "sarif_path", type=click.Path(dir_okay=False), help="Also write the SARIF 2.1.0 file here.")
@click.option(
    "--mode",
    envvar="CHANGEPROOF_IAC_MODE",
    default="",
    help="How checkov runs: worker (default), inprocess, subprocess-per-tree.",
)
def iac(
    base: str,
    head: str,
    changed: tuple[str, ...],
    frameworks: tuple[str, ...],
    fmt: str,
    fail_on: str,
    sarif_path: str | None,
    mode: str,
) -> None:
    """Scan what a change adds to IaC misconfigurations, checkov offline, base vs head.

    Exit 0 when nothing at or above --fail-on was introduced, 1 when something was, 2 on bad input.
    """
    from checker.iac import sarif_bytes, scan_change, write_sarif
    from checker.iac.changes import changed_between
    from checker.iac.scan import with_digest
    from checker.serde import dumps

    base_dir, head_dir = Path(base), Path(head)
    if base_dir.resolve() == head_dir.resolve():
        raise UsageError("--base and --head are the same directory", fix="pass the two versions to compare")
    files = [_changed(base_dir, head_dir, p) for p in changed] if changed else changed_between(base_dir, head_dir)
    scan = scan_change(
        base_dir=base_dir, head_dir=head_dir, changed=files, frameworks=frameworks or None, mode=mode or None
    )
    if sarif_path:
        scan = with_digest(scan, write_sarif(scan, Path(sarif_path)))
    if fmt == "json":
        click.echo(dumps(scan.facts), nl=False)
    elif fmt == "sarif":
        click.echo(sarif_bytes(scan).decode("utf-8"), nl=False)
    else:
        click.echo(render_text(scan.facts), nl=False)
    blocking = [f for f in scan.facts.introduced if RANK.get(f.severity, 3) >= RANK[fail_on]]
    sys.exit(1 if blocking else 0)


COMMANDS = (iac,)
