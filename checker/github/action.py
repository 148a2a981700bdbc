"""The action's main flow: configuration -> event -> collect -> evaluate -> report (-> record).

Exit codes: 0 pass (or advisory), 1 blocking verdict, 2 usage/configuration, 3 infrastructure.
Whatever fails, the step summary and an `::error::` say why, the outputs say `verdict=error`, and
the `changeproof` commit status is never set to success by a run that could not evaluate.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from checker.errors import EXIT_INFRASTRUCTURE, ChangeproofError, InfrastructureError
from checker.evaluate import evaluate
from checker.github import events as events_mod
from checker.github.api import Api
from checker.github.collector import Collector, Target
from checker.github.config import Config
from checker.github.report import (
    Outputs,
    Reporter,
    build_annotations,
    exit_code,
    give_to_owner,
    summary_markdown,
    write_json,
)
from checker.model import Evaluation, Facts, Policy, Verdict
from checker.policy import policy_for_facts
from checker.render.escape import md_escape
from checker.render.workflow import mask_lines
from checker.serde import to_json

VERDICT_RANK = {Verdict.PASS: 0, Verdict.EMERGENCY: 1, Verdict.PENDING: 2, Verdict.FAIL: 3}


@dataclass
class Run:
    """What one invocation produced, for outputs and the JSON report."""

    evaluations: list[Evaluation] = field(default_factory=list)
    ledger_entries: list[str] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    report_sha: str = ""  # the sha the commit status goes to, once known


def main(env: dict[str, str] | None = None, out: TextIO | None = None) -> int:
    env = dict(os.environ if env is None else env)
    stream = out or sys.stdout
    reporter = Reporter(
        None, env.get("GITHUB_REPOSITORY", ""), out=stream, summary_path=env.get("GITHUB_STEP_SUMMARY", "")
    )
    for secret_name in (
        "INPUT_GITHUB-TOKEN",
        "INPUT_GITHUB_TOKEN",
        "INPUT_SIGNING-KEY",
        "INPUT_SIGNING_KEY",
        "INPUT_SIGNING-KEY-PASSWORD",
        "INPUT_SIGNING_KEY_PASSWORD",
    ):
        if env.get(secret_name):
            for line in mask_lines(env[secret_name]):
                reporter.line(line)
    run = Run()
    config: Config | None = None
    try:
        config = Config.from_env(env)
        reporter.summary_path = config.summary_path
        reporter.run_url = config.run_url
        _trust_workspace(config.workspace)
        payload = events_mod.load_payload(config.event_path)
        event = events_mod.parse(config.event_name, payload, job=config.job, pr_input=config.pr_input)
        api = Api(config.token, config.api_url)
        reporter.api = api
        reporter.repository = config.repository
        if event.job == "record":
            from checker.github.record import run_record

            code = run_record(config, event, api, reporter, run)
        else:
            code = _gate(config, event, api, reporter, run)
        _finish(config, reporter, run, api.calls, error="")
        return code
    except Exception as exc:
        if not isinstance(exc, ChangeproofError):
            traceback.print_exc(file=sys.stderr)
            exc = InfrastructureError(
                f"internal error: {type(exc).__name__}: {exc}",
                fix="Re-run the job; if it persists, report it with the log.",
            )
        error = exc
        reporter.error(error.diagnostics(), title=f"changeproof: {type(error).__name__}")
        reporter.summary(_error_summary(error))
        if config is not None and run.report_sha and error.exit_code == EXIT_INFRASTRUCTURE and reporter.api:
            reporter.commit_status(run.report_sha, None, error=f"could not evaluate: {error.summary}")
        if config is not None:
            _finish(config, reporter, run, reporter.api.calls if reporter.api else 0, error=error.summary)
        else:
            Outputs({"verdict": "error"}).write(env.get("GITHUB_OUTPUT", ""))
        return error.exit_code


def _trust_workspace(workspace: str) -> None:
    """The workspace is owned by the runner's user, not the container's root: tell git it is safe."""
    if not workspace or not Path(workspace).is_dir():
        return
    try:
        subprocess.run(
            ["git", "config", "--global", "--add", "safe.directory", workspace],
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        pass


def _gate(config: Config, event: events_mod.Event, api: Api, reporter: Reporter, run: Run) -> int:
    numbers = list(event.numbers)
    collector = Collector(api)
    run.report_sha = event.report_sha or event.head_sha  # an API failure marks this sha's status as error
    if not numbers and event.head_sha:
        pulls = api.paginate(
            f"/repos/{config.repository}/commits/{event.head_sha}/pulls",
            what=f"the pull requests of {event.head_sha[:12]}",
            permission="pull-requests: read",
        )
        numbers = [
            int(p["number"])
            for p in pulls
            if p.get("state") == "open" and (p.get("head") or {}).get("sha") == event.head_sha
        ]
        if not numbers:
            reporter.line(f"::notice title=changeproof::no open pull request has head {event.head_sha[:12]}")
            run.notes.append(f"no open pull request has head {event.head_sha}")
            return 0
    signer = _signer(config, event, reporter)
    for number in numbers:
        try:
            facts = collector.collect(
                Target(
                    config.repository, number, ledger_repository=config.ledger_name, ledger_branch=config.ledger_branch
                )
            )
        except ChangeproofError:
            run.report_sha = event.report_sha or collector.head_sha or run.report_sha
            raise
        run.report_sha = event.report_sha or facts.head_sha
        facts = _with_iac(config, facts, reporter)
        policy = policy_for_facts(facts)
        evaluation = evaluate(policy, facts)
        run.evaluations.append(evaluation)
        evidence_url = ""
        if signer is not None:
            try:
                evidence_url = _record(config, event, evaluation, facts, policy, signer, run, kind="gate")
            except ChangeproofError as error:
                # The gate's verdict stands without its entry; the record job's entry is the authoritative one.
                reporter.warn(f"the gate's evidence entry was not appended: {error.summary}")
        _report_one(config, reporter, api, evaluation, facts, policy, event, evidence_url)
    return exit_code(run.evaluations)


def _report_one(
    config: Config,
    reporter: Reporter,
    api: Api,
    evaluation: Evaluation,
    facts: Facts,
    policy: Policy,
    event: events_mod.Event,
    evidence_url: str,
) -> None:
    notes = [f"Policy: {policy.source}", *policy.notes]
    review_note = reporter.request_reviews(facts.number, evaluation, facts, permitted=not event.fork)
    notes += [review_note] if review_note else []
    if event.fork:
        notes.append(
            "Fork pull request: evaluated with a read-only token; the record job signs the result after merge."
        )
    reporter.log_untrusted(
        [f"PR #{facts.number}: {facts.title}", f"verdict: {evaluation.verdict.value} - {evaluation.summary}"]
    )
    reporter.annotate(build_annotations(evaluation))
    markdown = summary_markdown(evaluation, evidence_url=evidence_url, api_calls=api.calls, notes=notes)
    reporter.summary(markdown)
    targets = [facts.head_sha] + ([event.report_sha] if event.report_sha and event.report_sha != facts.head_sha else [])
    for sha in targets:
        reporter.commit_status(sha, evaluation)
    if config.check_run:
        reporter.check_run(event.report_sha or facts.head_sha, evaluation, markdown)
    if config.comment:
        reporter.sticky_comment(facts.number, markdown)


def _with_iac(config: Config, facts: Facts, reporter: Reporter) -> Facts:
    from checker.github.iacscan import with_iac  # lazy: only PRs that touch IaC pay for the scanner

    return with_iac(config, facts, reporter)


def _signer(config: Config, event: events_mod.Event, reporter: Reporter) -> Any:
    """The evidence signer, or None when this run must not append (fork PR, signing-mode none)."""
    if config.signing_mode == "none":
        return None
    if event.fork:
        reporter.line(
            "::notice title=changeproof::fork pull request: no evidence is appended by the gate; "
            "the record job signs after merge"
        )
        return None
    if config.signing_mode == "key" and not config.signing_key:
        reporter.warn(
            "signing-mode is key but no signing-key was given (secrets are not available to this run): "
            "no evidence appended"
        )
        return None
    from checker.evidence import load_signer

    return load_signer(config.signing_mode, config.signing_key or None, config.signing_key_password or None)


def run_context(config: Config, event: events_mod.Event) -> Any:
    from checker.evidence import RunContext

    return RunContext(
        event=event.name,
        job=event.job,
        workflow_ref=config.workflow_ref,
        run_id=config.run_id,
        run_url=config.run_url,
        ref=config.ref,
        image_digest=os.environ.get("CHANGEPROOF_IMAGE_DIGEST", ""),
    )


def _record(
    config: Config,
    event: events_mod.Event,
    evaluation: Evaluation,
    facts: Facts,
    policy: Policy,
    signer: Any,
    run: Run,
    *,
    kind: str,
) -> str:
    from checker.evidence import record_evaluation
    from checker.evidence.gitio import TOKEN_ENV

    if config.token and not os.environ.get(TOKEN_ENV):
        os.environ[TOKEN_ENV] = config.token
    result = record_evaluation(
        evaluation,
        facts,
        policy,
        ledger=config.ledger_location,
        branch=config.ledger_branch,
        signer=signer,
        context=run_context(config, event),
        kind=kind,
    )
    run.ledger_entries.append(result.entry_path)
    return evidence_link(config, result.entry_path)


def evidence_link(config: Config, entry_path: str) -> str:
    if config.ledger_location.startswith(config.server_url):
        return f"{config.server_url}/{config.ledger_name}/blob/{config.ledger_branch}/{entry_path}"
    return ""


def worst(evaluations: list[Evaluation]) -> str:
    if not evaluations:
        return "none"
    return max((e.verdict for e in evaluations), key=lambda v: VERDICT_RANK[v]).value


def _finish(config: Config, reporter: Reporter, run: Run, calls: int, *, error: str) -> None:
    outputs: dict[str, str] = {"verdict": "error" if error else worst(run.evaluations)}
    if config.workspace and Path(config.workspace).is_dir():
        folder = Path(config.workspace) / ".changeproof"
        path = folder / "report.json"
        write_json(
            path,
            {
                "verdict": outputs["verdict"],
                "error": error,
                "api_calls": calls,
                "evaluations": [to_json(e) for e in run.evaluations],
                "exceptions": run.exceptions,
                "ledger_entries": run.ledger_entries,
                "notes": run.notes,
            },
        )
        give_to_owner(folder, Path(config.workspace))
        outputs["report-json"] = str(path)
    if run.ledger_entries:
        outputs["ledger-entry"] = run.ledger_entries[-1]
    Outputs(outputs).write(config.output_path)
    reporter.line(f"changeproof: verdict={outputs['verdict']} api_calls={calls}")


def _error_summary(error: ChangeproofError) -> str:
    lines = ["### 💥 changeproof could not evaluate", "", md_escape(error.summary, 4000)]
    if error.fix:
        lines += ["", f"**How to fix:** {md_escape(error.fix, 4000)}"]
    for problem in error.problems:
        lines.append(f"- {md_escape(problem.render(), 2000)}")
    lines += ["", "Nothing was recorded as passing."]
    return "\n".join(lines) + "\n"
