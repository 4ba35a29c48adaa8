"""The one terminal-safety function and the JSON-safety of stray surrogates."""

from __future__ import annotations

import json
import sys

import pytest

from workbench.core.policy.visible import is_hidden, make_visible
from workbench.core.safe_text import _PRINTABLE_HIDDEN, json_safe, terminal_safe, visible_bytes


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain\ttext\nnext line", "plain\ttext\nnext line"),
        ("\x1b]0;title\x07", "<ESC>]0;title<BEL>"),
        ("c1 \x85 \x9b", "c1 <U+0085> <U+009B>"),
        ("\u202egnp.exe", "<U+202E>gnp.exe"),
        ("zero\u200bwidth\u2060joiner", "zero<U+200B>width<U+2060>joiner"),
        ("tags\U000e0068\U000e0069", "tags<U+E0068><U+E0069>"),
        ("blank\u3164letter", "blank<U+3164>letter"),
        ("stacked a\ufe0f\ufe0e\ufe0f", "stacked a\ufe0f<U+FE0E><U+FE0F>"),
        ("\ufe0f at the start", "<U+FE0F> at the start"),
        ("steganography x\U000e0101\U000e0102", "steganography x<U+E0101><U+E0102>"),
        ("keycap 1\ufe0f\u20e3 and \u2764\ufe0f", "keycap 1\ufe0f\u20e3 and \u2764\ufe0f"),
        ("caf\udce9.txt", "caf\\xe9.txt"),
        ("half \ud83d pair", "half \\ud83d pair"),
        ("café ✓ 日本語", "café ✓ 日本語"),
    ],
)
def test_terminal_safe(raw: str, shown: str) -> None:
    out = terminal_safe(raw)
    assert out == shown
    out.encode("utf-8")  # printing can never fail


def test_the_fast_path_misses_nothing_make_visible_tags() -> None:
    """Every character `make_visible` tags although str.isprintable() passes it is in the fast path's list."""
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if chr(code).isprintable() and is_hidden(chr(code)) and not _PRINTABLE_HIDDEN.match(chr(code))
    ]
    assert missed == []


def test_json_safe_values_always_encode() -> None:
    value = {"caf\udce9": ["\ud83d", {"x": "ok \udcff"}], "n": 1}
    safe = json_safe(value)
    assert safe == {"caf\\xe9": ["\\ud83d", {"x": "ok \\xff"}], "n": 1}
    json.dumps(safe, ensure_ascii=False).encode("utf-8")
    assert visible_bytes("plain") == "plain" and make_visible("\x1b") == "<ESC>"
