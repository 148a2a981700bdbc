"""The cyclic garbage collector paused while a bulk job builds hundreds of thousands of objects.

Verify and export create a few objects per entry (parsed statements, checks, rows) and free them
by reference counting: none of them form cycles. The cyclic collector still walks every live
object each time enough have been allocated; at 100 000 entries that walk was a fifth of the
CPU of an export (parent and workers: the workers inherit the parent's heap and walked it too).
Pausing it changes no result; memory is unaffected, because what these jobs free is freed by
reference counting as before. Objects that do form cycles (rare: exception tracebacks) are
collected when the pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside (nestable; restores the collector's state when the outermost ends)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def worker_start() -> None:
    """Pool initializer: a worker never runs the cyclic collector. What it inherited from the
    parent at fork is frozen first (never walked); the worker lives as long as its pool (one bulk job)."""
    gc.freeze()
    gc.disable()
