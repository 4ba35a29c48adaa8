"""Palette providers, copy through OSC 52, the mouse-capture toggle and the file finder, by keys."""

from __future__ import annotations

from typing import Any

from textual.command import CommandList

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import first_turn
from workbench.tui.host import PersonaChoice


async def wait_for_hits(pilot: Any, text: str) -> None:
    """Until the palette lists a hit whose text contains `text`."""

    def listed() -> bool:
        found = pilot.app.screen.query(CommandList)
        if not found:
            return False
        options = found.first(CommandList)
        return any(text in str(options.get_option_at_index(i).prompt) for i in range(options.option_count))

    await wait_until(pilot, listed)


async def test_palette_switches_mode_and_theme(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+p")
        await pilot.press(*"mode: plan")
        await wait_for_hits(pilot, "mode: plan")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.status.info.mode == "plan")
        assert "plan" in str(screen.chat.border_title)
        await pilot.press("ctrl+p")
        await pilot.press(*"theme: workbench-paper")
        await wait_for_hits(pilot, "workbench-paper")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "workbench-paper")


async def test_palette_persona_names_are_plain_text(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.personas_ready)
        hostile = PersonaChoice("evil", "[@click=app.quit]evil[/]", "[bold]x", "red")
        screen.persona_load.choices[:] = [hostile]
        await pilot.press("ctrl+p")
        await pilot.press(*"persona: evil")
        await wait_for_hits(pilot, "[@click=app.quit]evil[/]")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.status.info.persona == "[@click=app.quit]evil[/]")
        assert app.is_running


async def test_copy_uses_the_clipboard_and_mouse_capture_toggles(make_app: AppMaker) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy())
        await pilot.press("ctrl+y")
        assert app.clipboard.startswith("The retry loop in `charge()`")
        await pilot.press("f2")
        assert app.mouse_captured_by_app is False
        await pilot.press("f2")
        assert app.mouse_captured_by_app is True


async def test_finder_mentions_a_file_in_the_prompt(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.files))
        await pilot.press("ctrl+f")
        await pilot.press(*"paymen")
        await pilot.pause(0.3)
        await pilot.press("@")
        await wait_until(pilot, lambda: screen.chat.prompt.value.strip() == "@src/payments.py")
