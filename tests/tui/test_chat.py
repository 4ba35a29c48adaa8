"""Chat behaviour driven by keys over scripted event streams: streaming, evidence, approvals, freezing."""

from __future__ import annotations

import pytest

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import EDIT_REQUEST, SHELL_REQUEST, first_turn
from tests.tui.scripted import Ask, ScriptedSession
from workbench.core.approvals import Scope
from workbench.core.events import (
    AssistantText,
    Event,
    Notice,
    TextDelta,
    ToolCallReady,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.tui.widgets import approval
from workbench.tui.widgets.answer import split_closed
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard
from workbench.tui.widgets.prompt import complete_mention
from workbench.tui.widgets.transcript import LIVE_MAX


def test_split_closed_keeps_code_fences_whole() -> None:
    blocks, tail = split_closed("para one\n\n```py\nx = 1\n\ny = 2\n```\n\nlast li")
    assert blocks == ["para one", "```py\nx = 1\n\ny = 2\n```"]
    assert tail == "last li"


def test_complete_mention() -> None:
    files = ["src/payments.py", "src/retry.py", "README.md"]
    assert complete_mention("look at @src/pa", files) == "look at @src/payments.py"
    assert complete_mention("look at @retr", files) == "look at @src/retry.py"
    assert complete_mention("mail me@src", files) is None
    assert complete_mention("no mention", files) is None


async def test_turn_shows_evidence_answer_plan_and_usage(make_app: AppMaker) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "Review the payments module"
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(e.type == "turn_done" for e in screen.events))
        await pilot.pause()
        cards = list(screen.query(EvidenceCard))
        assert [c.data.eid for c in cards] == ["E1", "E2", "E3"]
        assert cards[2].data.finished is not None and cards[2].data.finished.exit_code == 0
        answer = screen.chat.transcript.entries[-1]
        assert answer.kind == "answer"
        assert "RetryPolicy" in answer.widget.text  # type: ignore[union-attr]
        assert [i.status for i in screen.plan.items] == ["completed", "completed", "in_progress", "pending", "pending"]
        assert screen.status.info.usage.cost_usd == 0.031
        assert screen.status.info.model == "claude-sonnet-5-5"
        users = [e for e in screen.chat.transcript.entries if e.kind == "user"]
        assert len(users) == 1  # the echoed prompt is not repeated by TurnStarted


async def test_evidence_expands_and_navigates_by_keys(make_app: AppMaker) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy())
        await pilot.press("alt+up")
        assert isinstance(screen.focused, EvidenceCard) and screen.focused.data.eid == "E3"
        await pilot.press("alt+up")
        assert screen.focused.data.eid == "E2"
        await pilot.press("enter")
        assert screen.focused.expanded
        await pilot.press("v")
        await pilot.pause()
        assert type(app.screen).__name__ == "EvidenceScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_approval_card_ignores_keys_typed_before_it_appeared(
    make_app: AppMaker, made_sessions: list[ScriptedSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(approval, "GRACE_S", 1.0)  # long enough that a loaded machine still presses inside it
    app = make_app([[TurnStarted(turn=1, prompt="edit", persona_id="p", model="m"), Ask(EDIT_REQUEST)]])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "edit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        card = screen.query_one(ApprovalCard)
        assert screen.focused is card
        await pilot.press("y")  # within the grace period: ignored, and not typed anywhere
        assert card.decision is None and screen.chat.prompt.value == ""
        await wait_until(pilot, card._ready)
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(made_sessions and made_sessions[0].decisions))
        decision = made_sessions[0].decisions[0]
        assert decision.allow and decision.scope is Scope.SESSION and decision.pattern == "Edit(src/retry.py)"


async def test_guarded_shell_call_cannot_be_remembered_and_deny_takes_a_reason(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([[Ask(SHELL_REQUEST)]])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "commit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        card = screen.query_one(ApprovalCard)
        await pilot.pause(GRACE_S + 0.05)
        await pilot.press("a")  # persona-guarded: "always" is not offered
        await pilot.pause()
        assert card.decision is None
        await pilot.press("n")
        await pilot.press(*"tests first")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(made_sessions[0].decisions))
        decision = made_sessions[0].decisions[0]
        assert not decision.allow and decision.reason == "tests first"


async def test_escape_cancels_a_waiting_turn(make_app: AppMaker) -> None:
    app = make_app([[Ask(EDIT_REQUEST)]])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "edit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        screen.chat.prompt.focus()
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.chat_busy())
        card = screen.query_one(ApprovalCard)
        assert card.decision is not None and not card.decision.allow
        assert screen.status.info.busy is False


async def test_long_sessions_freeze_old_entries(make_app: AppMaker) -> None:
    turn = [Notice(level="info", message=f"note {n}") for n in range(LIVE_MAX * 3)]
    app = make_app([turn])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "many"
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(screen.chat.transcript.entries) >= LIVE_MAX * 3 + 1)
        transcript = screen.chat.transcript
        assert transcript.live_count() <= LIVE_MAX
        assert transcript.history.item_count >= LIVE_MAX * 2
        first = transcript.entries[1]
        assert first.widget is None and first.item is not None


async def test_streaming_many_small_chunks_builds_the_whole_answer(make_app: AppMaker) -> None:
    words = [f"word{n} " if n % 50 else f"word{n}\n\n" for n in range(2000)]
    full = "".join(words)
    turn = [*(TextDelta(text=w) for w in words), AssistantText(text=full)]
    turn.append(TurnDone(stop_reason="end_turn", final_text=full, usage=UsageInfo()))
    app = make_app([turn])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "stream"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy())
        await pilot.pause(0.2)
        answer = screen.chat.transcript.entries[-1].widget
        assert answer is not None and answer.text.split() == full.split()  # type: ignore[attr-defined]


async def test_prompt_history_walks_back_and_forth(make_app: AppMaker) -> None:
    app = make_app([[], []])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        for text in ("first", "second"):
            screen.chat.prompt.value = text
            await pilot.press("enter")
            await wait_until(pilot, lambda: not screen.chat_busy())
        screen.chat.prompt.value = "draft"
        await pilot.press("up")
        assert screen.chat.prompt.value == "second"
        await pilot.press("up", "up")
        assert screen.chat.prompt.value == "first"
        await pilot.press("down", "down")
        assert screen.chat.prompt.value == "draft"


async def test_escape_in_the_deny_box_goes_back_to_the_card(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([[Ask(EDIT_REQUEST)]])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "edit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        card = screen.query_one(ApprovalCard)
        await wait_until(pilot, card._ready)
        await pilot.press("n", "escape")
        await pilot.pause()
        assert screen.chat_busy() and card.decision is None and screen.focused is card
        await wait_until(pilot, card._ready)
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(made_sessions[0].decisions))
        assert made_sessions[0].decisions[0].allow


async def test_subagent_runs_nest_in_their_own_card(make_app: AppMaker) -> None:
    from tests.tui.test_subagent import review_events
    from workbench.tui.widgets.subagent import SubagentCard

    agent_call = ToolCallReady(call_id="toolu_agent1", tool="Agent", input={"description": "review"})
    turn: list[Event] = [TurnStarted(turn=1, prompt="review", persona_id="p", model="m"), agent_call]
    turn += review_events()
    turn.append(TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()))
    app = make_app([turn])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "review"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy())
        cards = list(screen.query(SubagentCard))
        assert len(cards) == 1 and cards[0].data.finished and cards[0].eid == "E1"
        assert [c.data.eid for c in screen.query(EvidenceCard)] == ["E1"]  # the child's calls live in its card
        assert screen.status.info.usage.cost_usd == 0  # the child's usage is not the session's
