"""The Textual shim: each private name it relies on still means what it assumes, and nobody else uses one.

When a Textual release breaks one of these, the failure names the shim function to revisit.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import textwrap
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode

import workbench.tui
from workbench.tui import textual_compat

TUI = Path(workbench.tui.__file__).parent
SHIM = TUI / "textual_compat.py"


def parse_keys(data: str) -> list[str]:
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    return [e.key for e in parser.feed(data) if isinstance(e, events.Key)] + [
        e.key for e in parser.feed("") if isinstance(e, events.Key)
    ]


def test_escape_digit_reads_as_alt_digit() -> None:
    textual_compat.take_escape_digit_as_alt()
    assert parse_keys("\x1b1") == ["alt+1"], "take_escape_digit_as_alt: Textual's sequence table changed"
    assert parse_keys("\x1b3") == ["alt+3"]
    assert parse_keys("£") == ["pound_sign"]  # a keyboard's own £ is still a character
    assert parse_keys("\x1b[A") == ["up"]


def test_private_names_the_shim_uses_still_exist() -> None:
    from textual import _ansi_sequences
    from textual.screen import Screen

    assert isinstance(_ansi_sequences.ANSI_SEQUENCES_KEYS, dict), "take_escape_digit_as_alt"
    app_init = inspect.getsource(App.__init__)
    assert "self._css_update_count" in app_init, "adopt_startup_css: App._css_update_count is gone"
    assert "self._css_update_count" in inspect.getsource(Screen.__init__), "adopt_startup_css"
    watch = inspect.getsource(App._watch_theme)
    for step in ("update_classes", "_refresh_truecolor_filter", "theme_changed_signal"):
        assert step in watch, f"apply_theme_before_parse: App._watch_theme no longer does {step}"
    assert callable(App._refresh_truecolor_filter), "refresh_ansi_filter"
    assert "self._driver" in app_init, "write_to_terminal: App._driver is gone"
    from textual.widget import Widget

    watch = inspect.getsource(Widget.watch_scroll_y)
    assert "self._refresh_scroll()" in watch, "set_scroll_y_unclamped: the scroll watcher no longer refreshes so"
    from textual.css.stylesheet import Stylesheet

    params = list(inspect.signature(Stylesheet._parse_rules).parameters)
    assert params == ["self", "css", "read_from", "is_default_rules", "tie_breaker", "scope"], "parse_css_through"
    assert "self._parse_rules(" in inspect.getsource(Stylesheet.parse), "parse_css_through: parse() goes elsewhere"
    assert "self._variables = variables" in inspect.getsource(Stylesheet.set_variables), "parse_css_through"


async def test_theme_shim_matches_what_textual_does() -> None:
    class Probe(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.variables = textual_compat.apply_theme_before_parse(self, "textual-light")
            textual_compat.refresh_ansi_filter(self)

    app = Probe()
    heard: list[str] = []
    async with app.run_test() as pilot:
        app.theme_changed_signal.subscribe(app, lambda theme: heard.append(theme.name))
        textual_compat.publish_first_theme(app)
        await pilot.pause()
        assert app.theme == "textual-light" and app.has_class("-theme-textual-light", "-light-mode")
        assert app.stylesheet._variables["background"] == app.get_css_variables()["background"]
        assert app.variables == app.get_css_variables()
        assert heard == ["textual-light"]
        assert textual_compat.write_to_terminal(app, "") is True


@functools.cache
def _private_of(base: type[Any]) -> frozenset[str]:
    """Private names a Textual class defines itself: methods, class attributes, attributes set on self."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(base)))
    except (OSError, TypeError):
        return frozenset(n for n in vars(base) if n.startswith("_"))
    names = {n for n in vars(base)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return frozenset(n for n in names if n.startswith("_") and not n.startswith("__"))


def textual_private(cls: type[Any]) -> set[str]:
    out: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.split(".")[0] == "textual":
            out |= _private_of(base)
    return out


def _all_textual_private() -> set[str]:
    out: set[str] = set()
    for cls in (App, DOMNode, *_subclasses(DOMNode)):
        out |= textual_private(cls)
    return out


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    out: list[type[Any]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def test_no_private_textual_name_outside_the_shim() -> None:
    """Outside textual_compat.py nothing imports a `textual._module`, reads another object's private Textual
    attribute, uses or shadows a private name of its own Textual base class, or getattrs a private name."""
    for info in pkgutil.walk_packages([str(TUI)], "workbench.tui."):
        importlib.import_module(info.name)
    anyone = _all_textual_private()
    problems = []
    for path in sorted(TUI.rglob("*.py")):
        if path == SHIM:
            continue
        module = importlib.import_module("workbench." + ".".join(path.relative_to(TUI.parent).with_suffix("").parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls_node in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
            cls = getattr(module, cls_node.name, None)
            theirs = textual_private(cls) if isinstance(cls, type) else set()
            for node in ast.walk(cls_node):
                line = f"{path.name}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in theirs:
                    problems.append(f"{line} overrides Textual's {cls_node.name}.{node.name}")
                elif isinstance(node, ast.Attribute) and _on_self(node) and node.attr in theirs:
                    problems.append(f"{line} self.{node.attr} is Textual's")
        for node in ast.walk(tree):
            line = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
                if any(part.startswith("_") for part in (node.module or "").split(".")):
                    problems.append(f"{line} imports {node.module}")
            elif (isinstance(node, ast.Attribute) and not _on_self(node) and node.attr in anyone) or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "setattr", "hasattr")
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
                and str(node.args[1].value).startswith("_")
            ):
                problems.append(f"{line} {ast.unparse(node)}")
    assert not problems, "private Textual names outside textual_compat.py:\n" + "\n".join(problems)


def _on_self(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
