"""The screen as a new user meets it: what a resumed history shows, answered cards, completion, plan editing, the
narrow status bar. Each test is one finding of the terminal trial."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import EDIT_REQUEST, first_turn
from tests.tui.scripted import Ask, ScriptedSession
from workbench.core.approvals import Decision, Scope
from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    Event,
    ToolCallFinished,
    ToolCallReady,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard
from workbench.tui.widgets.prompt import complete_mention
from workbench.tui.widgets.status import StatusInfo, status_text

EDIT_INPUT = dict(EDIT_REQUEST.input)


def edit_turn() -> list[Event | Ask]:
    return [
        TurnStarted(turn=1, prompt="bound the retries", persona_id="p", model="m"),
        ToolCallReady(call_id=EDIT_REQUEST.call_id, tool="Edit", input=EDIT_INPUT, summary="Edit src/retry.py"),
        Ask(EDIT_REQUEST),
        ToolCallFinished(
            call_id=EDIT_REQUEST.call_id, tool="Edit", input=EDIT_INPUT, output="ok", is_error=False, duration_ms=12
        ),
        TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()),
    ]


def saved_edit_turn() -> list[Event]:
    """`edit_turn` as the transcript keeps it: the approval's request and decision around the call."""
    decision = Decision(allow=True, scope=Scope.ONCE)
    decided = ApprovalDecided(request_id=EDIT_REQUEST.id, call_id=EDIT_REQUEST.call_id, decision=decision)
    asked = [ApprovalRequested(request=EDIT_REQUEST), decided]
    turn = edit_turn()
    return [*turn[:2], *asked, *turn[3:]]  # type: ignore[list-item]


def plain(renderable: Any) -> str:
    console = Console(width=100, color_system=None)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


async def test_a_resumed_history_shows_the_call_before_its_approval_as_the_live_one_did(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([edit_turn()])
    async with app.run_test(size=(160, 48)) as pilot:
        screen: Any = app.screen
        screen.chat.prompt.value = "bound the retries"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        card = screen.query_one(ApprovalCard)
        await pilot.pause(GRACE_S + 0.05)
        await pilot.press("y")
        await wait_until(pilot, lambda: not screen.chat_busy())
        live = [e.kind for e in screen.chat.transcript.entries]
        live_record = plain(card.freeze())
    resumed_app = make_app(past=saved_edit_turn())
    resumed_app.request.resume = "latest"
    async with resumed_app.run_test(size=(160, 48)) as pilot:
        screen = resumed_app.screen
        await wait_until(pilot, lambda: screen.session is not None and len(screen.chat.transcript.entries) >= 3)
        entries = screen.chat.transcript.entries
        assert live == ["user", "evidence", "approval"]
        assert [e.kind for e in entries] == live
        item = entries[2].item
        assert item is not None
        assert plain(item() if callable(item) else item) == live_record


async def test_an_answered_card_no_longer_says_approval_needed(make_app: AppMaker) -> None:
    app = make_app([edit_turn()])
    async with app.run_test(size=(160, 48)) as pilot:
        screen: Any = app.screen
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        card = screen.query_one(ApprovalCard)
        assert str(card.border_title).startswith("Approval needed")
        await pilot.pause(GRACE_S + 0.05)
        await pilot.press("y")
        await wait_until(pilot, lambda: card.decision is not None)
        assert str(card.border_title).startswith("Approval · Edit src/retry.py")


async def test_the_mention_ghost_only_ever_adds_to_what_is_typed(make_app: AppMaker) -> None:
    files = ["requests/sessions.py", "requests/adapters.py"]
    assert complete_mention("fix @sessi", files) == "fix @requests/sessions.py"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen: Any = app.screen
        await wait_until(pilot, lambda: bool(screen.files))  # the repository's own list, then this one
        screen.files = files
        prompt = screen.chat.prompt
        prompt.focus()
        await pilot.press(*"fix @sessi")
        await pilot.pause(0.2)
        assert prompt._suggestion == ""  # "@sessiequests/sessions.py" would be drawn otherwise
        await pilot.press("tab")
        assert prompt.value == "fix @requests/sessions.py "
        await pilot.press(*"and @requests/ad")
        await wait_until(pilot, lambda: prompt._suggestion == "fix @requests/sessions.py and @requests/adapters.py")


async def test_editing_a_step_keeps_its_text_to_change_not_to_replace(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(160, 48)) as pilot:
        screen: Any = app.screen
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy() and bool(screen.plan.items))
        screen.query_one("#plan-items").focus()
        first = screen.plan.items[0].content
        await pilot.press("e")
        await pilot.pause()
        await pilot.press(*" now")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.plan.items[0].content == first + " now"
        hint = str(screen.plan.query_one(".hint").render())
        assert "○→▶→✓" in hint and "check" not in hint


def test_the_narrow_status_bar_keeps_persona_mode_and_the_waiting_state() -> None:
    info = StatusInfo(persona="backend-architect", model="claude-sonnet-5-5", mode="acceptEdits", waiting=True)
    line = status_text(info, width=80).plain
    assert len(line) == 80
    for part in ("backend-architect", "acceptEdits", "waiting for your answer", "F1 help"):
        assert part in line, line
    busy = Text(status_text(StatusInfo(persona="backend-architect", busy=True), width=80).plain)
    assert "backend-architect" in busy.plain and "default" in busy.plain
