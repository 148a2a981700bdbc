"""The export benchmarks' split of `checker.audit.run.export` into its verify part and the rest."""

from __future__ import annotations

import time
from typing import Any


def time_verify_part(times: dict[str, Any]) -> None:
    """Add the seconds spent in `run.open_many` (verifying, and collecting the rows beside it) to
    times["verify"] from now on in this process."""
    from checker.audit import run

    times.setdefault("verify", 0.0)
    opening = run.open_many

    def timed_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return opening(*args, **kwargs)
        finally:
            times["verify"] += time.perf_counter() - t

    run.open_many = timed_open  # type: ignore[assignment]
