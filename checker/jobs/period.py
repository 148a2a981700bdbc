"""The scheduled run's period steps: bypasses, emergency retrospectives and the posture.

Composed into the record job's scheduled run (and, in the single-repository setup, its
`branch_protection_rule` / `repository_ruleset` runs) after the backfill. With the workflow's
GITHUB_TOKEN the rule suites, ruleset history and bypass actors are unreadable and the entries
say so; the central evidence repository runs the same steps with an App installation token.
"""

from __future__ import annotations

import datetime as dt
import json

from checker.github.posture import PostureCollector, PostureSettings
from checker.org.plan import rate_limit
from checker.period.steps import PeriodRun, run_period_steps
from checker.pipeline import Pipeline
from checker.render.escape import md_escape


def run_period(pipeline: Pipeline, now: dt.datetime | None = None) -> None:
    """Append the period entries for the configured repository (nothing without a signer)."""
    signer = pipeline.signer
    if signer is None:
        pipeline.run.notes.append("period steps skipped: no signer")
        return
    config = pipeline.config
    settings = PostureSettings(
        config.repository, ledger_repository=config.ledger_name, ledger_branch=config.ledger_branch
    )
    run = PeriodRun(
        config.ledger_location,
        config.ledger_branch,
        signer,
        pipeline.run_context(),
        config.repository,
        token=config.ledger_token or None,
    )
    summary = run_period_steps(PostureCollector(pipeline.api), settings, run, now or dt.datetime.now(dt.UTC))
    posture = summary["posture"]
    pipeline.run.ledger_entries.append(f"posture entry {posture['seq']}")
    pipeline.run.notes.append("period: " + json.dumps({k: summary[k] for k in ("bypasses", "retrospectives")}))
    lines = [
        "### changeproof posture",
        "",
        "| Control | Status |",
        "|---|---|",
        *(f"| {md_escape(k)} | {md_escape(v)} |" for k, v in posture["results"].items()),
        "",
        f"Weakenings since the last posture: {len(posture['weakenings'])}; "
        f"bypasses recorded: {summary['bypasses']['recorded']}"
        + ("" if summary["bypasses"]["readable"] else " (rule suites unreadable with this token)")
        + f"; retrospectives closed: {summary['retrospectives']['closed']}"
        + f"; late or missing retrospectives recorded as exceptions: {summary['retrospectives']['exceptions']}.",
    ]
    lines += [f"- unobservable: {md_escape(u['what'])}: {md_escape(u['why'])}" for u in posture["unobservable"]]
    used = rate_limit(pipeline.api)  # every matrix job shares one App installation's rate limit
    lines += ["", f"API calls this run: {used['calls']}; rate limit remaining {used['remaining']} of {used['limit']}."]
    pipeline.reporter.summary("\n".join(lines) + "\n")
