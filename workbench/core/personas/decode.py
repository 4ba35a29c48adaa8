"""Bytes -> text for persona files (docs/personas.md, "Reading a file", step 2).

BOMs, UTF-16/32, a cp1252 fallback, newline and NFC normalization, then a per-line repair of UTF-8 text that was
decoded as cp1252 somewhere upstream ("mojibake"). Line numbers are preserved: no line is added or removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from workbench.core.personas.model import Diagnostic, Severity

_MOJIBAKE = re.compile("Ã.|â€.|ðŸ|Â[ \u00a0]")


@dataclass
class Decoded:
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    binary: bool = False


def _unmangle(line: str) -> str | None:
    """Undo one round of UTF-8-read-as-cp1252. None when the line doesn't round-trip."""
    out = bytearray()
    for char in line:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            # The five bytes cp1252 leaves undefined come through as C1 controls (latin-1 style).
            if ord(char) < 256:
                out.append(ord(char))
            else:
                return None
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def repair_mojibake(text: str, *, repair: bool = True) -> tuple[str, list[Diagnostic]]:
    """Find double-encoded lines; repair each one that round-trips cleanly."""
    lines = text.split("\n")
    found: list[int] = []
    fixed = 0
    for i, line in enumerate(lines):
        if not _MOJIBAKE.search(line):
            continue
        found.append(i + 1)
        if repair:
            candidate = _unmangle(line)
            if candidate is not None and candidate != line:
                lines[i] = unicodedata.normalize("NFC", candidate)
                fixed += 1
    if not found:
        return text, []
    state = f"repaired {fixed} of {len(found)}" if repair else "left as is"
    diag = Diagnostic(
        "W_MOJIBAKE",
        Severity.WARNING,
        f"double-encoded text (UTF-8 read as cp1252) on {len(found)} line(s); {state}",
        found[0],
        {"lines": found[:50], "repaired": fixed},
    )
    return "\n".join(lines), [diag]


def decode_bytes(raw: bytes, *, repair: bool = True) -> Decoded:
    """Decode a persona file. `binary` is set (with E_BINARY) when the content holds NUL characters."""
    diags: list[Diagnostic] = []
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        text = raw.decode("utf-32", errors="replace")
        diags.append(Diagnostic("I_UTF32", Severity.INFO, "decoded as UTF-32 (byte order mark)", 1))
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
        diags.append(Diagnostic("I_UTF16", Severity.INFO, "decoded as UTF-16 (byte order mark)", 1))
    else:
        if b"\x00" in raw:
            return Decoded("", [_binary(raw.count(b"\n", 0, raw.index(b"\x00")) + 1)], binary=True)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
            diags.append(
                Diagnostic("W_BOM", Severity.WARNING, "UTF-8 byte order mark removed (Claude Code may not parse it)", 1)
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, fallback = _decode_lines(raw)
            diags.append(
                Diagnostic(
                    "W_NOT_UTF8",
                    Severity.WARNING,
                    f"not valid UTF-8; {len(fallback)} line(s) decoded as cp1252",
                    fallback[0],
                    {"lines": fallback[:50]},
                )
            )
    if "\x00" in text:
        return Decoded("", [*diags, _binary(text.count("\n", 0, text.index("\x00")) + 1)], binary=True)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        diags.append(Diagnostic("I_CRLF", Severity.INFO, "CR/CRLF line endings normalized to LF", 1))
    text = unicodedata.normalize("NFC", text)
    text, moji = repair_mojibake(text, repair=repair)
    diags.extend(moji)
    return Decoded(text, diags)


def _decode_lines(raw: bytes) -> tuple[str, list[int]]:
    """Per line: UTF-8 where it is valid, cp1252 elsewhere (files edited by tools with different encodings)."""
    out: list[str] = []
    fallback: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            fallback.append(number)
    return "\n".join(out), fallback


def _binary(line: int) -> Diagnostic:
    return Diagnostic("E_BINARY", Severity.ERROR, "binary content (NUL bytes): not a persona file", line)
