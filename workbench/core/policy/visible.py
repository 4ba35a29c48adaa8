"""Make invisible, bidirectional and control characters visible, so what a user approves is what runs.

A command can hide text behind a right-to-left override (U+202E), a zero-width space, a carriage return
or a terminal escape sequence. Every such character is shown as a tag: `<U+202E>`, `<ESC>`, `<CR>`.
"""

from __future__ import annotations

import unicodedata

# Control characters with a short, familiar name; the rest of C0/C1 become <U+XXXX>.
_NAMED = {
    0x00: "<NUL>",
    0x07: "<BEL>",
    0x08: "<BS>",
    0x0B: "<VT>",
    0x0C: "<FF>",
    0x0D: "<CR>",
    0x1B: "<ESC>",
    0x7F: "<DEL>",
}

# Characters that render as nothing (or as a blank) although their category is a letter or a mark.
_BLANK_LOOKING = {0x115F, 0x1160, 0x3164, 0xFFA0, 0x180E, 0x034F, 0x17B4, 0x17B5}

# Categories shown as tags: format (bidi controls, zero-width characters, tags), line and paragraph
# separators, private use, unassigned and surrogates.
_HIDDEN_CATEGORIES = {"Cf", "Zl", "Zp", "Co", "Cn", "Cs"}


def _tag(code: int) -> str:
    return _NAMED.get(code) or f"<U+{code:04X}>"


def is_hidden(char: str, *, keep_newlines: bool = True) -> bool:
    """True when `char` would not be seen as itself on a terminal."""
    code = ord(char)
    if char == "\n":
        return not keep_newlines
    if char == "\t":
        return False
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    if code in _BLANK_LOOKING or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return True
    category = unicodedata.category(char)
    if category in _HIDDEN_CATEGORIES:
        return True
    # Spaces other than the plain one look like a separator but are not one to the shell.
    return category == "Zs" and char != " "


def make_visible(text: str, *, keep_newlines: bool = True) -> str:
    """Return `text` with every hidden character replaced by a visible tag such as `<U+202E>` or `<ESC>`."""
    if text.isascii() and text.isprintable():
        return text
    out: list[str] = []
    for char in text:
        if is_hidden(char, keep_newlines=keep_newlines):
            out.append("<LF>" if char == "\n" else _tag(ord(char)))
        else:
            out.append(char)
    return "".join(out)


def has_hidden(text: str) -> bool:
    """True when `text` holds any character that `make_visible` would tag (newlines and tabs excepted)."""
    if text.isascii() and text.isprintable():
        return False
    return any(is_hidden(c) for c in text)


def hidden_characters(text: str) -> list[str]:
    """The tags of the hidden characters in `text`, in order, e.g. ["<U+202E>", "<ESC>"]."""
    return [_tag(ord(c)) for c in text if is_hidden(c)]
