"""The record job: the authoritative evidence of what reached the default branch.

It runs on `push` to the default branch (with that branch's workflow and secrets) and on a
`schedule`. Each merged PR of a push is evaluated as it stood at merge (reviews before
`merged_at`, checks on its head then, policy at the merge commit's first parent) and recorded;
commits that no merged PR accounts for, and force pushes, are recorded as exceptions. The
scheduled run backfills merges with no record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from checker.github.events import ZERO_SHA
from checker.github.pushes import PushHistory, first_parent_line
from checker.jobs.cosignatures import configured, publish_step
from checker.pipeline import Judged, Pipeline
from checker.render.escape import md_code, md_escape


def run_record(pipeline: Pipeline) -> int:
    config = pipeline.config
    history = PushHistory(
        pipeline.api, config.repository, link_retries=config.link_retries, link_delay=config.link_delay
    )
    pipeline.signer  # noqa: B018  (known up front: a missing key is said before any work)
    witnesses = configured(config.witness_keys, config.witness_states)  # likewise a bad witness key
    if pipeline.event.name == "push":
        record_push(pipeline, history)
    else:
        backfill(pipeline, history)
        from checker.jobs.deployments import record_deployments_step

        record_deployments_step(pipeline, pipeline.event.default_branch or history.default_branch())
        from checker.jobs.period import run_period

        run_period(pipeline)
    publish_step(pipeline, witnesses)  # the witnesses' cosignatures of what this and earlier runs appended
    return 0


def record_merge(pipeline: Pipeline, number: int, merged_at: str) -> Judged:
    """collect (as of the merge) -> IaC -> evaluate -> record -> report, for one merged PR."""
    judged = pipeline.judge(pipeline.scan_iac(pipeline.collect(number, as_of=merged_at)))
    evidence_url = pipeline.record(judged, kind="merge")
    pipeline.report_merge(judged, evidence_url)
    return judged


def record_push(pipeline: Pipeline, history: PushHistory) -> None:
    event, run, reporter = pipeline.event, pipeline.run, pipeline.reporter
    default = event.default_branch or history.default_branch()
    if event.ref != f"refs/heads/{default}":
        reporter.line(f"::notice title=changeproof::{event.ref} is not the default branch; nothing to record")
        run.notes.append(f"{event.ref} is not refs/heads/{default}")
        return
    if event.after == ZERO_SHA:
        pipeline.record_exception("the default branch was deleted", (), event.before, event.after)
        return
    if event.forced:
        pipeline.record_exception("force push to the default branch", (event.after,), event.before, event.after)
    commits = history.pushed_range(event.before, event.after, forced=event.forced)
    by_sha = {c["sha"]: c for c in commits}
    merged: dict[int, dict[str, Any]] = {}
    unexplained: list[str] = []
    for sha in first_parent_line(event.after, by_sha):
        pulls = history.merged_pulls_of(by_sha[sha], default)
        own = [p for p in pulls if p.get("merge_commit_sha") == sha]
        if own:
            merged[int(own[0]["number"])] = own[0]
        elif not any(p.get("merge_commit_sha") in by_sha for p in pulls):
            unexplained.append(sha)  # (a rebase merge's earlier commits belong to a PR merged in this push)
    for number, pull in sorted(merged.items()):
        record_merge(pipeline, number, str(pull.get("merged_at")))
    if unexplained:
        pipeline.record_exception(
            "commits pushed to the default branch without a merged pull request",
            tuple(unexplained),
            event.before,
            event.after,
        )
    _summary_tail(pipeline)


def backfill(pipeline: Pipeline, history: PushHistory) -> None:
    """Record merges of the last `backfill-days` days that have no merge record in the ledger."""
    config, run = pipeline.config, pipeline.run
    default = pipeline.event.default_branch or history.default_branch()
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=config.backfill_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    merged = history.merged_since(default, since)
    recorded = pipeline.recorded_merges()
    missing = [p for p in merged if p.get("merge_commit_sha") not in recorded]
    for pull in sorted(missing, key=lambda p: p["merged_at"]):
        record_merge(pipeline, int(pull["number"]), str(pull["merged_at"]))
    run.notes.append(f"backfill since {since}: {len(merged)} merged, {len(missing)} without a record")
    pipeline.reporter.summary(
        f"### changeproof backfill\n\n{len(merged)} PR(s) merged since {since}; "
        f"{len(missing)} had no merge record and were evaluated"
        + ("" if pipeline.signer else " (nothing appended: no signer)")
        + ".\n"
    )


def _summary_tail(pipeline: Pipeline) -> None:
    run = pipeline.run
    lines = [
        f"### changeproof record: {len(run.evaluations)} merge(s), {len(run.exceptions)} exception(s)",
        "",
    ]
    if run.exceptions:
        lines += ["| Exception | Commits |", "|---|---|"]
        for e in run.exceptions:
            commits = " ".join(md_code(c[:12]) for c in e["commits"][:20]) or md_code(e["after"][:12])
            lines.append(f"| {md_escape(e['reason'])} | {commits} |")
    if pipeline.signer is None:
        lines += ["", "_signing-mode is none (or no key is available): nothing was appended to the ledger._"]
    pipeline.reporter.summary("\n".join(lines) + "\n")
