"""What every export writer receives besides the population and the ledgers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BATCH = 5000


def _ignore(_: int) -> None:
    return None


@dataclass(frozen=True)
class WriteOptions:
    """`tick(n)` reports n rows written; `sample` is a drawn sample (`changeproof sample --out`) or None;
    `workers`: processes a writer may use (None: one per core, at most 8)."""

    tick: Callable[[int], None] = _ignore
    sample: dict[str, Any] | None = None
    workers: int | None = None
