"""The jobs changeproof runs, each a composition of `checker.pipeline` steps."""

from __future__ import annotations

from checker.jobs.gate import run_gate
from checker.jobs.record import run_record
from checker.pipeline import Pipeline


def run_job(pipeline: Pipeline) -> int:
    """The job the event asks for: the record job, or the gate (the default)."""
    if pipeline.event.job == "record":
        return run_record(pipeline)
    return run_gate(pipeline)


__all__ = ["run_gate", "run_job", "run_record"]
