"""Every bundled theme is legible at truecolor, 256 and 16 colours, checked two ways: the text colours a theme
resolves to (as Textual resolves them, as each depth paints them) against the backgrounds they are drawn on, and
every letter of real screens painted at each depth. Snapshots show each theme as a 256-colour terminal (tmux's
default) shows it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from rich.color import ColorSystem
from textual.color import Color
from textual.screen import ModalScreen
from textual.theme import Theme

from tests.tui.colors import SYSTEMS, paint_as
from tests.tui.conftest import AppMaker
from tests.tui.samples import first_turn
from tests.tui.states import REWIND_TURNS, STATES, Drive
from tests.tui.test_mcp_screen import show_servers, three_servers
from tests.tui.test_rewind_screen import picker_driver
from tests.tui.test_rewound_chat import rewound_and_shown
from workbench.config import Config
from workbench.tui.theming import ANSI_TEXT, ansi_palette, contrast, load_themes, painted, theme_variables

THEMES = {t.name: t for t in load_themes().themes}
BACKGROUNDS = ("background", "surface", "panel")
TEXTS = (
    "foreground",
    "text",
    "text-muted",
    "text-primary",
    "text-accent",
    "text-warning",
    "text-error",
    "text-success",
)


def resolve(variables: dict[str, str], name: str, on: Color) -> Color:
    """A theme variable as painted over `on` ("auto 87%" is Textual's contrast text at that alpha)."""
    value = variables[name]
    if value.startswith("auto"):
        alpha = float(value.split()[1].rstrip("%")) / 100 if " " in value else 1.0
        return on + on.get_contrast_text(alpha)
    return on + Color.parse(value)


def pairs(theme: Theme) -> list[tuple[str, Color, str, Color]]:
    variables = theme_variables(theme)
    out = []
    palette = ansi_palette(theme)
    for bg_name in BACKGROUNDS:
        bg = Color.parse(variables[bg_name])
        for fg_name in TEXTS:
            out.append((fg_name, resolve(variables, fg_name, bg), bg_name, bg))
        for index in ANSI_TEXT:
            out.append((f"ansi colour {index}", Color(*palette.ansi_colors[index]), bg_name, bg))
    cursor = Color.parse(variables["block-cursor-background"])
    out.append(("block-cursor-foreground", resolve(variables, "block-cursor-foreground", cursor), "cursor", cursor))
    return out


@pytest.mark.parametrize("depth", list(SYSTEMS))
@pytest.mark.parametrize("name", sorted(THEMES))
def test_theme_colours_are_legible(name: str, depth: str) -> None:
    system: ColorSystem = SYSTEMS[depth]
    low = []
    for fg_name, fg, bg_name, bg in pairs(THEMES[name]):
        ratio = contrast(painted(fg, system), painted(bg, system))
        if ratio < 4.5:
            low.append(f"{fg_name} on {bg_name}: {ratio:.2f} ({fg.hex} on {bg.hex})")
    assert not low, f"{name} at {depth} colours:\n" + "\n".join(low)


async def measure(make_app: AppMaker, theme: str, state_name: str) -> list[str]:
    """Each letter below 4.5:1 on the screen of `state_name`, at any depth (a dialog measured on its own)."""
    state = STATES[state_name]
    app = make_app(state.turns, config=Config(data={"ui": {"theme": theme}}), **state.extras)
    return await measured(app, state.drive)


async def measured(app: Any, drive: Drive, size: tuple[int, int] = (160, 48)) -> list[str]:
    """Each letter below 4.5:1 on the screen `drive` leads to, at any depth (a dialog measured on its own)."""
    terminal = paint_as(app)
    async with app.run_test(size=size) as pilot:
        await drive(pilot)
        screen: Any = app.screen
        if isinstance(screen, ModalScreen):  # not the dimmed screen behind it
            screen.styles.background = Color.parse(app.get_css_variables()["background"])
        terminal.measure = True
        for widget in screen.query("*"):
            widget.refresh()
        screen.refresh()
        await pilot.pause(0.3)
    return sorted({f"{low.depth}: {low.ratio} {low.text[:40]!r} ({low.style})" for low in terminal.low})


@pytest.mark.parametrize("state_name", sorted(STATES))
@pytest.mark.parametrize("name", sorted(THEMES))
async def test_every_state_reads_at_every_depth(make_app: AppMaker, name: str, state_name: str) -> None:
    """Every screen state in every theme (highlighted rows, markers, gauges, hook cards, completions included),
    every letter measured at truecolor, 256 and 16 colours."""
    low = await measure(make_app, name, state_name)
    assert not low, "\n".join(low)


@pytest.mark.parametrize("name", sorted(THEMES))
async def test_mcp_screen_reads_at_every_depth(
    make_app: AppMaker, sample_repo: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The MCP servers dialog with real servers, the first one highlighted: its scope, source, command, status,
    tools and their descriptions, on the highlight as on the dialog, at truecolor, 256 and 16 colours."""
    three_servers(sample_repo, monkeypatch)
    app = make_app(config=Config(data={"ui": {"theme": name}}))
    low = await measured(app, show_servers)
    assert not low, "\n".join(low)


@pytest.mark.parametrize("name", sorted(THEMES))
async def test_rewind_picker_reads_at_every_depth(make_app: AppMaker, sample_repo: Path, name: str) -> None:
    """The rewind picker over a real checkpoint store: the highlighted turn's time and counts on the cursor, the
    other turn, the diff and the hint."""
    app = make_app([first_turn()], config=Config(data={"ui": {"theme": name}}))
    low = await measured(app, picker_driver(sample_repo))
    assert not low, "\n".join(low)


@pytest.mark.parametrize("name", sorted(THEMES))
async def test_rewound_turns_read_at_every_depth(make_app: AppMaker, name: str) -> None:
    """The chat (alone, at 80x24) after a rewind with the rewound turns shown: greyed but legible, their cards and
    answers too, and the marker and notice."""
    app = make_app(REWIND_TURNS, config=Config(data={"ui": {"theme": name}}))
    low = await measured(app, rewound_and_shown, (80, 24))
    assert not low, "\n".join(low)


@pytest.mark.parametrize("name", sorted(THEMES))
def test_theme_at_256_colours(snap_compare: Any, make_app: AppMaker, name: str) -> None:
    """The sample repo after one turn in this theme, painted as a 256-colour terminal paints it: grey panels (no
    navy or teal blocks), the explorer's branch name and git letters, evidence, the answer, plan 2/5 and the
    status bar all readable."""
    state = STATES["main"]
    app = make_app(state.turns, config=Config(data={"ui": {"theme": name}}), **state.extras)
    paint_as(app, "256")
    assert snap_compare(app, terminal_size=(160, 48), run_before=state.drive)


async def test_no_color_paints_only_greys(make_app: AppMaker, monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR (no-color.org): no colour anywhere on the screen, and the text still reads."""
    monkeypatch.setenv("NO_COLOR", "1")
    state = STATES["edit_approval"]
    app = make_app(state.turns, **state.extras)
    terminal = paint_as(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await state.drive(pilot)
        terminal.measure = True
        for widget in app.screen.query("*"):
            widget.refresh()
        await pilot.pause(0.3)
        svg = app.export_screenshot()
    window = {"#ff5f57", "#febc2e", "#28c840", "#c5c8c6"}  # the SVG's own window frame, not the screen
    colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", svg)} - window
    tinted = sorted(c for c in colours if len({c[1:3], c[3:5], c[5:7]}) > 1)
    assert not tinted, tinted
    assert not [low for low in terminal.low if low.depth == "truecolor"], terminal.low[:5]
