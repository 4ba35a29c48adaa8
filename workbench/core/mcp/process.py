"""A stdio server's process as the manager sees it: its id, exit code and stderr tail; killing its group.

Kept apart from the transport so the manager can be imported without loading the `mcp` SDK.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from workbench import paths
from workbench.core.secrets import redact

TERM_GRACE_S = 1.0  # after SIGTERM to a process group, SIGKILL follows after this long
STDERR_TAIL_LINES = 20


MAX_LOG_BYTES = 1 << 20  # a server's log starts over once it grows past this


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "server"


def _append(path: Path, lines: list[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", errors="replace") as handle:
        handle.write("".join(redact(line) + "\n" for line in lines))


class StartError(Exception):
    """The server could not be started; the message is meant for the user as is."""


@dataclass
class ProcessInfo:
    """What we know about a stdio server's process, for messages and for the orphan check."""

    pid: int | None = None
    process: Any = None  # anyio.abc.Process once started
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=STDERR_TAIL_LINES))
    stdout_noise: int = 0  # lines on stdout that were not JSON-RPC
    log_path: Path | None = None  # the server's stderr, kept for the user (secrets redacted)

    def open_log(self, server: str, argv: list[str]) -> None:
        """Start this run's section of the server's stderr log; a log that can't be written is skipped."""
        target = paths.state_dir() / "mcp-logs" / f"{_safe(server)}.log"
        try:
            paths.private_dir(target.parent)
            if target.exists() and target.stat().st_size > MAX_LOG_BYTES:
                target.unlink()
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            _append(target, [f"--- {stamp} pid {self.pid}: {shlex.join(argv)}"])
        except OSError:
            return
        self.log_path = target

    def log(self, lines: list[str]) -> None:
        if self.log_path is None or not lines:
            return
        try:
            _append(self.log_path, lines)
        except OSError:
            self.log_path = None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def exit_text(self) -> str:
        code = self.returncode
        if code is None:
            return ""
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
            return f"killed by signal {-code}"
        return f"exit code {code}"

    def stderr_text(self, lines: int = 3) -> str:
        tail = [line for line in self.stderr_tail if line.strip()][-lines:]
        return redact(" | ".join(tail))


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def kill_group(pgid: int, grace: float = TERM_GRACE_S) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace` seconds."""
    if not hasattr(os, "killpg"):  # no process groups (Windows): the SDK-style kill of the leader only
        with contextlib.suppress(OSError):
            os.kill(pgid, signal.SIGTERM)
        return
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        pass
    deadline = time.monotonic() + grace
    while _group_alive(pgid) and time.monotonic() < deadline:
        await anyio.sleep(0.02)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
