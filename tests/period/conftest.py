"""Fixtures for the period tests (helpers live in period_world.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from period_world import World

FAST_ENV = {"CHANGEPROOF_API_THROTTLE": "0", "CHANGEPROOF_API_BACKOFF": "0.05", "CHANGEPROOF_API_RETRIES": "0"}


@pytest.fixture(autouse=True)
def _fast_api(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FAST_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.fake.stop()
