"""Module-scoped scans of the fixture scenarios, shared by the tests of one module."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from iac_fixtures import REPO, make_head

from checker.iac import IacScan, scan_change
from checker.iac.changes import changed_between


@pytest.fixture(scope="module")
def scenario_scan(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], IacScan]:
    """Scan each scenario once per module (in-process: checkov is imported once for all of them)."""
    cache: dict[str, IacScan] = {}

    def run(scenario: str) -> IacScan:
        if scenario not in cache:
            head = make_head(tmp_path_factory.mktemp(scenario) / "head", scenario)
            cache[scenario] = scan_change(
                base_dir=REPO, head_dir=head, changed=changed_between(REPO, head), mode="inprocess"
            )
        return cache[scenario]

    return run
