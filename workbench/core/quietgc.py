"""The cyclic garbage collector, held off while modules load.

Loading a module makes many objects and almost no garbage, yet every 700 of them start a collection: they cost
about a fifth of the SDK's import time. `quiet_gc()` turns the collector off for a block (nested and from several
threads at once: it comes back on when the last block ends, and only if it was on before the first).
`freeze()` moves everything alive into the permanent generation, so that later full collections do not walk
the hundred thousand objects a loaded SDK holds (one such walk costs about 100 ms).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def quiet_gc() -> Iterator[None]:
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


def freeze() -> None:
    """Everything loaded so far is never collected again (it lives as long as the process anyway)."""
    gc.freeze()
