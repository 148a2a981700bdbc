"""The Action's entry: runner environment -> Config and Event -> the job's pipeline -> outputs.

Exit codes: 0 pass (or advisory), 1 blocking verdict, 2 usage/configuration, 3 infrastructure.
Whatever fails, the step summary and an `::error::` say why, the outputs say `verdict=error`, and
the `changeproof` commit status is never set to success by a run that could not evaluate.
"""

from __future__ import annotations

import subprocess
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from checker.errors import EXIT_INFRASTRUCTURE, ChangeproofError, InfrastructureError
from checker.github import events as events_mod
from checker.github.api import Api
from checker.github.config import Config
from checker.github.report import Outputs, Reporter, give_to_owner, write_json
from checker.jobs import run_job
from checker.model import Evaluation, Verdict
from checker.pipeline import Pipeline, Run
from checker.render.escape import md_escape
from checker.render.workflow import mask_lines
from checker.serde import to_json

VERDICT_RANK = {Verdict.PASS: 0, Verdict.EMERGENCY: 1, Verdict.PENDING: 2, Verdict.FAIL: 3}


def main(env: Mapping[str, str], out: TextIO | None = None) -> int:
    """One Action step, from the runner's environment `env` (entrypoint.py passes os.environ)."""
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
        api = Api(
            config.token,
            config.api_url,
            retries=config.api_retries,
            backoff=config.api_backoff,
            max_wait=config.api_max_wait,
            throttle=config.api_throttle,
        )
        reporter.api = api
        reporter.repository = config.repository
        code = run_job(Pipeline(config, event, api, reporter, run))
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
