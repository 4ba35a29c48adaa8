"""A resumed session's last message is on screen before the session is open (read from the transcript's tail);
once it opens, the chat holds exactly what a plain full replay shows, folds and evidence ids included."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from tests.tui.conftest import wait_until
from tests.tui.scripted import ScriptedSession, make_persona, scripted_factory
from workbench.config import Config
from workbench.core.agent.builtin import builtin_persona
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import DenyAll
from workbench.core.events import (
    AssistantText,
    Compacted,
    Event,
    Notice,
    Rewound,
    ToolCallFinished,
    ToolCallReady,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.core.session_store import SessionStore
from workbench.tui import host
from workbench.tui.app import create_app
from workbench.tui.host import SessionLike, SessionRequest
from workbench.tui.widgets.transcript import Transcript

TURNS = 160
RESULT = "\n".join(f"{i:3} | line {i}" for i in range(8))


def turn_events(n: int) -> list[Event]:
    events: list[Event] = [TurnStarted(turn=n, prompt=f"step {n}: look again", persona_id="workbench", model="m")]
    for k, tool in enumerate(("Read", "Bash")):
        args: dict[str, Any] = {"file_path": f"src/m{n}.py"} if tool == "Read" else {"command": f"pytest -k t{n}"}
        events.append(ToolCallReady(call_id=f"c{n}-{k}", tool=tool, input=args))
        events.append(
            ToolCallFinished(call_id=f"c{n}-{k}", tool=tool, input=args, output=RESULT, is_error=False, duration_ms=5)
        )
    events.append(AssistantText(text=f"## Finding {n}\n\nThe loop retries on **every** exception."))
    events.append(TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()))
    return events


async def write_session(workspace: Path) -> str:
    """A real saved session: compacted at turn 40, and rewound at the end to turn 150 (whose start is in the
    part of the transcript the tail does not reach)."""
    session = AgentSession.create(workspace, builtin_persona(), approver=DenyAll(), config=Config())
    sid, store = session.id, session.store
    await session.aclose()
    transcript = store.reopen(sid)
    for n in range(1, TURNS + 1):
        for ev in turn_events(n):
            transcript.event(ev)
        transcript.message({"role": "user", "content": [{"type": "text", "text": f"step {n}"}]})
        transcript.message({"role": "assistant", "content": [{"type": "text", "text": f"finding {n}"}]})
        if n == 40:
            summary = "## Goal\nreview the retry policy"
            transcript.event(
                Compacted(
                    trigger="auto",
                    tokens_before=170_000,
                    tokens_after=3_000,
                    messages_before=80,
                    messages_after=1,
                    window=200_000,
                    summary=summary,
                )
            )
            transcript.compacted([{"role": "user", "content": [{"type": "text", "text": summary}]}])
    transcript.event(Rewound(to_turn=TURNS - 25, files=False, conversation=True, checkpoint="c1"))
    transcript.event(TurnStarted(turn=TURNS + 1, prompt="after the rewind", persona_id="workbench", model="m"))
    transcript.event(AssistantText(text="The last answer of the session."))
    transcript.event(TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()))
    transcript.close()
    return sid


def shown(app: App[Any]) -> str:
    """The chat's text in view now (the lines of every displayed leaf widget inside the visible part of the
    transcript, in order), spaces collapsed."""
    transcript: Transcript = app.screen.chat.transcript  # type: ignore[attr-defined]
    view = transcript.content_region
    out: list[str] = []
    for widget in transcript.walk_children(Widget, with_self=False):
        if widget.children or not all(node.display for node in widget.ancestors_with_self):
            continue
        seen = widget.region.intersection(view)
        if seen.height:
            part = Region(0, seen.y - widget.region.y, widget.size.width, seen.height)
            out += [strip.text for strip in widget.render_lines(part)]
    return " ".join(" ".join(out).split())


async def bottom(pilot: Pilot[Any]) -> str:
    """The chat's text in view once scrolled to its end."""
    transcript: Transcript = pilot.app.screen.chat.transcript  # type: ignore[attr-defined]
    transcript.scroll_end(animate=False, immediate=True)
    await pilot.pause(0.2)
    return shown(pilot.app)


def entries(transcript: Transcript) -> list[tuple[object, ...]]:
    return [(e.kind, e.eid, e.turn, e.label, e.rewound_by is not None) for e in transcript.entries]


async def full_replay(pilot: Pilot[Any], past: list[Event]) -> tuple[list[tuple[object, ...]], str]:
    """What the same chat shows after a plain full replay of `past` (the way a resume read it before)."""
    chat: Any = pilot.app.screen.chat  # type: ignore[attr-defined]
    chat.clear()
    chat.replay(past)
    await chat.replay_rest()
    await chat.transcript.tail_drawn()
    await pilot.pause(0.3)
    return entries(chat.transcript), await bottom(pilot)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")  # no request is made: the session is only opened
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")


