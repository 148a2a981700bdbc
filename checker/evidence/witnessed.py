"""How far witnesses vouch for a ledger: spans of entries and the trusted time that covers them.

Its own module because both verify (which reports the spans) and witnessing (which computes them)
need it, and neither should import the other back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WitnessedSpan:
    """Entries first..last were covered by the required cosignatures at `time` (trusted time)."""

    first: int
    last: int
    time: str

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "time": self.time}
