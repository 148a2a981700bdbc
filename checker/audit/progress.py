"""Progress bars on stderr, only when stderr is a terminal and output is for people."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click


class Bars:
    """Lazily opened click progress bars keyed by label; a no-op when not on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bars: dict[str, tuple[Any, list[int]]] = {}

    def total(self, label: str, done: int, total: int) -> None:
        """Report absolute progress `done` of `total`."""
        if not self.enabled:
            return
        if label not in self._bars:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
            self._bars[label] = (bar, [0])
        bar, last = self._bars[label]
        bar.update(done - last[0])
        last[0] = done

    def ticker(self, label: str, total: int) -> Callable[[int], None] | None:
        """A callback that adds n to the bar, or None when disabled."""
        if not self.enabled:
            return None
        state = [0]

        def tick(n: int) -> None:
            state[0] += n
            self.total(label, state[0], total)

        return tick

    def close(self) -> None:
        for bar, _ in self._bars.values():
            bar.__exit__(None, None, None)
        self._bars.clear()


@contextmanager
def bars(for_people: bool = True) -> Iterator[Bars]:
    b = Bars(for_people and sys.stderr.isatty())
    try:
        yield b
    finally:
        b.close()
