"""The local demo: the bundled example PRs taken through the whole pipeline on this machine.

Evaluate each example PR, sign each evaluation into a fresh local ledger (a bare git repository
standing in for the `changeproof-ledger` branch), verify that ledger offline as an auditor would,
with the public key and re-performance of every evaluation, and export it (CSV, JSON, HTML).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from checker import policy as policies
from checker.evaluate import evaluate
from checker.inputs import load_model
from checker.model import Evaluation, Facts
from checker.render.markdown import render_markdown
from checker.render.text import render_text
from checker.resources import examples_dir
from checker.serde import dumps

if TYPE_CHECKING:
    from checker.evidence import RunContext, Signer

EXAMPLE_PRS = ("pr-42-facts.json", "pr-43-facts.json")


def run_demo(workdir: Path, echo: Callable[[str], None]) -> list[Evaluation]:
    from checker.evidence import DEFAULT_BRANCH, RunContext, load_signer, record_evaluation, verify_ledger
    from checker.evidence.keys import generate_keypair
    from checker.render.verify_text import render_verify_text as render_verify

    workdir.mkdir(parents=True, exist_ok=True)
    stale = [workdir / name for name in ("keys", "ledger.git") if (workdir / name).exists()]
    if stale:
        echo(
            f"replacing the previous demo's {' and '.join(p.name for p in stale)} in {workdir}/: each demo run "
            "signs a fresh ledger with a fresh key (pass --workdir DIR to keep an earlier run)\n"
        )
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    private, public, key = generate_keypair(workdir / "keys")
    ledger = workdir / "ledger.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(ledger)], check=True)
    signer = load_signer("key", str(private))
    context = RunContext(event="demo", job="cli", workflow_ref="", run_id="", run_url="", ref="")
    echo(f"signing key {key.keyid[:16]}… written to {private.parent}/ (private key mode 0600)\n")

    evaluations = []
    for name in EXAMPLE_PRS:
        facts = load_model(Facts, examples_dir() / name, "facts")
        policy = policies.policy_for_facts(facts)
        evaluation = evaluate(policy, facts)
        evaluations.append(evaluation)
        stem = f"pr-{facts.number}"
        (workdir / f"{stem}.evaluation.json").write_text(dumps(evaluation), encoding="utf-8")
        (workdir / f"{stem}.summary.md").write_text(render_markdown(evaluation), encoding="utf-8")
        echo(f"── example PR #{facts.number}: {facts.title}  (policy: {policy.source})")
        echo(render_text(evaluation))
        kind = "merge" if facts.merge.merged else "gate"
        appended = record_evaluation(
            evaluation, facts, policy, ledger=str(ledger), signer=signer, context=context, kind=kind
        )
        echo(f"recorded as {kind} entry seq {appended.seq}, sha256 {appended.entry_hash[:16]}…\n")

    _record_posture(ledger, signer, context, echo)

    echo(f"── verifying {ledger} with {public} (signatures, hash chain, Merkle checkpoint, re-performance)")
    report = verify_ledger(str(ledger), keys=[str(public)], reperform=True)
    echo(render_verify(report))
    (workdir / "checkpoint").write_text(_checkpoint(ledger, DEFAULT_BRANCH), encoding="utf-8")

    from checker.audit import demo_export

    html = demo_export(str(ledger), DEFAULT_BRANCH, str(public), workdir / "audit")
    echo(f"\n── auditor's export of the ledger: {html.parent}/audit-population.csv and .json")
    echo(
        f"reports written to {workdir}/ (evaluation JSON and Markdown step summary per PR); the signed "
        f"checkpoint is saved as {workdir}/checkpoint for a later `changeproof verify --checkpoint`"
    )
    echo(f"HTML evidence report: {html.resolve()}")
    return evaluations


def _record_posture(ledger: Path, signer: Signer, context: RunContext, echo: Callable[[str], None]) -> None:
    """The example repository's posture as the scheduled job collected it, judged and signed."""
    import json

    from checker.evidence.posture_record import record_posture
    from checker.period.diff import differences
    from checker.period.evaluate import evaluate_posture

    posture = json.loads((examples_dir() / "posture.json").read_text(encoding="utf-8"))
    policy = policies.load_file(examples_dir() / "policy.yml")
    results = evaluate_posture(policy, posture)
    appended = record_posture(
        posture,
        policy,
        previous_digest="",
        results=results,
        differences=differences(None, posture),
        ledger=str(ledger),
        signer=signer,
        context=context,
    )
    shown = ", ".join(f"{r['control']} {r['status']}" for r in results)
    echo(f"── posture of {posture['repository']} at {posture['collected_at']}: {shown}")
    echo(f"recorded as posture entry seq {appended.seq}, sha256 {appended.entry_hash[:16]}…\n")


def _checkpoint(ledger: Path, branch: str) -> str:
    shown = subprocess.run(
        ["git", "--git-dir", str(ledger), "show", f"{branch}:checkpoint"], check=True, capture_output=True, text=True
    )
    return shown.stdout
