"""Untrusted text on its way out: to JSON (the API request, the transcript) and to a terminal.

Paths and output that are not valid UTF-8 are carried as Python does, with `surrogateescape` (a byte 0xE9
becomes U+DCE9), and a stream may deliver half a surrogate pair (`"\\ud83d"` in JSON). Neither can be encoded
as UTF-8, so before text crosses into JSON or reaches a screen the stray surrogates are written out as
visible escapes: `caf\\xe9.txt`, `\\ud83d`.

`terminal_safe` is the one terminal-safety function: the policy's `make_visible` tags (`<ESC>`, `<U+202E>`,
`<U+200B>`, `<U+E0041>`) for control, bidi, zero-width, tag and blank-looking characters, with the stray bytes
above shown as escapes. A variation selector right after a visible character (the emoji form of `⚠️`) hides
nothing and is kept; one anywhere else is tagged.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.core.policy.visible import make_visible

_SURROGATE = re.compile("[\ud800-\udfff]")
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# The characters `make_visible` tags although `str.isprintable()` passes them: variation selectors and letters
# that render blank. A test checks this list against make_visible over every code point.
_PRINTABLE_HIDDEN = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# U+FE0E/U+FE0F after a character that takes a presentation form: kept (split out, so make_visible skips it).
_PRESENTATION = re.compile(r"(?<=[^\s\ufe00-\ufe0f])([\ufe0e\ufe0f])")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte carried by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def visible_bytes(text: str) -> str:
    """`text` with stray surrogates written as escapes (`\\xe9`, `\\ud83d`): always encodable as UTF-8."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escape, text)


def json_safe(value: Any) -> Any:
    """A copy of a JSON-like value whose strings (keys too) are all encodable: see `visible_bytes`."""
    if isinstance(value, str):
        return visible_bytes(value)
    if isinstance(value, dict):
        return {json_safe(k) if isinstance(k, str) else k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def terminal_safe(text: str) -> str:
    """Untrusted text for a terminal: nothing in it is interpreted or hidden, and printing it cannot fail.

    Newlines and tabs are kept; every other control, bidi, zero-width, tag or stray variation selector is a
    visible tag, and bytes that are not UTF-8 are `\\xNN`.
    """
    if text.isascii():
        return text if _ASCII_CONTROL.search(text) is None else make_visible(text)
    plain = text.replace("\n", "").replace("\t", "")
    if plain.isprintable() and _PRINTABLE_HIDDEN.search(plain) is None:  # most text: no per-character pass
        return text
    parts = _PRESENTATION.split(visible_bytes(text))
    if len(parts) == 1:
        return make_visible(parts[0])
    return "".join(part if i % 2 else make_visible(part) for i, part in enumerate(parts))
