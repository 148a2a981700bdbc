"""Fixtures: the fake GitHub server (helpers to run entrypoint.py live in ghaction.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # ghaction (the runner-like harness)
if str(HERE.parent) not in sys.path:
    sys.path.append(str(HERE.parent))  # fakegithub, appended so it never shadows an installed package

from fakegithub.server import FakeGitHub  # noqa: E402
from ghaction import FAST_ENV, scenario_mod  # noqa: E402


@pytest.fixture(autouse=True)
def _fast_api(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def scenario() -> dict[str, Any]:
    return scenario_mod.typical()


@pytest.fixture
def fake(scenario: dict[str, Any]) -> Iterator[FakeGitHub]:
    server = FakeGitHub(scenario).start()
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What the fake's contract did this session (it checks every exchange of every test)."""
    from fakegithub import openapi

    if openapi.spec.cache_info().currsize == 0:
        return
    spec = openapi.spec()
    terminalreporter.write_line(
        f"fake GitHub vs GitHub's REST description: {len(spec.memo) + spec.memo_hits} answers checked "
        f"({spec.memo_hits} seen before), {spec.synthesized} required properties filled in, "
        f"{spec.dropped} undocumented properties dropped"
    )
