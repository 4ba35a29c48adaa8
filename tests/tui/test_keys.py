"""Keys that arrive and keys in force: alt+digit from the prompt, remapped keys everywhere, labels that follow."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandPalette

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import EDIT_REQUEST
from tests.tui.scripted import Ask, ScriptedSession
from workbench.config import Config
from workbench.core.approvals import Scope
from workbench.core.events import TurnStarted
from workbench.tui.keys import KeyMap, check_keymap, display, printable
from workbench.tui.screens.help import HelpScreen
from workbench.tui.widgets.approval import ApprovalCard


def keys_config(**keys: str) -> Config:
    return Config(data={"keys": dict(keys)})


async def ready_prompt(pilot: Any) -> Any:
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.keys_ready)
    assert screen.focused is screen.chat.prompt
    return screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_alt_digits_leave_the_prompt_for_each_pane(make_app: AppMaker, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await ready_prompt(pilot)
        await pilot.press("alt+3")
        assert screen.pane == "plan" and screen.focused is not None and screen.focused.id == "plan-items"
        await wait_until(pilot, lambda: bool(screen.query("#explorer")))
        await pilot.press("alt+1")
        assert screen.pane == "files" and screen.focused is not None and screen.focused.id == "explorer"
        await pilot.press("alt+2")
        assert screen.pane == "chat" and screen.focused is screen.chat.prompt
        assert screen.chat.prompt.value == ""


async def test_remapped_palette_key_opens_the_palette_from_the_prompt(make_app: AppMaker) -> None:
    app = make_app(config=keys_config(**{"app.palette": "ctrl+k"}))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready_prompt(pilot)
        screen.chat.prompt.value = "keep this text"
        screen.chat.prompt.cursor_position = 0
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert screen.chat.prompt.value == "keep this text"  # not the prompt's own ctrl+k (delete to the end)
        await pilot.press("escape")
        await pilot.pause()
        assert "^k palette" in screen.status.render().plain


async def test_find_file_key_works_from_the_prompt(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_prompt(pilot)
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "FileFinder")


async def test_remapped_approval_key_answers_and_is_what_the_card_says(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    turn = [TurnStarted(turn=1, prompt="edit", persona_id="p", model="m"), Ask(EDIT_REQUEST)]
    app = make_app([turn], config=keys_config(**{"approval.once": "o"}))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await ready_prompt(pilot)
        screen.chat.prompt.value = "edit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        card = screen.query_one(ApprovalCard)
        await wait_until(pilot, card._ready)
        hints = str(card.query_one(".hints").render())
        assert "[o] once" in hints and "[y]" not in hints
        await pilot.press("y")
        await pilot.pause()
        assert card.decision is None
        await pilot.press("o")
        await wait_until(pilot, lambda: bool(made_sessions[0].decisions))
        assert made_sessions[0].decisions[0].scope is Scope.ONCE


async def test_help_lists_every_binding_with_the_key_in_force(make_app: AppMaker) -> None:
    app = make_app(config=keys_config(**{"explorer.diff": "D", "app.palette": "ctrl+k"}))
    async with app.run_test(size=(160, 48)) as pilot:
        await ready_prompt(pilot)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        rows = {row[3]: row for row in app.screen.rows}  # type: ignore[attr-defined]
        assert rows["explorer.diff"][1] == "D"
        assert rows["app.palette"][1] == "^k"
        for binding_id in ("explorer.history", "finder.mention", "preview.mention", "ledger.revoke", "help.close"):
            assert binding_id in rows
        assert any(row[0] == "commands" and row[1] == "/model [alias|id]" for row in app.screen.rows)  # type: ignore[attr-defined]


async def test_bad_key_remaps_are_reported_and_not_applied(make_app: AppMaker) -> None:
    app = make_app(config=keys_config(**{"app.palette": "k", "no.such": "ctrl+x"}))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready_prompt(pilot)
        await pilot.press("k")
        assert screen.chat.prompt.value == "k"
        problems = app.key_problems
        assert any("no binding has the id 'no.such'" in m for m in problems)
        assert any("would take that character from the prompt" in m for m in problems)


def test_a_remapped_key_that_another_binding_has_is_reported() -> None:
    from workbench.tui.keys import binding_groups

    keymap, problems = check_keymap({"chat.outline": "ctrl+t"}, binding_groups())
    assert keymap.key("chat.outline", "ctrl+o") == "ctrl+t"
    assert problems == ["[keys] 'chat.outline' = 'ctrl+t' is also the key of chat.rewind"]


def test_key_labels_and_printable_keys() -> None:
    assert display("ctrl+k") == "^k" and display("f1") == "F1" and display("alt+1") == "alt+1"
    assert display("at") == "@" and display("escape,q") == "Esc"
    assert printable("k") and printable("at") and printable("shift+a") and not printable("ctrl+k")
    assert not printable("f1") and not printable("escape") and not printable("alt+1")
    keymap, problems = check_keymap({"x": "ctrl+x"}, [])
    assert keymap == KeyMap() and not problems  # an unknown id is the config's to report
