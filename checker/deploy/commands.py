"""`changeproof attest deployment` (any CD system) and `changeproof trace` (the auditor).

Thin: parse, call the deploy core and the evidence package, print, exit code. Heavy imports
happen inside the commands.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from checker.defaults import DEFAULT_API_URL
from checker.errors import UsageError
from checker.evidence.layout import DEFAULT_BRANCH

PASSWORD_ENV = "CHANGEPROOF_KEY_PASSWORD"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(ledger: str, branch: str) -> list[tuple[int, str, dict[str, Any], dict[str, Any]]]:
    """(seq, entry hash, statement, bundle) of every entry; none for a local ledger not yet begun."""
    from checker.errors import LedgerBranchMissing
    from checker.evidence import read_entries

    try:
        return [(e.seq, e.entry_hash, e.statement, e.bundle) for e in read_entries(ledger, branch)]
    except LedgerBranchMissing:
        return []


def _refuse_ledger_key(signer: Any, entries: list[tuple[int, str, dict[str, Any], dict[str, Any]]]) -> None:
    from checker.evidence.statement import DEPLOYMENT_CLAIM_PREDICATE

    keyid = getattr(signer, "keyid", None)
    for seq, _, statement, bundle in entries:
        hint = ((bundle.get("verificationMaterial") or {}).get("publicKey") or {}).get("hint")
        if keyid and hint == keyid and statement.get("predicateType") != DEPLOYMENT_CLAIM_PREDICATE:
            raise UsageError(
                f"--key is the key that signed ledger entry {seq}: a deployment claim is signed with the "
                "deployer's own key, never the ledger's",
                fix="create a deployer key with `changeproof keygen --out DIR` and give its .pub to the auditors",
            )


@click.group()
def attest() -> None:
    """Sign what a delivery system did (deployment claims)."""


@attest.command("deployment")
@click.option("--environment", required=True, help="The environment deployed to (one the policy names).")
@click.option("--sha", required=True, help="The commit deployed.")
@click.option("--artifact", "artifacts", multiple=True, metavar="sha256:DIGEST", help="Artifact digest (repeatable).")
@click.option("--repository", envvar="GITHUB_REPOSITORY", help="owner/name of the audited repository.")
@click.option(
    "--repo",
    "repo_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="A clone of the audited repository (its history decides what was shipped).",
)
@click.option("--default-branch", default="main", show_default=True, help="The default branch (a ref in --repo).")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy file naming the environments in scope. Default: --repo's .github/changeproof.yml.",
)
@click.option(
    "--api-url",
    envvar="GITHUB_API_URL",
    default=DEFAULT_API_URL,
    show_default=True,
    help="GitHub API for a policy's `extends: owner/repo:path@ref` (token from GITHUB_TOKEN).",
)
@click.option("--ref", default="", help="The ref that was deployed (informational).")
@click.option("--deployed-at", default="", help="RFC 3339 time of the deployment. Default: now.")
@click.option("--key", help="The deployer's PEM private key (never the ledger's key).")
@click.option("--keyless", is_flag=True, help="Sign keyless with the CD job's Sigstore identity.")
@click.option("--password-env", default=PASSWORD_ENV, show_default=True, metavar="NAME")
@click.option("--ledger", help="Ledger repository to append to (git URL or path).")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    help="Write the signed claim here instead of appending (the record job's `claims:` input ingests it).",
)
def attest_deployment(
    environment: str,
    sha: str,
    artifacts: tuple[str, ...],
    repository: str | None,
    repo_dir: str,
    default_branch: str,
    policy_path: str | None,
    api_url: str,
    ref: str,
    deployed_at: str,
    key: str | None,
    keyless: bool,
    password_env: str,
    ledger: str | None,
    branch: str,
    out_path: str | None,
) -> None:
    """Sign a deployment claim with the deployer's key or identity and append it to the ledger
    (or write it to --out for the record job to ingest)."""
    from checker import policy as policies
    from checker.config import api_throttle, run_context_from_environment, secret
    from checker.deploy import Deployment, LedgerIndex, ship
    from checker.deploy.history import first_parent_line, resolve_commit, with_fingerprints
    from checker.deploy.model import SOURCE_CLAIM
    from checker.deploy.shipped import Line
    from checker.evidence import load_signer
    from checker.evidence.deployments import artifact_digest, claim_bundle, record_claim
    from checker.evidence.statement import DEPLOYMENT_CLAIM_PREDICATE, DEPLOYMENT_PREDICATE
    from checker.github.shared_policy import shared_policy_fetcher

    if not ledger and not out_path:
        raise UsageError("no ledger given", fix="pass --ledger PATH_OR_URL, or --out FILE for the record job to ingest")
    if not repository:
        raise UsageError("no repository given", fix="pass --repository owner/name (or set GITHUB_REPOSITORY)")
    if keyless == bool(key):
        raise UsageError("give exactly one of --key DEPLOYER.key or --keyless")
    for artifact in artifacts:
        artifact_digest(artifact)
    repo = Path(repo_dir)
    path = Path(policy_path) if policy_path else repo / ".github" / "changeproof.yml"
    if not path.is_file():
        raise UsageError(f"policy file {path} does not exist", fix="pass --policy with the repository's policy file")
    fetch = shared_policy_fetcher(api_url, secret("GITHUB_TOKEN"), throttle=api_throttle())  # connects on first use
    scope = policies.deployment_scope(policies.read_policy_bytes(path), str(path), fetch=fetch)
    policies.require_environment(scope, environment)
    full = resolve_commit(repo, sha)
    if full is None:
        raise UsageError(
            f"commit {sha!r} does not exist in {repo}",
            fix="pass the sha that was deployed, from a full clone of the repository (fetch-depth: 0)",
        )
    signer = load_signer("sigstore" if keyless else "key", key, secret(password_env) or None)
    entries = _entries(ledger, branch) if ledger else []
    _refuse_ledger_key(signer, entries)
    index = LedgerIndex.of((seq, digest, st) for seq, digest, st, _ in entries)
    earlier = [
        (str(p.get("deployment_id")), str(p.get("sha")))
        for _, _, st, _ in entries
        if st.get("predicateType") in (DEPLOYMENT_PREDICATE, DEPLOYMENT_CLAIM_PREDICATE)
        for p in [st.get("predicate") or {}]
        if p.get("environment") == environment and p.get("kind") in ("deployment", "deployment-claim")
    ]
    shipment = with_fingerprints(repo, ship(full, Line.of(first_parent_line(repo, default_branch)), earlier, index))
    observed = _now()
    claim_id = "claim-" + hashlib.sha256(f"{environment}\n{full}\n{observed}".encode()).hexdigest()[:16]
    deployment = Deployment(
        SOURCE_CLAIM,
        repository,
        environment,
        claim_id,
        full,
        ref,
        creator="",
        deployed_at=deployed_at or observed,
        artifacts=tuple(a.strip().lower() for a in artifacts),
    )
    context = run_context_from_environment("cli")
    if out_path:
        bundle = claim_bundle(deployment, shipment, observed_at=observed, context=context, signer=signer)
        Path(out_path).write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote deployment claim {claim_id} ({full[:12]} to {environment}) to {out_path}")
        return
    assert ledger is not None
    result = record_claim(
        deployment, shipment, observed_at=observed, ledger=ledger, branch=branch, signer=signer, context=context
    )
    click.echo(
        f"appended deployment claim {claim_id} as entry {result.seq} sha256:{result.entry_hash}: {full[:12]} to "
        f"{environment}, {len(shipment.changes)} change(s) shipped"
        + (" (rollback)" if shipment.rollback else "")
        + (" (NOT on the default branch)" if shipment.off_branch else "")
    )


@click.command()
@click.option("--artifact", required=True, metavar="sha256:DIGEST", help="The artifact digest to trace.")
@click.option("--ledger", required=True, help="Ledger repository: a git URL or a local path.")
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True)
@click.option("--key", "keys", multiple=True, required=True, help="Trusted PEM public key of the record job.")
@click.option("--deployer-key", "deployer_keys", multiple=True, help="Trusted deployer PEM public key (repeatable).")
@click.option("--deployer-identity", "deployer_identities", multiple=True, help="Trusted deployer Sigstore identity.")
@click.option("--issuer", default="https://token.actions.githubusercontent.com", show_default=True)
@click.option("--trusted-root", type=click.Path(dir_okay=False), help="Sigstore trusted_root.json (keyless).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def trace(
    artifact: str,
    ledger: str,
    branch: str,
    keys: tuple[str, ...],
    deployer_keys: tuple[str, ...],
    deployer_identities: tuple[str, ...],
    issuer: str,
    trusted_root: str | None,
    fmt: str,
) -> None:
    """Trace an artifact to its deployments and their changes. Exit 0 all traced, 1 some not (or the
    ledger is invalid), 2 unknown digest (one named only by untrusted claims is unknown)."""
    from checker.deploy.from_ledger import traced_deployments
    from checker.deploy.model import change_json
    from checker.evidence import Identity, verify_ledger
    from checker.evidence.deployments import artifact_digest

    wanted = f"sha256:{artifact_digest(artifact)}"
    report = verify_ledger(
        ledger,
        branch,
        keys=list(keys),
        deployer_keys=tuple(deployer_keys),
        deployer_identities=tuple(Identity(i, issuer) for i in deployer_identities),
        trusted_root=trusted_root,
    )
    if not report.ok:
        click.echo(f"ledger {report.ledger} does not verify ({len(report.problems)} problem(s)):", err=True)
        for problem in report.problems[:20]:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    judged, _ = traced_deployments(
        ((seq, digest, st) for seq, digest, st, _ in _entries(ledger, branch)), set(report.trusted_claims)
    )
    hits = [(r, t) for r, t in judged if wanted in r.deployment.artifacts]
    if not hits:
        click.echo(f"unknown artifact {wanted}: no trusted deployment names it", err=True)
        if report.ignored_claims:
            click.echo(
                f"  ({len(report.ignored_claims)} deployment claim(s) by untrusted signers were ignored; "
                "trust their deployer with --deployer-key / --deployer-identity)",
                err=True,
            )
        sys.exit(2)
    rows: list[dict[str, Any]] = [
        {
            "entry": r.seq,
            "source": r.deployment.source,
            "environment": r.deployment.environment,
            "id": r.deployment.id,
            "sha": r.deployment.sha,
            "deployed_at": r.deployment.deployed_at,
            "baseline": r.shipment.baseline,
            "rollback": r.shipment.rollback,
            "traced": t.traced,
            "untraced_changes": list(t.untraced_changes),
            "changes": [change_json(c) for c in t.changes],
        }
        for r, t in hits
    ]
    if fmt == "json":
        click.echo(
            json.dumps({"artifact": wanted, "shas": sorted({h["sha"] for h in rows}), "deployments": rows}, indent=2)
        )
    else:
        click.echo(f"artifact {wanted} is commit {', '.join(sorted({h['sha'] for h in rows}))}")
        for h in rows:
            state = "TRACED" if h["traced"] else "NOT TRACED"
            click.echo(
                f"deployment {h['id']} to {h['environment']} at {h['deployed_at']} (entry {h['entry']}): {state}"
                f"; baseline {h['baseline'] or 'none (first deployment)'}" + ("; rollback" if h["rollback"] else "")
            )
            for c in h["changes"]:
                pr = f"PR #{c['pr']} " if c["pr"] else ""
                at = f"entry {c['seq']} sha256:{c['entry_hash']}" if c["seq"] is not None else "no entry"
                mark = "traced" if c["traced"] else "NOT traced"
                click.echo(f"  {c['sha'][:12]} {pr}{c['record']} {at} verdict {c['verdict']}: {mark} {c['note']}")
    sys.exit(0 if all(h["traced"] for h in rows) else 1)


COMMANDS = (attest, trace)
