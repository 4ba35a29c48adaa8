"""The cyclic garbage collector, held off while modules load.

Loading a module makes many objects and almost no garbage, yet every 700 of them start a collection: they cost
about a fifth of the SDK's import time. `quiet_gc()` turns the collector off for a block (nested and from several
threads at once: it comes back on when the last block ends, and only if it was on before the first).
`hold_for_startup()` / `startup_done()` keep it off from a process's start until its first screen is whole.
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
_startup_held = False


def _pause() -> None:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1


def _resume() -> None:
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0 and _was_enabled:
            gc.enable()


@contextmanager
def quiet_gc() -> Iterator[None]:
    _pause()
    try:
        yield
    finally:
        _resume()


def hold_for_startup() -> None:
    """Off until `startup_done()`: for what a process does before its first screen (imports, the first frames)."""
    global _startup_held
    if not _startup_held:
        _startup_held = True
        _pause()


def startup_done() -> None:
    """The first screen is whole: the hold taken by `hold_for_startup()` ends (nothing when none was taken)."""
    global _startup_held
    if _startup_held:
        _startup_held = False
        _resume()


def freeze() -> None:
    """Everything loaded so far is never collected again (it lives as long as the process anyway)."""
    gc.freeze()
