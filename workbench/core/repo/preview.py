"""Loading a file for display: a size cap, binary detection, invalid UTF-8 replaced, unsafe characters
made visible.

Everything read here is untrusted. `visible_text` keeps line and column structure (one character in,
one character out) for C0/C1 controls, and marks bidi and zero-width controls so they cannot reorder or
hide what is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PREVIEW_CAP = 1_000_000  # bytes shown of a large file
SNIFF_BYTES = 8192

# Bidi embedding/override/isolate controls, and marks that render as nothing.
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E}


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if code not in (0x09, 0x0A):
            table[code] = chr(0x2400 + code)  # control pictures: ␛ ␀ ␍ …
    table[0x7F] = "\u2421"
    for code in range(0x80, 0xA0):
        table[code] = "\ufffd"
    for code in _BIDI | _INVISIBLE:
        table[code] = f"<U+{code:04X}>"
    return table


_TABLE = _build_table()
# Everything `_TABLE` maps, plus lone surrogates: searched first so clean text (the usual case) is not
# copied at all; `str.translate` alone costs ~100 ms per MB.
_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "\ud800-\udfff]")


def _replace(match: re.Match[str]) -> str:
    return _TABLE.get(ord(match.group()), "\ufffd")


def visible_text(text: str) -> str:
    """Make untrusted text safe to put on a terminal: no escapes, no invisible reordering.

    Tabs and newlines stay; other controls become their visible pictures; bidi and zero-width controls
    become `<U+XXXX>`; lone surrogates (from undecodable file names) become U+FFFD.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_replace, text)


def visible_name(name: str) -> str:
    """A file name for one line of display: newlines and tabs become visible too."""
    return visible_text(name).replace("\n", "\u2424").replace("\t", "\u2409")


@dataclass(frozen=True)
class Preview:
    """A file loaded for display."""

    path: str
    text: str  # visible, capped text ("" for binary files)
    size: int  # bytes on disk
    binary: bool = False
    truncated: bool = False
    replaced: bool = False  # invalid UTF-8 was replaced
    error: str | None = None  # why nothing could be shown
    content_hash: str = ""  # of the bytes read, for caches

    @property
    def notice(self) -> str | None:
        """One line to show above the text, or None."""
        if self.error:
            return self.error
        if self.binary:
            return f"binary file, {self.size:,} bytes: not shown"
        parts = []
        if self.truncated:
            parts.append(f"showing the first {PREVIEW_CAP:,} of {self.size:,} bytes")
        if self.replaced:
            parts.append("invalid UTF-8 replaced with \ufffd")
        return "; ".join(parts) or None


def looks_binary(head: bytes) -> bool:
    """NUL bytes, or mostly non-text bytes, in the first block."""
    if not head:
        return False
    if b"\0" in head:
        return True
    text_like = sum(1 for b in head if b >= 0x20 or b in (9, 10, 12, 13, 27))
    return text_like / len(head) < 0.7


def load_preview(root: Path, rel_path: str, cap: int = PREVIEW_CAP) -> Preview:
    """Read `rel_path` under `root` for display; never raises for ordinary file problems."""
    import hashlib

    path = root / rel_path
    try:
        size = path.stat().st_size
        if not path.is_file():
            return Preview(rel_path, "", size, error="not a regular file")
        with path.open("rb") as handle:
            data = handle.read(cap + 1)
    except FileNotFoundError:
        return Preview(rel_path, "", 0, error="deleted: the file is not on disk")
    except OSError as exc:
        return Preview(rel_path, "", 0, error=f"cannot read: {exc.strerror or exc}")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if looks_binary(data[:SNIFF_BYTES]):
        return Preview(rel_path, "", size, binary=True, content_hash=digest)
    truncated = len(data) > cap or size > cap
    data = data[:cap]
    try:
        text = data.decode("utf-8")
        replaced = False
    except UnicodeDecodeError as exc:
        # A cut in the middle of a character at the cap is not invalid UTF-8.
        if truncated and exc.start >= len(data) - 3:
            text = data[: exc.start].decode("utf-8", "replace")
            replaced = "\ufffd" in text
        else:
            text = data.decode("utf-8", "replace")
            replaced = True
    text = text.replace("\r\n", "\n")
    return Preview(rel_path, visible_text(text), size, False, truncated, replaced, None, digest)