@pytest.mark.usefixtures("env")
async def test_the_last_message_is_on_screen_before_the_session_opens(sample_repo: Path) -> None:
    sid = await write_session(sample_repo)
    seen: dict[str, Any] = {}

    async def factory(req: SessionRequest) -> SessionLike:
        transcript = app.screen.chat.transcript  # type: ignore[attr-defined]
        seen["text"] = shown(app)
        seen["last"] = transcript.entries[-1] if transcript.entries else None
        return await host.default_session_factory(req)

    app = create_app(sample_repo, resume=sid[:12], factory=factory, config=Config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen: Any = app.screen
        await wait_until(pilot, lambda: screen._replayed, timeout=30)
        await pilot.pause(0.3)
        assert "The last answer of the session." in seen["text"]  # drawn before the factory was asked
        transcript = screen.chat.transcript
        assert transcript.entries[-1] is seen["last"]  # the shown end was kept, not rebuilt
        got, text = entries(transcript), await bottom(pilot)
        assert "turns removed from the conversation" in text
        past = SessionStore(sample_repo).load(sid).events
        want, want_text = await full_replay(pilot, past)
        assert got == want
        assert text == want_text
        assert sum(e[0] == "user" for e in got) == TURNS + 1  # every turn (the compacted ones folded)
        assert [e for e in got if e[0] == "evidence"][-1][1] == f"E{2 * TURNS}"


@pytest.mark.usefixtures("env")
async def test_a_session_written_to_between_the_tail_and_the_open_is_replayed_whole(sample_repo: Path) -> None:
    sid = await write_session(sample_repo)
    store = SessionStore(sample_repo)

    seen: dict[str, str] = {}

    async def factory(req: SessionRequest) -> SessionLike:
        seen["text"] = shown(app)
        transcript = store.reopen(sid)  # another process, between the tail read and the open
        transcript.event(Notice(level="info", message="written in between"))
        transcript.close()
        return await host.default_session_factory(req)

    app = create_app(sample_repo, continue_=True, factory=factory, config=Config())
    async with app.run_test(size=(120, 40)) as pilot:
        screen: Any = app.screen
        await wait_until(pilot, lambda: screen._replayed, timeout=30)
        await pilot.pause(0.3)
        assert "The last answer of the session." in seen["text"]
        got, text = entries(screen.chat.transcript), await bottom(pilot)
        want, want_text = await full_replay(pilot, store.load(sid).events)
        assert got == want
        assert text == want_text
        assert "written in between" in text


async def test_a_prompt_sent_while_the_session_opens_is_sent_once_it_is_open(
    sample_repo: Path, made_sessions: list[ScriptedSession]
) -> None:
    gate = asyncio.Event()
    reply = [
        AssistantText(text="Answered after the open."),
        TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()),
    ]
    inner = scripted_factory([reply], past=turn_events(1), made=made_sessions)

    async def factory(req: SessionRequest) -> SessionLike:
        await gate.wait()  # a slow open
        return await inner(req)  # type: ignore[no-any-return]

    app = create_app(
        sample_repo,
        persona=make_persona(),
        factory=factory,
        config=Config(),
        continue_=True,
        credentials=lambda: (True, "test key"),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen: Any = app.screen
        await wait_until(pilot, lambda: screen.chat_busy())
        await pilot.press(*"go on", "enter")
        await pilot.pause(0.1)
        assert not made_sessions  # still opening: nothing sent, nothing lost
        gate.set()
        await wait_until(pilot, lambda: bool(made_sessions) and made_sessions[0].prompts == ["go on"])
        await wait_until(pilot, lambda: not screen.chat_busy())
        assert "Answered after the open." in await bottom(pilot)


def test_a_shown_end_lines_up_only_when_it_is_the_end_and_numbered_as_a_full_replay_numbers_it() -> None:
    from workbench.tui.screens.main_tail import ShownTail, head_before

    past = [*turn_events(1), *turn_events(2), *turn_events(3)]
    end = turn_events(3)
    assert head_before(ShownTail(end, (4, 2), ()), past) == past[: -len(end)]
    assert head_before(ShownTail(end, (3, 2), ()), past) is None  # the hint counted a call too few
    assert head_before(ShownTail(turn_events(2), (2, 1), ()), past) is None  # not the end any more
    assert head_before(ShownTail([*past, *end], (0, 0), ()), past) is None  # longer than the session
