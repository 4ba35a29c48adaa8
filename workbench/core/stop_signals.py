"""SIGTERM and SIGHUP stop the workbench the way Ctrl-C does: what is running is cancelled, so running
commands are killed, every tool call gets its result and the transcript is flushed; then the process exits
with 128 + the signal's number (143, 129), as a shell would report it.

`timeout … workbench run`, a CI job's cancel and a closed SSH terminal send these signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from types import TracebackType

STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def exit_code(signum: int) -> int:
    return 128 + signum


class StopSignals:
    """While active, a stop signal calls `on_stop(signum)` (default: cancel the task that entered) once."""

    def __init__(self, on_stop: Callable[[int], None] | None = None) -> None:
        self.signal: int | None = None  # the first stop signal received
        self._on_stop = on_stop
        self._task: asyncio.Task[object] | None = None
        self._installed: list[signal.Signals] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> StopSignals:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        for sig in STOP_SIGNALS:
            try:
                self._loop.add_signal_handler(sig, self._received, int(sig))
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
                continue
            self._installed.append(sig)
        return self

    def remove(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            for sig in self._installed:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    self._loop.remove_signal_handler(sig)
        self._installed = []

    @property
    def exit_code(self) -> int | None:
        return None if self.signal is None else exit_code(self.signal)

    def _received(self, signum: int) -> None:
        if self.signal is not None:  # already stopping: a second signal changes nothing
            return
        self.signal = signum
        if self._on_stop is not None:
            self._on_stop(signum)
        elif self._task is not None:
            self._task.cancel()

    async def __aenter__(self) -> StopSignals:
        return self.install()

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        self.remove()
        if self.signal is not None and isinstance(exc, asyncio.CancelledError) and self._task is not None:
            self._task.uncancel()  # our own cancellation: swallowed, the caller reads exit_code
            return True
        return False
