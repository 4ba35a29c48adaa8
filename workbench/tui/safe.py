"""Untrusted text made safe to show: control characters, escapes and bidi overrides made visible.

Everything that comes from files, tools, models or persona files goes through `clean()` (to a plain str)
or `text()` (to a `rich.text.Text`) before it reaches a widget. A `Text` is never parsed as markup, so
`[bold]` or `[@click=app.quit]` show literally.
"""

from __future__ import annotations

from rich.text import Text

# Characters that reorder or hide text: bidi controls, zero-width, BOM, and similar.
_INVISIBLE = {
    0x00AD,
    0x061C,
    0x115F,
    0x1160,
    0x180E,
    0x200B,
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x202A,
    0x202B,
    0x202C,
    0x202D,
    0x202E,
    0x2060,
    0x2061,
    0x2062,
    0x2063,
    0x2064,
    0x2066,
    0x2067,
    0x2068,
    0x2069,
    0x206A,
    0x206B,
    0x206C,
    0x206D,
    0x206E,
    0x206F,
    0x3164,
    0xFEFF,
    0xFFF9,
    0xFFFA,
    0xFFFB,
}
_TAB = "    "
# One line longer than this is cut: a 10k-character minified line helps nobody and costs layout time.
MAX_LINE = 2000


def _visible(ch: str) -> str:
    code = ord(ch)
    if ch == "\t":
        return _TAB
    if code < 0x20 or code == 0x7F:
        return "^" + chr(code ^ 0x40)  # caret notation: ESC -> ^[
    if 0x80 <= code < 0xA0 or code in _INVISIBLE or 0xE0000 <= code <= 0xE007F or 0xD800 <= code <= 0xDFFF:
        return f"<U+{code:04X}>"
    return ch


def _needs_work(line: str) -> bool:
    for ch in line:
        code = ord(ch)
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or code in _INVISIBLE:
            return True
        if code >= 0xD800 and (0xD800 <= code <= 0xDFFF or 0xE0000 <= code <= 0xE007F):
            return True
    return False


def clean_line(line: str, max_len: int = MAX_LINE) -> str:
    """One line (no newline inside) with every control/invisible character made visible."""
    if _needs_work(line):
        line = "".join(_visible(ch) for ch in line)
    if len(line) > max_len:
        line = line[:max_len] + f"… (+{len(line) - max_len} chars)"
    return line


def clean(value: str | bytes, max_len: int = MAX_LINE) -> str:
    """Multi-line untrusted text made printable: newlines kept, CR/escapes/bidi shown as visible marks."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    value = value.replace("\r\n", "\n")
    return "\n".join(clean_line(line, max_len) for line in value.split("\n"))


def text(value: str | bytes, style: str = "", max_len: int = MAX_LINE) -> Text:
    """A rich Text holding cleaned untrusted text; never interpreted as markup."""
    return Text(clean(value, max_len), style=style, no_wrap=False)


def one_line(value: str, limit: int = 200) -> str:
    """The first line of untrusted text, cleaned and shortened, for one-line summaries."""
    first = value.strip().split("\n", 1)[0] if value else ""
    first = clean_line(first, max_len=limit)
    if len(first) > limit:
        first = first[: limit - 1] + "…"
    if "\n" in value.strip():
        first += " …"
    return first


def looks_binary(value: str | bytes) -> bool:
    """True for content that is mostly not text (NULs or many control characters)."""
    sample = value[:4096]
    if isinstance(sample, bytes):
        if b"\x00" in sample:
            return True
        sample = sample.decode("utf-8", errors="replace")
    if "\x00" in sample:
        return True
    bad = sum(1 for ch in sample if (ord(ch) < 0x20 and ch not in "\n\r\t") or ch == "\ufffd")
    return len(sample) > 0 and bad / len(sample) > 0.1
