"""Every use of a private Textual name, in one place.

Each function says which public API it stands in for and why that is not enough; tests/tui/test_textual_compat.py
checks each assumption against the installed Textual and fails loudly when one stops holding, and a test greps
that no private Textual name is used anywhere else in workbench/tui.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.app import App
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.css.model import RuleSet
    from textual.css.stylesheet import Stylesheet


class ParsedRules(Protocol):
    """Rules parsed by an earlier start (workbench.tui.css_table.CssTable)."""

    def lookup(self, variables: Mapping[str, str], key: Hashable) -> list[RuleSet] | None: ...

    def add(self, variables: Mapping[str, str], key: tuple[Any, ...], rules: list[RuleSet]) -> None: ...


class AltDigit(StrEnum):
    """Key names for alt+digit, in the shape Textual's sequence table holds (`Keys` members: `.value` is the name)."""

    ALT_0 = "alt+0"
    ALT_1 = "alt+1"
    ALT_2 = "alt+2"
    ALT_3 = "alt+3"
    ALT_4 = "alt+4"
    ALT_5 = "alt+5"
    ALT_6 = "alt+6"
    ALT_7 = "alt+7"
    ALT_8 = "alt+8"
    ALT_9 = "alt+9"


def take_escape_digit_as_alt() -> None:
    """Read ESC followed by a digit as alt+digit.

    xterm, tmux, screen, SSH sessions and the Linux console send alt+1 as ESC `1`. Textual's sequence table maps
    those pairs to the characters macOS's Option key types (`¡ ™ £`...), for one macOS terminal; so alt+1 typed
    "¡" into the prompt. A terminal that sends the character itself (a UK keyboard's `£`) is not affected: only
    the ESC pair changes. Public stand-in: none (Textual has no hook for its key table); once it reads ESC+digit
    as alt+digit itself, this goes.
    """
    from textual import _ansi_sequences

    table = cast(dict[str, Any], _ansi_sequences.ANSI_SEQUENCES_KEYS)
    for member in AltDigit:
        table[f"\x1b{member.value[-1]}"] = (member,)


def adopt_startup_css(screen: Screen[Any]) -> None:
    """Mark `screen` as styled with the app's current CSS, and style the app node, instead of a full re-parse.

    A mode's first screen makes Textual re-parse every stylesheet unless the screen has seen the app's CSS
    update count. Nothing changed since the start-up parse, so this skips about 20 ms before the first frame.
    Public stand-in: `App.refresh_css()` (what Textual does on its own, at that cost).
    """
    app = screen.app
    screen._css_update_count = app._css_update_count
    app.stylesheet.update(app)


def parse_css_through(stylesheet: Stylesheet, table: ParsedRules) -> None:
    """Have `stylesheet` take each source's parsed rules from `table` when it holds them, and give it the ones it
    parses (without errors).

    `Stylesheet._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)` is where one source's text
    becomes its rules, with the `$variables` of `Stylesheet._variables` filled in: the same text and variables give
    the same rules on every start. Each source's rules are handed out once, as Textual's own parse cache does.
    Public stand-in: none (Textual parses every source on each start).
    """
    parse = stylesheet._parse_rules
    handed: dict[tuple[Any, ...], list[RuleSet]] = {}
    handed_with: dict[str, str] = {}  # the variables the handed rules were parsed with (a theme changes them)

    def parse_rules(
        css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0, scope: str = ""
    ) -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        variables = stylesheet._variables
        if variables != handed_with:
            handed.clear()
            handed_with.clear()
            handed_with.update(variables)
        found = handed.get(key)
        if found is None:
            found = table.lookup(variables, key)
        if found is None:
            found = parse(css, read_from, is_default_rules, tie_breaker, scope)
            if not any(rule.errors for rule in found):
                table.add(variables, key, found)
        handed[key] = found
        return found

    stylesheet._parse_rules = parse_rules  # type: ignore[method-assign]


def apply_theme_before_parse(app: App[Any], name: str) -> dict[str, str]:
    """Make `name` the app's theme before the first stylesheet parse, without queueing a second parse; returns
    the CSS variables it gives (what the stylesheet now holds).

    What `App._watch_theme` does, less the CSS refresh it queues (nothing is parsed yet: the first parse uses
    this theme's variables) and the ANSI filter's refresh, which `refresh_ansi_filter` does once the app's ANSI
    palette for the theme is set. The theme-changed signal is published once the app runs
    (`publish_first_theme`). Public stand-in: assigning `App.theme`, which re-parses all CSS once more before the
    first frame.
    """
    app.set_reactive(App.theme, name)
    dark = app.current_theme.dark
    classes = {cls: False for cls in app.classes if cls.startswith("-theme-")}
    classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
    app.update_classes(classes, update=False)
    variables = app.get_css_variables()
    app.stylesheet.set_variables(variables)
    return variables


def refresh_ansi_filter(app: App[Any]) -> None:
    """Have the output filter map ANSI colours through the app's current ANSI palette (`App.ansi_theme`).
    Public stand-in: assigning `App.ansi_theme_dark`/`_light` once the app runs (its watcher does this)."""
    app._refresh_truecolor_filter(app.ansi_theme)


def publish_first_theme(app: App[Any]) -> None:
    """Tell the widgets that follow the theme (TextArea, Markdown) which one is in force, as a theme change
    would; `apply_theme_before_parse` skipped the watcher that does it. Public API only."""
    theme: Theme = app.current_theme
    app.theme_changed_signal.publish(theme)


def write_to_terminal(app: App[Any], data: str) -> bool:
    """Write raw escape codes (mouse reporting on or off) to the terminal; False when there is none.

    Public stand-in: `App.run(mouse=...)`, which only chooses at start; Textual has no public way to switch
    mouse reporting while running, nor a public accessor for the driver (`Driver.write`/`flush` are public).
    """
    driver = app._driver
    if driver is None:
        return False
    driver.write(data)
    driver.flush()
    return True


def set_scroll_y_unclamped(widget: Widget, y: float) -> None:
    """Put `widget`'s vertical scroll at `y` in this frame, before its new virtual size is known.

    Lines added above what the user reads must move the scroll by as much, in the same frame; `scroll_to` clamps
    to the old maximum (the new lines are not laid out yet), so the view would jump. This sets the reactive
    without its validator and asks for the scroll refresh its watcher would. Public stand-in: `scroll_to(y=...,
    immediate=True)`, right only once the layout has caught up.
    """
    widget.set_reactive(Widget.scroll_y, y)
    widget.set_reactive(Widget.scroll_target_y, y)
    if widget.show_vertical_scrollbar:
        widget.vertical_scrollbar.position = y
    widget._refresh_scroll()
    widget.refresh(layout=True)
