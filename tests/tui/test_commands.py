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


def palette_texts(pilot: Any) -> list[str]:
    options = pilot.app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]


async def test_palette_lists_commands_first_and_files_only_for_paths(make_app: AppMaker) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.personas_ready and bool(screen.files))
        screen.chat.prompt.value = "Review the payments module"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy())
        await pilot.press("ctrl+p")
        await wait_for_hits(pilot, "persona: ")
        await pilot.pause(0.3)
        texts = palette_texts(pilot)
        assert texts[0] == "Help: keys and commands"
        first_persona = next(i for i, t in enumerate(texts) if t.startswith("persona: "))
        assert all(not t.startswith(("persona: ", "session: ", "mode: ", "theme: ")) for t in texts[:first_persona])
        assert not any(t.startswith("@") for t in texts)
        assert "Theme" not in texts and "Keys" not in texts
        await pilot.press(*"help")
        await wait_until(pilot, lambda: palette_texts(pilot)[:1] == ["Help: keys and commands"])
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press(*"src/pay")
        await wait_until(pilot, lambda: palette_texts(pilot)[:1] == ["@src/payments.py"])


async def test_palette_labels_sessions_by_first_prompt_time_and_persona(make_app: AppMaker, sample_repo: Any) -> None:
    from workbench.core.session_store import SessionStore

    store = SessionStore(sample_repo)
    transcript = store.create("20261121-071500-abcdef", {"persona": {"id": "code-reviewer"}, "model": "m"})
    from workbench.core.events import TurnStarted

    transcript.event(TurnStarted(turn=1, prompt="Why is the retry unbounded?", persona_id="code-reviewer", model="m"))
    transcript.close()
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"session")
        await wait_for_hits(pilot, "Why is the retry unbounded?")
        label = next(t for t in palette_texts(pilot) if t.startswith("session: "))
        assert "code-reviewer" in label and ":" in label.split(" · ")[1]
