"""Hypothesis profiles for every property-based test.

`ci` (at least 2,000 examples per parser, no deadline, derandomized so a CI failure replays
exactly) is selected when CI=true and by `scripts/test.sh`; `dev` (200 examples) keeps a bare
`pytest` run quick. HYPOTHESIS_PROFILE overrides both.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=2000, deadline=None, derandomize=True, database=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "dev", max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=_SLOW_OK
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))
