"""The `keygen`, `record`, `verify` and `witness` commands (thin: parse, call, print, exit code).

Heavy imports (cryptography, securesystemslib, git work) happen inside the commands so the
rest of the CLI starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from checker.errors import UsageError
from checker.evidence.gitio import TOKEN_ENV
from checker.evidence.layout import ATTEMPTS_ENV, DEFAULT_ATTEMPTS, DEFAULT_BRANCH, DEFAULT_CLOCK_SKEW

F = TypeVar("F", bound=Callable[..., Any])

KEY_ENV = "CHANGEPROOF_SIGNING_KEY"
PASSWORD_ENV = "CHANGEPROOF_KEY_PASSWORD"
TOKEN_OPTION = click.option(
    "--ledger-token",
    "token",
    envvar=TOKEN_ENV,
    show_envvar=True,
    help="Token for an HTTPS ledger remote (sent to git as a header, never in a URL).",
)


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
@click.option(
    "--witness", is_flag=True, help="Make a witness key instead: witness.key and witness.vkey (cosignature/v1)."
)
@click.option("--name", help="The witness's name (with --witness), e.g. witness.example.com/auditor.")
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
def keygen(out_dir: str, key_type: str, password_env: str | None, witness: bool, name: str | None, force: bool) -> None:
    """Create a signing key pair for the evidence ledger (or, with --witness, for a witness)."""
    if witness:
        from checker.evidence.cosignature import generate_witness_key

        if not name:
            raise UsageError("--witness needs --name", fix="pass --name witness.example.com/you")
        priv_path, vkey_path, wkey = generate_witness_key(Path(out_dir), name, force=force)
        click.echo(f"wrote {priv_path} (private, mode 0600) and {vkey_path}")
        click.echo(f"witness {wkey.name}, key ID {wkey.key_id.hex()}: {wkey.vkey()}")
        click.echo(f"Keep {priv_path} in the witness's own account; give {vkey_path.name} to auditors:")
        click.echo(f"  changeproof verify --ledger REPO --key LEDGER.pub --witness-key {vkey_path.name} --witnesses 1")
        return
    from checker.config import secret
    from checker.evidence.keys import generate_keypair

    password = None
    if password_env:
        password = secret(password_env) or None
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
@click.option("--key", envvar=KEY_ENV, help=f"PEM private key file (or set {KEY_ENV} to the PEM text).")
@click.option("--keyless", is_flag=True, help="Sign keyless with Sigstore (GitHub Actions OIDC).")
@click.option(
    "--password-env",
    default=PASSWORD_ENV,
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the private key's password, if it is encrypted.",
)
@click.option("--kind", type=click.Choice(["merge", "gate"]), default="merge", show_default=True)
@TOKEN_OPTION
@click.option(
    "--attempts",
    type=click.IntRange(min=1),
    default=DEFAULT_ATTEMPTS,
    envvar=ATTEMPTS_ENV,
    show_default=True,
    show_envvar=True,
    help="How often to rebuild and retry when other jobs append first.",
)
def record(
    facts_path: str,
    policy_path: str | None,
    ledger: str,
    branch: str,
    key: str | None,
    keyless: bool,
    password_env: str,
    kind: str,
    token: str | None,
    attempts: int,
) -> None:
    """Evaluate a PR and append the signed result to the ledger. Exits 0 once appended, whatever the verdict."""
    from checker import policy as policies
    from checker.config import run_context_from_environment, secret, step_summary_path
    from checker.evaluate import evaluate
    from checker.evidence import load_signer, record_evaluation
    from checker.inputs import load_model
    from checker.model import Facts

    if keyless and key:
        raise UsageError("give either --key or --keyless, not both")
    if not keyless and not key:
        raise UsageError("no signing key", fix=f"pass --key PRIVATE.pem, set {KEY_ENV}, or use --keyless")
    signer = load_signer("sigstore" if keyless else "key", key, secret(password_env) or None)
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
        context=run_context_from_environment("cli"),
        kind=kind,
        token=token,
        attempts=attempts,
    )
    click.echo(
        f"appended entry {result.seq} sha256:{result.entry_hash} ({result.entry_path}); "
        f"verdict {evaluation.verdict.value}"
    )
    click.echo("checkpoint (keep a copy; a later rollback of the ledger contradicts it):")
    click.echo(result.checkpoint, nl=False)
    summary = step_summary_path()
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write(
                f"### Evidence recorded\n\nentry **{result.seq}** `sha256:{result.entry_hash}`\n\n"
                f"```\n{result.checkpoint}```\n"
            )


WITNESS_OPTIONS = [
    click.option(
        "--witness-key",
        "witness_keys",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A witness's vkey file (repeatable): its cosignatures are trusted.",
    ),
    click.option(
        "--witnesses",
        type=click.IntRange(min=0),
        help="Cosignatures required on a checkpoint covering the entries (default 1 with --witness-key).",
    ),
    click.option(
        "--witness-state",
        multiple=True,
        help="A witness's state directory or git repository to read cosignatures from (repeatable).",
    ),
]


def witness_options(f: F) -> F:
    """The witness requirement, shared by verify and the auditor's commands."""
    for option in reversed(WITNESS_OPTIONS):
        f = option(f)
    return f


