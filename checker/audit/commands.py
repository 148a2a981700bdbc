"""The auditor's commands: export, reconcile, sample, simulate (thin: parse, call, print, exit code)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.audit.formats import FORMATS
from checker.errors import UsageError
from checker.evidence.commands import witness_options, witness_values
from checker.evidence.layout import DEFAULT_BRANCH

F = TypeVar("F", bound=Callable[..., Any])


def _ledger_options(f: F, required: bool = True, key_required: bool = True) -> F:
    f = click.option(
        "--allow-invalid", is_flag=True, help="Use a ledger that fails verification anyway (every row is marked)."
    )(f)
    f = click.option(
        "--key",
        "keys",
        multiple=True,
        required=key_required,
        type=click.Path(dir_okay=False),
        help="Trusted PEM public key of the record job (repeatable)."
        + ("" if key_required else " Keyless ledgers: --identity and --trusted-root instead."),
    )(f)
    f = click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="The ledger branch.")(f)
    f = click.option(
        "--ledger",
        "ledgers",
        multiple=True,
        required=required,
        help="Ledger repository (git URL or local path); repeat for several repositories.",
    )(f)
    return f


MANIFEST_HELP = (
    'A manifest of repositories (JSON lines, or the {"include": [...]} matrix): one population over all of '
    "their ledgers. See the README's auditor's guide."
)


@click.command("export")
@partial(_ledger_options, required=False, key_required=False)
@witness_options
@click.option(
    "--identity",
    "identities",
    multiple=True,
    help="Trusted Sigstore identity of a keyless ledger (repeatable); its period entries count with Rekor's time.",
)
@click.option("--manifest", type=click.Path(dir_okay=False, exists=True), help=MANIFEST_HELP)
@click.option("--from", "start", help="Start of the review period (YYYY-MM-DD or RFC 3339), by merge time.")
@click.option("--to", "end", help="End of the review period, inclusive.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option(
    "--sample",
    "sample_path",
    type=click.Path(dir_okay=False, exists=True),
    help="With --format xlsx: a sample written by `changeproof sample --out`, added as the Sample sheet.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the export.")
@click.option(
    "--deployer-key",
    "deployer_keys",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Trusted deployer public key: its deployment claims count (repeatable).",
)
@click.option(
    "--deployer-identity",
    "deployer_identities",
    multiple=True,
    help="Trusted deployer Sigstore identity (keyless CD jobs): its deployment claims count (repeatable).",
)
@click.option("--issuer", default="https://token.actions.githubusercontent.com", show_default=True)
@click.option("--trusted-root", type=click.Path(dir_okay=False), help="Sigstore trusted_root.json (keyless).")
@click.option(
    "--posture-key",
    "posture_keys",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Trusted PEM public key of the central evidence job (posture, bypass, retrospective entries).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes verifying and reading the entries (default: one per core, as verify's --workers).",
)
def export_command(
    ledgers: tuple[str, ...],
    branch: str,
    keys: tuple[str, ...],
    allow_invalid: bool,
    manifest: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
    sample_path: str | None,
    out: str,
    deployer_keys: tuple[str, ...] = (),
    deployer_identities: tuple[str, ...] = (),
    issuer: str = "https://token.actions.githubusercontent.com",
    trusted_root: str | None = None,
    posture_keys: tuple[str, ...] = (),
    identities: tuple[str, ...] = (),
    workers: int | None = None,
    **witness: Any,
) -> None:
    """Verify the ledger(s), then list every merged change of the period (one row each).

    With --witness-key/--witnesses every entry of each ledger must be covered by the witnesses."""
    from checker.audit.population import Period
    from checker.audit.progress import bars
    from checker.audit.run import export
    from checker.evidence import Identity, VerifyOptions

    period = Period.parse(start, end)
    options = VerifyOptions(
        **witness_values(witness),
        deployer_keys=tuple(deployer_keys),
        identities=tuple(Identity(i, issuer) for i in identities),
        deployer_identities=tuple(Identity(i, issuer) for i in deployer_identities),
        trusted_root=trusted_root,
    )
    sources: list[str] | list[tuple[str, str]] = list(ledgers)
    if manifest:
        from checker.audit.manifest import load_manifest

        sources = [*((x, branch) for x in ledgers), *load_manifest(Path(manifest)).ledgers()]
    if not sources:
        raise UsageError("no ledger given", fix="pass --ledger PATH_OR_URL (repeatable) or --manifest FILE")
    sample = None
    if sample_path:
        if fmt != "xlsx":
            raise UsageError("--sample is only used by --format xlsx", fix="add --format xlsx, or drop --sample")
        from checker.audit.workpapers import load_sample

        sample = load_sample(Path(sample_path))
    with bars(fmt != "json") as b:
        path, population = export(
            sources,
            branch,
            keys,
            period,
            fmt,
            Path(out),
            allow_invalid=allow_invalid,
            bars=b,
            sample=sample,
            posture_keys=posture_keys,
            options=options,
            jobs=workers,
        )
    click.echo(f"wrote {len(population.rows)} changes to {path}", err=fmt == "json")


@click.command("reconcile")
@click.option(
    "--repo",
    "repo_path",
    type=click.Path(file_okay=False, exists=True),
    help="A clone of the audited repository (the population comes from its history).",
)
@click.option("--branch", "target", default="main", show_default=True, help="The audited branch.")
@click.option("--repository", help="owner/name on GitHub (default: the ledger's own record of it).")
@click.option("--ledger", "ledgers", multiple=True, help="Ledger repository (repeatable).")
@click.option("--ledger-branch", default=DEFAULT_BRANCH, show_default=True)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, exists=True),
    help="Reconcile every repository of a manifest (instead of --repo/--ledger): one population, "
    "the repository on every change. See the README's auditor's guide.",
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="Trusted PEM public key of the record job (repeatable).",
)
@click.option("--allow-invalid", is_flag=True, help="Reconcile against a ledger that fails verification.")
@click.option("--from", "start", help="Start of the review period, by push time.")
@click.option("--to", "end", help="End of the review period, inclusive.")
@click.option("--api-url", help="GitHub REST API base URL, for push times (activity API) and PR lookups.")
@click.option(
    "--token", envvar="GITHUB_TOKEN", default="", show_default=False, help="Token for --api-url [env: GITHUB_TOKEN]."
)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write POPULATION.json.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def reconcile_command(
    repo_path: str | None,
    target: str,
    repository: str | None,
    ledgers: tuple[str, ...],
    ledger_branch: str,
    manifest: str | None,
    keys: tuple[str, ...],
    allow_invalid: bool,
    start: str | None,
    end: str | None,
    api_url: str | None,
    token: str,
    out: str,
    fmt: str,
) -> None:
    """Prove every change that reached the branch has a merge record. Exit 1 when there are gaps."""
    from checker.audit.population import Period
    from checker.render.reconcile_text import render_text

    period = Period.parse(start, end)
    if manifest:
        if repo_path or ledgers or repository:
            raise UsageError(
                "--manifest replaces --repo, --ledger and --repository",
                fix="put every repository in the manifest, or drop --manifest",
            )
        from checker.audit.manifest import load_manifest
        from checker.audit.organisation import reconcile_manifest

        result = reconcile_manifest(
            load_manifest(Path(manifest)), keys, period, api_url=api_url, token=token, allow_invalid=allow_invalid
        )
    else:
        if not repo_path or not ledgers:
            raise UsageError(
                "reconcile needs --repo and --ledger (or --manifest)",
                fix="pass --repo CLONE --ledger LEDGER, or --manifest FILE for several repositories",
            )
        from checker.audit.reconcile import reconcile

        result = reconcile(
            Path(repo_path),
            target,
            ledgers,
            ledger_branch,
            keys,
            period,
            repository=repository,
            api_url=api_url,
            token=token,
            allow_invalid=allow_invalid,
        )
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(render_text(result))
        click.echo(f"population written to {out}")
    sys.exit(1 if result["exceptions"] else 0)


@click.command("sample")
@click.option(
    "--population",
    "population_path",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="POPULATION.json written by `changeproof reconcile`.",
)
@click.option("--size", required=True, type=click.IntRange(min=1), help="How many changes to draw.")
@click.option("--seed", required=True, help="The seed (write it in your workpapers).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the sample JSON here.")
@click.option(
    "--packets",
    "packets_dir",
    type=click.Path(file_okay=False),
    help="Write an evidence packet (HTML + JSON) per sampled change into this directory.",
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Trusted public key for the packets' ledger verification (repeatable).",
)
@click.option("--allow-invalid", is_flag=True, help="Write packets even from a ledger that fails verification.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--kind",
    type=click.Choice(["change", "deployment"]),
    default="change",
    show_default=True,
    help="Draw changes, or the deployments of an export JSON.",
)
def sample_command(
    population_path: str,
    size: int,
    seed: str,
    out: str | None,
    packets_dir: str | None,
    keys: tuple[str, ...],
    allow_invalid: bool,
    fmt: str,
    kind: str,
) -> None:
    """Draw a reproducible sample: sort by SHA-256(seed + ':' + change id), take the first N."""
    from checker.audit.sample import draw, load_population
    from checker.render.sample_text import render_text

    population = load_population(Path(population_path))
    if kind == "deployment":
        from checker.audit.deployments import sample_population

        if packets_dir:
            raise UsageError(
                "--packets draws change packets, not deployments", fix="drop --packets with --kind deployment"
            )
        population = sample_population(population)
    drawn = draw(population, size, seed)
    if packets_dir:
        from checker.audit.packets import write_packets

        if not keys:
            raise UsageError("--packets needs --key", fix="pass the record job's public key with --key")
        drawn["packets"] = write_packets(drawn, population, Path(packets_dir), keys, allow_invalid=allow_invalid)
    text = json.dumps(drawn, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    click.echo(text if fmt == "json" else render_text(drawn), nl=fmt != "json")


@click.command("simulate")
@click.option(
    "--policy", "policy_path", required=True, type=click.Path(dir_okay=False), help="The proposed policy YAML."
)
@_ledger_options
@click.option("--since", help="Only changes merged on or after this date (default: the last --last changes).")
@click.option(
    "--last",
    "last",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="How many of the most recent merged changes to re-evaluate.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def simulate_command(
    policy_path: str,
    ledgers: tuple[str, ...],
    branch: str,
    keys: tuple[str, ...],
    allow_invalid: bool,
    since: str | None,
    last: int,
    fmt: str,
) -> None:
    """Re-evaluate recorded changes under a proposed policy; show which verdicts would change."""
    from checker.audit.population import Period
    from checker.audit.simulate import render_text, simulate

    result = simulate(policy_path, ledgers, branch, keys, Period.parse(since, None), last, allow_invalid=allow_invalid)
    click.echo(json.dumps(result, indent=2) if fmt == "json" else render_text(result))


COMMANDS = (export_command, reconcile_command, sample_command, simulate_command)
