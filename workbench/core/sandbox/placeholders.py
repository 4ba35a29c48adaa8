"""Placeholders: the empty read-only folders bwrap mounts where a control path is missing (`.claude`,
`.mcp.json`, …), so that a command cannot create it.

bwrap makes each mount point as an empty folder in the workspace. Making and removing them costs more than
the mounts themselves (removing one makes the kernel detach the dead sandbox's mount from it, about a
millisecond each), so they stay while commands keep coming and are removed IDLE_S after the last one ends,
on a background thread, or at once when the session closes. Sessions of other workbench processes on the
same repository share them: each holds a shared lock per path while it may use it, a marker records that a
sandbox made the folder, and only the last holder out removes it, and only while it is still empty.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable

IDLE_S = 5.0


class Placeholders:
    def __init__(self) -> None:
        self._held: dict[str, Callable[[], None]] = {}
        self._busy = 0  # commands running now
        self._last = 0.0  # when the last one ended (monotonic)
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None

    def hold(self, paths: Iterable[str]) -> None:
        """A command starts that mounts over `paths`: hold each until the commands stop."""
        with self._lock:
            self._busy += 1
            for path in paths:
                if path not in self._held:
                    self._held[path] = _hold(path)

    def done(self) -> None:
        """A command ended: remove the placeholders once no other one starts for IDLE_S."""
        with self._lock:
            self._busy -= 1
            self._last = time.monotonic()
            if self._held and (self._reaper is None or not self._reaper.is_alive()):
                self._reaper = threading.Thread(target=self._reap, name="sandbox-placeholders", daemon=True)
                self._reaper.start()

    def _reap(self) -> None:
        while True:
            with self._lock:
                wait = self._last + IDLE_S - time.monotonic()
                if self._busy == 0 and wait <= 0:
                    held, self._held = self._held, {}
                    break
            time.sleep(max(wait, 0.1))
        _release(held.values())

    def release_now(self) -> None:
        """Remove them now (the session ends, or a caller wants to see the workspace as it is)."""
        with self._lock:
            if self._busy:
                return
            held, self._held = self._held, {}
        _release(held.values())


def _release(releases: Iterable[Callable[[], None]]) -> None:
    for release in releases:
        with contextlib.suppress(OSError):
            release()


def _hold(placeholder: str) -> Callable[[], None]:
    """Take the shared lock for `placeholder` (marking it as made by a sandbox when it is missing); the returned
    function releases it, removing the empty folder when no one else holds it."""
    folder = os.path.join(tempfile.gettempdir(), f"workbench-sandbox-locks-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    name = os.path.join(folder, hashlib.sha256(placeholder.encode("utf-8", "surrogateescape")).hexdigest()[:32])
    fd = os.open(name, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    if not os.path.lexists(placeholder):
        os.close(os.open(name + ".made", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600))

    def release() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.exists(name + ".made"):
                _remove_empty(placeholder)
                os.unlink(name + ".made")
        except OSError:
            pass  # another session still holds it: the last one out removes it
        finally:
            os.close(fd)

    return release


def _remove_empty(path: str) -> None:
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)  # only when empty
        elif os.path.isfile(path) and os.path.getsize(path) == 0:
            os.unlink(path)
