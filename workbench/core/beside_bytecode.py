"""Files kept beside the package's compiled modules, and trusted no more than they are.

What a start computes the same way every time (the code of generated methods, parsed CSS) is kept here for the
next start. Such a file holds code or objects that are loaded as they are, so it is read only when it is a
regular file (not a link), belongs to the user running us and nobody else can write it: the conditions under
which that user's own `.pyc` files could not be swapped either. It is written as `.pyc` files are: not at all
when bytecode is not written (`PYTHONDONTWRITEBYTECODE`), in one step (a reader sees the old file or the new),
and a read-only folder is no error.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from workbench.core.datafile import read_regular


def folder() -> Path:
    """The folder of the package's compiled modules: its `__pycache__`, or the one under `sys.pycache_prefix`."""
    init = str(Path(__file__).resolve().parent.parent / "__init__.py")
    return Path(importlib.util.cache_from_source(init)).parent


def read(path: Path, max_bytes: int) -> bytes | None:
    """The file's bytes, or None when it is missing, a link, not a regular file, larger than `max_bytes`, not the
    running user's, or writable by anyone else."""
    data = read_regular(path, max_bytes, follow=False, private=True)
    return data if data is not None and len(data) <= max_bytes else None


def write(path: Path, data: bytes) -> None:
    """Replace the file with `data` in one step, readable by all and writable by its owner only; nothing when
    bytecode is not written, and a failure leaves the old file."""
    if sys.dont_write_bytecode:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o644)  # whatever the umask: a group-writable file would not be read
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
