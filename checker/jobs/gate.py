"""The gate: judge each open PR the event names, report to the developer, append a gate entry."""

from __future__ import annotations

from checker.errors import ChangeproofError
from checker.github.events import find_pull_requests
from checker.github.report import exit_code
from checker.pipeline import Pipeline


def run_gate(pipeline: Pipeline) -> int:
    config, event, run, reporter = pipeline.config, pipeline.event, pipeline.run, pipeline.reporter
    numbers = list(event.numbers)
    run.report_sha = event.report_sha or event.head_sha  # an API failure marks this sha's status as error
    if not numbers and event.head_sha:
        numbers = list(find_pull_requests(pipeline.api, config.repository, event))
        if not numbers:
            reporter.line(f"::notice title=changeproof::no open pull request has head {event.head_sha[:12]}")
            run.notes.append(f"no open pull request has head {event.head_sha}")
            return 0
    signer = pipeline.signer
    for number in numbers:
        try:
            judged = pipeline.evaluate_pr(number)
        except ChangeproofError:
            run.report_sha = event.report_sha or pipeline.collector.head_sha or run.report_sha
            raise
        evidence_url = ""
        if signer is not None:
            try:
                evidence_url = pipeline.record(judged, kind="gate")
            except ChangeproofError as error:
                # The gate's verdict stands without its entry; the record job's entry is the authoritative one.
                reporter.warn(f"the gate's evidence entry was not appended: {error.summary}")
        pipeline.report_gate(judged, evidence_url)
    return exit_code(run.evaluations)
