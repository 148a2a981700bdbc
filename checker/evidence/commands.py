"""The `keygen`, `record` and `verify` commands (thin: parse, call, print, exit code).

Heavy imports (cryptography, securesystemslib, git work) happen inside the commands so the
rest of the CLI starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from checker.errors import UsageError
from checker.evidence.layout import DEFAULT_BRANCH

KEY_ENV = "CHANGEPROOF_SIGNING_KEY"
PASSWORD_ENV = "CHANGEPROOF_KEY_PASSWORD"


@click.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory for changeproof.key (private, mode 0600) and changeproof.pub.",
)
@click.option("--type", "key_type", type=click.Choice(["ed25519", "ecdsa-p256"]), default="ed25519", show_default=True)
@click.option(
    "--password-env", metavar="NAME", help="Encrypt the private key with the password in this environment variable."
)
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
def keygen(out_dir: str, key_type: str, password_env: str | None, force: bool) -> None:
    """Create a signing key pair for the evidence ledger."""
    from checker.evidence.keys import generate_keypair

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise UsageError(f"environment variable {password_env} is empty", fix=f"export {password_env}=...")
    priv_path, pub_path, key = generate_keypair(Path(out_dir), key_type, password=password, force=force)
    click.echo(f"wrote {priv_path} (private, mode 0600) and {pub_path}")
    click.echo(f"key id: {key.keyid} ({key.scheme})")
    click.echo("")
    click.echo("Store the private key as a secret only the default branch's jobs can read, e.g. in a")
    click.echo("protected environment named 'changeproof-evidence':")
    click.echo(f"  gh secret set {KEY_ENV} --env changeproof-evidence < {priv_path}")
    click.echo(f"then delete {priv_path} from this machine. Give {pub_path} to your auditors;")
    click.echo(f"they verify with: changeproof verify --ledger REPO --key {pub_path.name}")


def _context(job: str) -> object:
    from checker.evidence import RunContext

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


@click.command()
@click.option("--facts", "facts_path", required=True, type=click.Path(dir_okay=False), help="Facts JSON of the PR.")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML. Default: the base policy carried in the facts, else the baseline profile.",
)
@click.option("--ledger", required=True, help="Ledger repository: a git URL or a local path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@click.option("--key", help=f"PEM private key file (or set {KEY_ENV} to the PEM text).")
@click.option("--keyless", is_flag=True, help="Sign keyless with Sigstore (GitHub Actions OIDC).")
@click.option(
    "--password-env",
    default=PASSWORD_ENV,
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the private key's password, if it is encrypted.",
)
@click.option("--kind", type=click.Choice(["merge", "gate"]), default="merge", show_default=True)
def record(
    facts_path: str,
    policy_path: str | None,
    ledger: str,
    branch: str,
    key: str | None,
    keyless: bool,
    password_env: str,
    kind: str,
) -> None:
    """Evaluate a PR and append the signed result to the ledger. Exits 0 once appended, whatever the verdict."""
    from checker import policy as policies
    from checker.evaluate import evaluate
    from checker.evidence import load_signer, record_evaluation
    from checker.inputs import load_model
    from checker.model import Facts

    if keyless and key:
        raise UsageError("give either --key or --keyless, not both")
    key = key or os.environ.get(KEY_ENV)
    if not keyless and not key:
        raise UsageError("no signing key", fix=f"pass --key PRIVATE.pem, set {KEY_ENV}, or use --keyless")
    signer = load_signer("sigstore" if keyless else "key", key, os.environ.get(password_env) or None)
    facts = load_model(Facts, facts_path, "facts")
    policy = policies.load_file(policy_path) if policy_path else policies.policy_for_facts(facts)
    evaluation = evaluate(policy, facts)
    result = record_evaluation(
        evaluation,
        facts,
        policy,
        ledger=ledger,
        branch=branch,
        signer=signer,
        context=_context("cli"),  # type: ignore[arg-type]
        kind=kind,
    )
    click.echo(
        f"appended entry {result.seq} sha256:{result.entry_hash} ({result.entry_path}); "
        f"verdict {evaluation.verdict.value}"
    )
    click.echo("checkpoint (keep a copy; a later rollback of the ledger contradicts it):")
    click.echo(result.checkpoint, nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(
                f"### Evidence recorded\n\nentry **{result.seq}** `sha256:{result.entry_hash}`\n\n"
                f"```\n{result.checkpoint}```\n"
            )


@click.command()
@click.option("--ledger", required=True, help="Ledger repository: a git URL or a local path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@click.option("--key", "keys", multiple=True, help="Trusted PEM public key (repeatable).")
@click.option(
    "--identity",
    "identities",
    multiple=True,
    help="Trusted Sigstore identity, e.g. https://github.com/o/r/.github/workflows/x.yml@refs/heads/main.",
)
@click.option("--issuer", default="https://token.actions.githubusercontent.com", show_default=True)
@click.option(
    "--deployer-key", "deployer_keys", multiple=True, help="Deployer PEM public key trusted for deployment claims."
)
@click.option(
    "--deployer-identity", "deployer_identities", multiple=True, help="Deployer Sigstore identity (claims only)."
)
@click.option("--trusted-root", type=click.Path(dir_okay=False), help="Sigstore trusted_root.json (keyless).")
@click.option(
    "--checkpoint",
    "saved",
    type=click.Path(dir_okay=False),
    help="A checkpoint you saved earlier: the ledger must still be consistent with it.",
)
@click.option("--reperform", is_flag=True, help="Re-run each recorded evaluation and compare verdicts.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--workers", type=int, help="Worker processes (default: one per core).")
@click.option(
    "--posture-key",
    "posture_keys",
    multiple=True,
    help="PEM public key trusted for posture, bypass and retrospective entries (the central evidence job's).",
)
def verify(
    ledger: str,
    branch: str,
    keys: tuple[str, ...],
    identities: tuple[str, ...],
    issuer: str,
    deployer_keys: tuple[str, ...],
    deployer_identities: tuple[str, ...],
    trusted_root: str | None,
    saved: str | None,
    reperform: bool,
    fmt: str,
    workers: int | None,
    posture_keys: tuple[str, ...] = (),
) -> None:
    """Verify a ledger offline. Exit 0 valid, 1 invalid (each problem names the entry), 2 usage."""
    from checker.evidence import Identity, verify_ledger

    bar = None
    progress = None
    if fmt == "text" and sys.stderr.isatty():
        state: dict[str, object] = {}

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = click.progressbar(length=total, label="verifying entries", file=sys.stderr)
                bar.__enter__()
                state["last"] = 0
            bar.update(done - int(state["last"]))  # type: ignore[call-overload]
            state["last"] = done

    report = verify_ledger(
        ledger,
        branch,
        keys=[*keys, *posture_keys],
        identities=[Identity(i, issuer) for i in identities],
        checkpoint=saved,
        reperform=reperform,
        trusted_root=trusted_root,
        workers=workers,
        progress=progress,
        deployer_keys=list(deployer_keys),
        deployer_identities=[Identity(i, issuer) for i in deployer_identities],
    )
    if bar is not None:
        bar.__exit__(None, None, None)
    from checker.evidence.posture_verify import period_report, render_period

    lookup = getattr(report, "witnessed_time", None)  # with witness verification: seq -> earliest cosigned time
    times = {s: t for s in range(report.entries) if callable(lookup) and (t := lookup(s))}
    period: dict[str, object] = {}
    if report.ok:
        period = period_report(
            ledger,
            branch,
            list(posture_keys or keys),
            reperform=reperform,
            witness_times=times,
            keyless_trusted=bool(identities) and not posture_keys,  # keyless: verify checked the identity
        )
    report.problems.extend(str(p) for p in period.get("problems", []) or [])  # type: ignore[attr-defined]
    if fmt == "json":
        click.echo(json.dumps({**report.to_json(), "period": period}, indent=2))
    else:
        click.echo(render(report))
        click.echo(render_period(period), nl=False)
    sys.exit(0 if report.ok else 1)


def render(report: object) -> str:
    from checker.evidence import VerifyReport

    assert isinstance(report, VerifyReport)
    lines = [
        f"ledger {report.ledger} branch {report.branch} at {report.commit[:12]}",
        f"entries: {report.entries}   checkpoint size {report.size} root {report.root[:16]}",
        f"dates: {report.first_date or '-'} .. {report.last_date or '-'}",
    ]
    for signer, count in sorted(report.signers.items()):
        lines.append(f"signer {signer[:32]}: {count} entries")
    if report.trusted_ledger_keys:
        lines.append("WARNING: no --key/--identity given: trusted the ledger's own key list (LEDGER.json).")
    for w in report.warnings:
        if not w.startswith("no --key"):
            lines.append(f"warning: {w}")
    if report.trusted_claims or report.ignored_claims:
        lines.append(
            f"deployment claims: {len(report.trusted_claims)} by trusted deployers, "
            f"{len(report.ignored_claims)} ignored (untrusted signer)"
        )
    if report.reperformed:
        lines.append(f"re-performed: {report.reperformed} evaluations")
    lines.extend(f"semantics changed: {s}" for s in report.semantic_changes)
    if report.ok:
        lines.append("VALID: no problems found")
    else:
        lines.append(f"INVALID: {len(report.problems)} problem(s)")
        lines.extend(f"  - {p}" for p in report.problems)
    return "\n".join(lines)


@click.group()
def ledger() -> None:
    """Read single ledger entries (for re-performing one change by hand)."""


@ledger.command("show")
@click.argument("seq", type=click.IntRange(min=0))
@click.option("--ledger", "ledger_url", default=".", show_default=True, help="Ledger repository: a git URL or path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@click.option("--facts", "facts_out", type=click.Path(dir_okay=False), help="Write the recorded facts JSON here.")
@click.option("--policy", "policy_out", type=click.Path(dir_okay=False), help="Write the stored policy document here.")
@click.option(
    "--evaluation",
    "evaluation_out",
    type=click.Path(dir_okay=False),
    help="Write the recorded evaluation here, as `evaluate --format json` writes it.",
)
def ledger_show(
    seq: int,
    ledger_url: str,
    branch: str,
    facts_out: str | None,
    policy_out: str | None,
    evaluation_out: str | None,
) -> None:
    """Show entry SEQ and write what re-performing it needs (facts, policy, recorded evaluation)."""
    from checker.evidence.show import show_entry, write_files

    shown = show_entry(ledger_url, branch, seq)
    click.echo(shown.describe())
    for path in write_files(shown, facts_out, policy_out, evaluation_out):
        click.echo(f"wrote {path}")
    if facts_out and policy_out:
        click.echo(
            f"re-perform: changeproof evaluate --facts {facts_out} --policy {policy_out} --format json --out again.json"
        )
    click.echo("(not verified here: run changeproof verify on the ledger first)")


COMMANDS = (keygen, record, verify, ledger)
