"""Untrusted text is made visible, never passed raw: escapes, controls, bidi, long lines, binary."""

from __future__ import annotations

import pytest

from workbench.tui import safe


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "<ESC>[31mred<ESC>[0m"),
        ("a\rb", "a<CR>b"),
        ("bell\x07", "bell<BEL>"),
        ("tab\tx", "tab    x"),
        ("\u202egnp.exe", "<U+202E>gnp.exe"),
        ("zero\u200bwidth", "zero<U+200B>width"),
        ("\ufeffbom", "<U+FEFF>bom"),
        ("c1\x9bcsi", "c1<U+009B>csi"),
        ("tag\U000e0041\U000e0042", "tag<U+E0041><U+E0042>"),
        ("caf\udce9.txt", "caf\\xe9.txt"),
        ("warn \u26a0\ufe0f kept", "warn \u26a0\ufe0f kept"),
        ("a\ufe0f\ufe0f", "a\ufe0f<U+FE0F>"),
        ("[bold]x[/] [@click=app.quit]", "[bold]x[/] [@click=app.quit]"),
        ("plain", "plain"),
    ],
)
def test_clean_makes_controls_visible(raw: str, shown: str) -> None:
    assert safe.clean(raw) == shown


def test_clean_keeps_newlines_and_cuts_long_lines() -> None:
    out = safe.clean("a\n" + "x" * 10_000 + "\nb", max_len=100)
    lines = out.split("\n")
    assert lines[0] == "a" and lines[2] == "b"
    assert lines[1].startswith("x" * 100) and "(+9900 chars)" in lines[1]


def test_clean_decodes_bytes_without_failing() -> None:
    assert safe.clean(b"ok \xff\xfe \x00") == "ok \ufffd\ufffd <NUL>"


def test_text_is_never_markup() -> None:
    t = safe.text("[bold]x[/bold] [@click=app.quit]")
    assert t.plain == "[bold]x[/bold] [@click=app.quit]"
    assert not t.spans


def test_one_line_marks_more_lines() -> None:
    assert safe.one_line("first\nsecond") == "first …"
    assert len(safe.one_line("y" * 500, 50)) <= 50


@pytest.mark.parametrize(("value", "binary"), [(b"\x00\x01ELF", True), ("hello\nworld", False), ("\x01" * 50, True)])
def test_looks_binary(value: str | bytes, binary: bool) -> None:
    assert safe.looks_binary(value) is binary
