"""Untrusted text made safe to show: control characters, escapes and bidi overrides made visible.

Everything that comes from files, tools, models or persona files goes through `clean()` (to a plain str)
or `text()` (to a `rich.text.Text`) before it reaches a widget. Both use the core's one terminal-safety
function (`workbench.core.safe_text.terminal_safe`: `<ESC>`, `<U+202E>`, `<U+200B>`, bytes that are not
UTF-8 as `\\xNN`), so the screen, `workbench run` and `sessions show` show hostile text the same way. A
`Text` is never parsed as markup, so `[bold]` or `[@click=app.quit]` show literally.
"""

from __future__ import annotations

from rich.text import Text

from workbench.core.safe_text import terminal_safe

_TAB = "    "
# One line longer than this is cut: a 10k-character minified line helps nobody and costs layout time.
MAX_LINE = 2000


def clean_line(line: str, max_len: int = MAX_LINE) -> str:
    """One line (no newline inside) with every control/invisible character made visible."""
    line = terminal_safe(line)
    if "\t" in line:
        line = line.replace("\t", _TAB)
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