def witness_values(params: dict[str, Any]) -> dict[str, Any]:
    """VerifyOptions fields from the values of `witness_options` (popped from `params`)."""
    return {
        "witness_keys": tuple(params.pop("witness_keys")),
        "witnesses": params.pop("witnesses"),
        "witness_state": tuple(params.pop("witness_state")),
    }


def trust_options(f: F) -> F:
    """verify's trust options, shared with every command that verifies a ledger first."""
    for option in reversed(
        [
            click.option("--key", "keys", multiple=True, help="Trusted PEM public key (repeatable)."),
            click.option(
                "--identity",
                "identities",
                multiple=True,
                help="Trusted Sigstore identity, e.g. https://github.com/o/r/.github/workflows/x.yml@refs/heads/main.",
            ),
            click.option("--issuer", default="https://token.actions.githubusercontent.com", show_default=True),
            click.option(
                "--deployer-key",
                "deployer_keys",
                multiple=True,
                help="Deployer PEM public key trusted for deployment claims only (repeatable).",
            ),
            click.option(
                "--deployer-identity",
                "deployer_identities",
                multiple=True,
                help="Deployer Sigstore identity trusted for deployment claims only (repeatable).",
            ),
            click.option(
                "--trusted-root", type=click.Path(dir_okay=False), help="Sigstore trusted_root.json (keyless)."
            ),
            click.option(
                "--checkpoint",
                "saved",
                type=click.Path(dir_okay=False),
                help="A checkpoint you saved earlier: the ledger must still be consistent with it.",
            ),
            click.option(
                "--accept-semantics",
                multiple=True,
                metavar="OLD..NEW",
                help="With --reperform: accept verdicts that differ between these evaluator versions (repeatable).",
            ),
            click.option(
                "--clock-skew",
                type=click.IntRange(min=0),
                default=DEFAULT_CLOCK_SKEW,
                show_default=True,
                help="Seconds an entry's signing time may precede the one before it.",
            ),
            *WITNESS_OPTIONS,
            TOKEN_OPTION,
        ]
    ):
        f = option(f)
    return f


def verify_options(params: dict[str, Any]) -> tuple[Any, str | None]:
    """(VerifyOptions, token) from the values of `trust_options` (popped from `params`)."""
    from checker.evidence import Identity, VerifyOptions

    issuer = params.pop("issuer")
    options = VerifyOptions(
        keys=tuple(params.pop("keys")),
        identities=tuple(Identity(i, issuer) for i in params.pop("identities")),
        trusted_root=params.pop("trusted_root"),
        checkpoint=params.pop("saved"),
        **witness_values(params),
        accept_semantics=tuple(params.pop("accept_semantics")),
        clock_skew=params.pop("clock_skew"),
        deployer_keys=tuple(params.pop("deployer_keys")),
        deployer_identities=tuple(Identity(i, issuer) for i in params.pop("deployer_identities")),
    )
    return options, params.pop("token")


