"""One writer per session: an OS file lock beside the transcript (`<id>.lock`, holding the writer's pid).

The kernel releases the lock when its process dies, so a `kill -9` never leaves a stale one. Readers
(`sessions show/export/list`, the screen's session list) never take it. The file is removed on release; a
writer that locked a file someone else had just removed tries again on the new one.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path


class SessionBusy(RuntimeError):
    """Another process is writing this session."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return "another process"
    return f"pid {pid}" if pid.isdigit() else "another process"


class SessionLock:
    """Held while a session's transcript is open for writing; `release()` (or the process's death) frees it."""

    def __init__(self, path: Path, session_id: str) -> None:
        self.path = path
        self._fd: int | None = None
        for _ in range(5):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            if not _try_lock(fd):
                os.close(fd)
                raise SessionBusy(
                    f"session {session_id} is open in another workbench ({_holder(path)}); "
                    "wait for it to finish or close it, then try again"
                )
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)  # the holder released and removed the file between our open and our lock
        raise SessionBusy(f"session {session_id}: its lock file {path} keeps changing; try again")

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # before unlocking: a waiter that gets the old file sees it is gone
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None
