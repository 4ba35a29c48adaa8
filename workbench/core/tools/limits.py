"""Size limits for what tools read and what they send back to the model.

Output is capped with a marker that says how much was cut and how to get the rest; files that are not
regular (FIFOs, devices, sockets), binary or over the size limit are refused with a reason before a byte
is read; invalid UTF-8 is replaced, never a crash.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from workbench.config_sections import Limits
from workbench.core.tools.base import ToolError

__all__ = ["Limits"]  # the sizes a user may set in [tools]: defined with the config's schema


BINARY_SNIFF = 8192


def cap_text(text: str, limit: int, hint: str, *, keep_tail: bool = False) -> str:
    """Cut `text` to about `limit` characters, with a marker saying what was cut and how to see more.

    With `keep_tail` the cut is in the middle (command output: the end usually holds the error).
    """
    if len(text) <= limit:
        return text
    if keep_tail:
        head_len = limit * 2 // 3
        tail_len = limit - head_len
        cut = text[head_len : len(text) - tail_len]
        marker = _marker(cut, hint)
        return text[:head_len] + f"\n{marker}\n" + text[len(text) - tail_len :]
    cut = text[limit:]
    return text[:limit] + f"\n{_marker(cut, hint)}"


def _marker(cut: str, hint: str) -> str:
    lines = cut.count("\n")
    return f"[… output cut: {len(cut):,} more characters ({lines:,} lines) not shown; {hint}]"


_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor movement
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CARRIAGE = re.compile(r"[^\n]*\r(?!\n)")


def clean_terminal_output(text: str) -> str:
    """Command output as plain text: escape sequences removed, progress lines redrawn with '\\r' reduced to
    their last state, other control characters dropped (they mean nothing to the model and must not reach
    a terminal raw)."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    if "\r" in text:
        text = _CARRIAGE.sub("", text.replace("\r\n", "\n"))
    return _CONTROLS.sub("", text)


def decode(data: bytes) -> str:
    """UTF-8 with invalid bytes replaced (U+FFFD), never an exception."""
    return data.decode("utf-8", errors="replace")


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:BINARY_SNIFF]


def check_regular_file(path: Path, rel: str, limits: Limits, *, max_bytes: int | None = None) -> os.stat_result:
    """Refuse anything but a regular file under the size limit. Never opens the file (a FIFO would block)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ToolError(f"{rel}: no such file") from None
    except OSError as exc:
        raise ToolError(f"{rel}: cannot read ({exc.strerror})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise ToolError(f"{rel} is a folder; use LS or Glob to list it")
    if stat.S_ISFIFO(mode):
        raise ToolError(f"{rel} is a named pipe (FIFO); reading it could block forever, refused")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise ToolError(f"{rel} is a device file, refused")
    if stat.S_ISSOCK(mode):
        raise ToolError(f"{rel} is a socket, refused")
    if not stat.S_ISREG(mode):
        raise ToolError(f"{rel} is not a regular file, refused")
    cap = limits.max_file_bytes if max_bytes is None else max_bytes
    if st.st_size > cap:
        raise ToolError(
            f"{rel} is {st.st_size:,} bytes, over the {cap:,}-byte limit; "
            "use Grep to find the part you need, or Bash with head/tail/sed -n"
        )
    return st


def check_opened_at(fd: int, expected: Path) -> None:
    """Where Linux says an open descriptor points must be the resolved path: a folder on the way that was
    swapped for a link after the fence check would show here. (No-op where /proc is missing.)"""
    try:
        actual = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return
    if actual != str(expected):
        raise ToolError(f"{expected.name} moved while the call waited (now at {actual}); refused")


def read_bytes_nofollow(path: Path) -> bytes:
    """Read a file whose path was already resolved; O_NOFOLLOW refuses a symlink swapped in since."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ToolError(f"{path.name}: cannot open ({exc.strerror}); was it replaced while the call waited?") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ToolError(f"{path.name} is no longer a regular file, refused")
        check_opened_at(fd, path)
        chunks: list[bytes] = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
