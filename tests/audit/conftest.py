"""Fixtures for the audit tests (helpers live in audit_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import Keys, Recorder, bare_repo, make_keys

from checker.evidence import load_signer


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path / "keys")


@pytest.fixture
def recorder(tmp_path: Path, keys: Keys) -> Recorder:
    return Recorder(bare_repo(tmp_path / "ledger.git"), load_signer("key", str(keys.private)))