@click.command()
@click.option("--ledger", required=True, help="Ledger repository: a git URL or a local path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@trust_options
@click.option("--reperform", is_flag=True, help="Re-run each recorded evaluation and compare verdicts.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--workers", type=int, help="Worker processes (default: one per core).")
@click.option(
    "--through",
    type=click.IntRange(min=0),
    help="With --witnesses: the last entry (seq) that must be witnessed, e.g. the last of a period.",
)
@click.option(
    "--posture-key",
    "posture_keys",
    multiple=True,
    help="PEM public key trusted for posture, bypass and retrospective entries (the central evidence job's).",
)
def verify(
    ledger: str,
    branch: str,
    reperform: bool,
    fmt: str,
    workers: int | None,
    through: int | None,
    posture_keys: tuple[str, ...] = (),
    **trust: Any,
) -> None:
    """Verify a ledger offline. Exit 0 valid, 1 invalid (each problem names the entry), 2 usage."""
    from dataclasses import replace

    from checker.evidence import open_ledger
    from checker.evidence.verify import Verification
    from checker.render.verify_text import render_verify_text

    options, token = verify_options(trust)
    keys = options.keys
    options = replace(options, keys=(*keys, *posture_keys), reperform=reperform, workers=workers, through=through)
    prepared = Verification.prepare(options, token)
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

    with open_ledger(ledger, branch, token=token) as opened:
        report = prepared.run(opened, progress)
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
            keyless_trusted=bool(options.identities) and not posture_keys,  # keyless: verify checked the identity
            token=token,
        )
    report.problems.extend(str(p) for p in period.get("problems", []) or [])  # type: ignore[attr-defined]
    if fmt == "json":
        click.echo(json.dumps({**report.to_json(), "period": period}, indent=2))
    else:
        click.echo(render_verify_text(report))
        click.echo(render_period(period), nl=False)
    sys.exit(0 if report.ok else 1)


@click.command()
@click.option("--ledger", required=True, help="The ledger repository to witness: a git URL or a local path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@click.option(
    "--log-key", "log_keys", multiple=True, help="The ledger's PEM public key (its record job's key; repeatable)."
)
@click.option("--log-identity", help="For a keyless ledger: the record workflow's Sigstore identity.")
@click.option("--log-issuer", default="https://token.actions.githubusercontent.com", show_default=True)
@click.option("--trusted-root", type=click.Path(dir_okay=False), help="Sigstore trusted_root.json (keyless ledgers).")
@click.option("--origin", help="Refuse checkpoints of any other origin (default: the checkpoint's own).")
@click.option(
    "--state",
    "state_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The witness's state directory (commit it to the witness's own repository).",
)
@click.option("--key", "key_path", required=True, type=click.Path(dir_okay=False), help="The witness.key file.")
@click.option("--name", required=True, help="The witness's name, as in its witness.vkey.")
@TOKEN_OPTION
def witness(
    ledger: str,
    branch: str,
    log_keys: tuple[str, ...],
    log_identity: str | None,
    log_issuer: str,
    trusted_root: str | None,
    origin: str | None,
    state_dir: str,
    key_path: str,
    name: str,
    token: str | None,
) -> None:
    """Cosign the ledger's checkpoint if it is consistent with the last one this witness cosigned.

    Exit 0 cosigned, 1 refused (a fork or rollback: both roots are printed, the state is kept), 2 usage."""
    from checker.evidence.cosignature import load_witness_private
    from checker.evidence.keys import trusted_key
    from checker.evidence.witness import keyless_checker, witness_ledger

    private = load_witness_private(key_path)
    keys = [trusted_key(k) for k in log_keys]
    keyless = keyless_checker(log_identity, log_issuer, trusted_root) if log_identity else None
    result = witness_ledger(
        ledger,
        branch,
        log_keys=keys,
        keyless_check=keyless,
        state_dir=Path(state_dir),
        key=private,
        name=name,
        origin=origin,
        token=token,
    )
    if result.already:
        click.echo(f"{result.origin} size {result.size} was cosigned before; kept that cosignature ({result.path})")
    else:
        click.echo(
            f"cosigned {result.origin} size {result.size} root {result.root[:16]} "
            f"(consistent with size {result.old_size}) -> {result.path}"
        )
    click.echo(result.note, nl=False)


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


COMMANDS = (keygen, record, verify, witness, ledger)
