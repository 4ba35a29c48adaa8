"""Reading the small JSON and TOML files settings come from: one reader, one size cap, one way to say what is wrong.

    data, problem = read_object(path, "json")     # (a dict, None) | (None, "<path>: why; ignored") | (None, None)

A missing file is (None, None): most of these files are optional. Anything else that keeps the file from being
used is a message naming the file and the cause (too large, unreadable, not valid JSON/TOML with the line and
column, not an object at the top level); the caller adds it to its own list of problems and goes on with the
defaults. Nothing here raises for bad content.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Literal

MAX_BYTES = 2 * 1024 * 1024

Kind = Literal["json", "toml"]


def read_object(
    path: Path,
    kind: Kind,
    *,
    max_bytes: int = MAX_BYTES,
    empty_ok: bool = False,
    consequence: str = "ignored",
) -> tuple[dict[str, Any] | None, str | None]:
    """The file's top-level object, or why it cannot be used. `empty_ok`: an empty file counts as missing;
    `consequence` ends each message ("ignored", "using defaults")."""
    text, problem = _read_text(path, max_bytes)
    if problem is not None:
        return None, f"{path}: {problem}; {consequence}"
    if text is None or (empty_ok and not text.strip()):
        return None, None
    try:
        data = json.loads(text) if kind == "json" else _toml(text)
    except json.JSONDecodeError as exc:
        return None, f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); {consequence}"
    except _TomlError as exc:
        return None, f"{path}: not valid TOML ({exc.__cause__}); {consequence}"
    except RecursionError:
        return None, f"{path}: nested too deeply to read; {consequence}"
    if not isinstance(data, dict):
        return None, f"{path}: should hold a JSON object at the top level; {consequence}"
    return data, None


class _TomlError(Exception):
    """A TOML file's error, raised from tomllib's own (`__cause__`)."""


def _toml(text: str) -> Any:
    import tomllib  # loaded once there is a TOML file to read: most starts have none

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _TomlError from exc


def _read_text(path: Path, max_bytes: int) -> tuple[str | None, str | None]:
    try:
        if not path.exists():
            return None, None
        if not path.is_file():
            return None, "not a regular file"
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if len(raw) > max_bytes:
        return None, f"larger than {max_bytes // 1024} KiB"
    return raw.decode("utf-8-sig", errors="replace"), None


def read_regular(path: Path, max_bytes: int, *, follow: bool = True, private: bool = False) -> bytes | None:
    """Up to `max_bytes + 1` bytes of a regular file (one more than allowed tells the caller it was cut), or None
    when it is missing, unreadable or not a regular file. A repository's file may be a named pipe (opened without
    waiting for a writer, then refused) or a link to /dev/zero; `follow=False` refuses any link, as git does for
    the ignore files inside a work tree. `private`: only a file of the running user that nobody else can write
    (checked on the file opened, not on its name)."""
    if private and not hasattr(os, "geteuid"):  # no owner to check
        return None
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if private and (info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
