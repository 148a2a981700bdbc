"""What every fuzz target asserts about a refused input: one located, human message; nothing else."""

from __future__ import annotations

from pathlib import Path

from checker.errors import ChangeproofError, Problem

ROOT = Path(__file__).resolve().parents[2]


def assert_located(error: ChangeproofError, *, file: str = "") -> None:
    """A refusal a person can act on: a summary, and each problem says what and where."""
    assert error.summary and "internal error" not in error.summary
    assert error.exit_code in (1, 2), error.exit_code
    text = error.diagnostics()
    assert text.startswith("error: ") and "Traceback" not in text
    for problem in error.problems:
        assert isinstance(problem, Problem) and problem.message
        if file:
            assert problem.where(), problem
            assert problem.file == file or not problem.file, problem
