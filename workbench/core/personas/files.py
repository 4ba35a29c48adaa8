"""Reading persona files safely: a size cap, no FIFOs or devices, symlink loops diagnosed, never a hang."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from workbench.core.personas.model import Diagnostic, Severity

MAX_BYTES = 1 << 20  # 1 MiB: no real persona comes close
READ_ERRORS = frozenset({"E_NOT_FOUND", "E_NOT_A_FILE", "E_SYMLINK_LOOP", "E_UNREADABLE", "E_TOO_LARGE", "E_BINARY"})


def read_persona_bytes(path: Path) -> tuple[bytes | None, Diagnostic | None, float | None]:
    """Read a file without following it into trouble: no FIFOs or devices, no symlink loops, a size cap."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, Diagnostic("E_SYMLINK_LOOP", Severity.ERROR, "symbolic link loop; not followed", 1), None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None, Diagnostic("E_NOT_FOUND", Severity.ERROR, "no such file", 1), None
        return None, Diagnostic("E_UNREADABLE", Severity.ERROR, f"can't read: {exc.strerror or exc}", 1), None
    if stat.S_ISDIR(info.st_mode):
        return None, Diagnostic("E_NOT_A_FILE", Severity.ERROR, "is a directory, not a persona file", 1), None
    if not stat.S_ISREG(info.st_mode):
        return None, Diagnostic("E_NOT_A_FILE", Severity.ERROR, "not a regular file (device, pipe or socket)", 1), None
    if info.st_size > MAX_BYTES:
        mib = f"{info.st_size / (1 << 20):.1f} MiB"
        return None, Diagnostic("E_TOO_LARGE", Severity.ERROR, f"file is {mib}; the limit is 1 MiB", 1), None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, Diagnostic("E_UNREADABLE", Severity.ERROR, f"can't read: {exc.strerror or exc}", 1), None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, Diagnostic("E_NOT_A_FILE", Severity.ERROR, "not a regular file", 1), None
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, Diagnostic("E_UNREADABLE", Severity.ERROR, f"can't read: {exc.strerror or exc}", 1), None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        return None, Diagnostic("E_TOO_LARGE", Severity.ERROR, "file grew past the 1 MiB limit while reading", 1), None
    return b"".join(chunks), None, info.st_mtime
