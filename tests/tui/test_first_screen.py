"""The first screen: the default persona is named in the first frame from the last discovery's answer (when
nothing it read has changed); the rest of the start waits for the screen to be complete."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import wait_until
from workbench import paths
from workbench.config import Config, load_config
from workbench.tui import host
from workbench.tui.app import create_app


def no_key() -> tuple[bool, str]:
    return False, "No API key is set (test)."


async def test_the_first_frame_names_the_default_persona_the_last_discovery_found(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hint_file = paths.project_state_dir(sample_repo) / "persona-hint.json"
    first = create_app(sample_repo, config=Config(), credentials=no_key)
    async with first.run_test(size=(120, 40)) as pilot:
        screen: Any = first.screen
        await wait_until(pilot, lambda: screen.personas_ready and hint_file.exists(), timeout=10)
        named, model = screen.status.info.persona, screen.status.info.model
    assert named not in ("", "default persona") and model

    gate = threading.Event()
    discover = host.load_personas

    def held(*args: Any, **kwargs: Any) -> host.PersonaLoad:
        gate.wait(10)
        return discover(*args, **kwargs)

    monkeypatch.setattr(host, "load_personas", held)
    again = create_app(sample_repo, config=Config(), credentials=no_key)
    async with again.run_test(size=(120, 40)) as pilot:
        screen = again.screen
        await pilot.pause()
        assert not screen.personas_ready  # discovery is still held back...
        assert (screen.status.info.persona, screen.status.info.model) == (named, model)  # ...and it is named
        gate.set()
        await wait_until(pilot, lambda: screen.personas_ready, timeout=10)
        assert screen.status.info.persona == named

    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('[personas]\ndefault = "debugger"\n')  # another default from now on
    gate.clear()
    third = create_app(sample_repo, config=load_config(), credentials=no_key)
    async with third.run_test(size=(120, 40)) as pilot:
        screen = third.screen
        await pilot.pause()
        assert screen.status.info.persona == "default persona"  # the config changed: the hint no longer holds
        gate.set()
        await wait_until(pilot, lambda: screen.status.info.persona == "debugger", timeout=10)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "narrow"])
async def test_warm_ups_wait_for_the_complete_first_screen(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Wide, the tree must have been drawn with its letters (on the terminal, not only read) before anything
    else starts; narrow, the tree's pane is not shown, and its letters being in is enough."""
    from workbench.tui.screens.main import MainScreen

    order: list[str] = []
    warm = MainScreen.warm_up_rendering
    complete = MainScreen.screen_complete

    def warm_up(self: MainScreen) -> Any:
        order.append("warm-up")
        return warm(self)

    def done(self: MainScreen) -> None:
        explorer = self.explorer()
        letters = explorer is not None and explorer.status is not None
        order.append(f"complete letters={letters} drawn={explorer is not None and explorer.drawn_whole}")
        complete(self)

    monkeypatch.setattr(MainScreen, "warm_up_rendering", warm_up)
    monkeypatch.setattr(MainScreen, "screen_complete", done)
    app = create_app(sample_repo, config=Config(), credentials=no_key)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: "warm-up" in order, timeout=10)
    wide = size[0] >= 120
    assert order[0] == f"complete letters=True drawn={wide}" and order.index("warm-up") > 0, order


async def test_letters_read_but_not_yet_drawn_leave_the_screen_incomplete(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-ups hold the GIL: they must not start between the letters arriving and the frame that shows
    them, or that frame waits for them."""
    from textual.geometry import Region
    from textual.strip import Strip
    from textual.widgets import Tree

    from workbench.tui.screens import main_start
    from workbench.tui.widgets.explorer import RepoExplorer

    monkeypatch.setattr(main_start, "SCREEN_WAIT_S", 60.0)  # no fallback during the test
    drawing = {"on": False}
    render = RepoExplorer.render_lines

    def held(self: RepoExplorer, crop: Region) -> list[Strip]:  # the frame with the letters is not out yet
        return render(self, crop) if drawing["on"] else Tree.render_lines(self, crop)

    monkeypatch.setattr(RepoExplorer, "render_lines", held)
    app = create_app(sample_repo, config=Config(), credentials=no_key)
    async with app.run_test(size=(120, 40)) as pilot:
        screen: Any = app.screen

        def letters_in() -> bool:
            explorer = screen.explorer()
            return explorer is not None and explorer.status is not None

        await wait_until(pilot, letters_in, timeout=10)
        await pilot.pause(0.3)
        assert not screen._complete, "complete before the tree with its letters was drawn"
        drawing["on"] = True
        screen.explorer().refresh()
        await wait_until(pilot, lambda: screen._complete, timeout=10)


async def test_mcp_asked_for_before_its_hub_exists_still_starts(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first screen can be complete before the app's mount made the MCP hub: the hub starts once made,
    so a session waiting for it is never stuck."""
    import asyncio

    from workbench.tui.screens.main import MainScreen

    monkeypatch.setattr(MainScreen, "_after_first_screen", lambda self: None)  # it asked once, already:
    app = create_app(sample_repo, config=Config(), credentials=no_key)
    app.start_mcp()  # before the app's mount, when there is no hub yet
    async with app.run_test(size=(120, 40)):
        assert app.mcp is not None
        assert await asyncio.wait_for(app.mcp.for_session(), timeout=10) is None  # no servers configured


async def test_a_first_load_read_ahead_is_in_the_first_frame(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`workbench [DIR]` reads the tree and its letters while the UI loads: the first frame has the explorer with
    them (no placeholder, no load after it), and the screen completes as soon as it is drawn."""
    from workbench.cli.tui import start
    from workbench.core.quietgc import startup_done
    from workbench.core.repo.first_load import _pending
    from workbench.tui.screens.main import MainScreen

    loads: list[str] = []
    monkeypatch.setattr(MainScreen, "_load_explorer_code", lambda self: loads.append("thread"))
    start(sample_repo)
    try:
        _pending[sample_repo.resolve()].result(timeout=10)  # read (the CLI gets this while Textual loads)
        app = create_app(sample_repo, config=Config(), credentials=no_key)
        async with app.run_test(size=(120, 40)) as pilot:
            screen: Any = app.screen
            assert not screen.query("#explorer-placeholder")
            explorer = screen.explorer()
            assert explorer is not None and explorer.status is not None
            await wait_until(pilot, lambda: screen._complete, timeout=10)
            assert explorer.drawn_whole
    finally:
        startup_done()
    assert loads == [], "the explorer was loaded again after the first frame"
