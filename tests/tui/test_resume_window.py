"""Resuming a long session: only the end is built, older entries load as the user scrolls up (and far ones are
dropped), and a resumed conversation looks exactly like the live one did."""

from __future__ import annotations

import html
import re
from typing import Any

from textual.app import App, ComposeResult

from tests.tui.conftest import wait_until
from workbench.core.events import (
    AssistantText,
    Compacted,
    Event,
    ToolCallFinished,
    ToolCallReady,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.tui.widgets.chat import TAIL_EVENTS, ChatPane
from workbench.tui.widgets.transcript import PAGE, RESUME_LIVE, WINDOW_MAX, Transcript

ANSWER = "## Finding {n}\n\nThe loop in `charge()` retries on **every** exception.\n\n- bound it\n- check it\n"
RESULT = "\n".join(f"{i:3} | line {i}" for i in range(12))


def session(turns: int, *, compact_after: int | None = None) -> list[Event]:
    """Each turn: a prompt, a Read and a Bash call, an answer (4 entries)."""
    events: list[Event] = []
    for n in range(turns):
        events.append(TurnStarted(turn=n + 1, prompt=f"step {n}: look again", persona_id="p", model="m"))
        for k, tool in enumerate(("Read", "Bash")):
            args: dict[str, Any] = {"file_path": f"src/m{n}.py"} if tool == "Read" else {"command": f"pytest -k t{n}"}
            events.append(ToolCallReady(call_id=f"c{n}-{k}", tool=tool, input=args))
            events.append(
                ToolCallFinished(
                    call_id=f"c{n}-{k}", tool=tool, input=args, output=RESULT, is_error=False, duration_ms=5.0
                )
            )
        events.append(AssistantText(text=ANSWER.format(n=n)))
        events.append(TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()))
        if compact_after is not None and n == compact_after:
            events.append(
                Compacted(
                    trigger="auto",
                    tokens_before=170_000,
                    tokens_after=3_000,
                    messages_before=99,
                    messages_after=1,
                    window=200_000,
                    summary="## Goal\nreview",
                )
            )
    return events


class ChatApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatPane(id="chat")


def top_entry(t: Transcript) -> int:
    """The entry shown at the top of the view."""
    return t._lo + t.history.item_at_line(int(t.scroll_y))


async def test_a_long_resume_builds_only_its_end_and_loads_older_entries_as_the_user_scrolls() -> None:
    turns = 750  # 3,000 entries
    app = ChatApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(ChatPane)
        t = chat.transcript
        chat.replay(session(turns))
        await pilot.pause()
        assert len(t.entries) < TAIL_EVENTS  # the end first: its last message is drawn before the rest is read
        await chat.replay_rest()
        await pilot.pause()
        assert len(t.entries) == turns * 4
        assert t.live_count() == RESUME_LIVE and all(e.widget is None for e in t.entries[:-RESUME_LIVE])
        last = t.entries[-1].widget
        assert last is not None and last.region.height > 0 and t.scroll_y == t.max_scroll_y  # the end, on screen
        assert t.history.item_count <= PAGE  # nothing older is even measured yet
        assert [e.eid for e in t.evidence_entries()] == [f"E{n}" for n in range(1, turns * 2 + 1)]
        assert [e.turn for e in t.turn_entries()][-3:] == [turns - 2, turns - 1, turns]

        for _ in range(12):  # scroll to the top of what is loaded, again and again
            before = t._lo
            t.scroll_to(y=0, animate=False)
            await pilot.pause()
            seen = top_entry(t)
            await wait_until(pilot, lambda before=before: t._lo < before)
            await pilot.pause()
            assert top_entry(t) == seen  # older entries came in above without moving the view
        assert t._hi - t._lo <= WINDOW_MAX + PAGE and not t.attached  # far newer ones dropped, widgets hidden
        assert not t.entries[-1].widget.display  # type: ignore[union-attr]

        t.follow()  # back to the end (a new prompt does this)
        await pilot.pause()
        assert t.attached and t.entries[-1].widget.display  # type: ignore[union-attr]


async def test_a_compaction_folds_the_turns_before_it_in_a_resumed_session_too() -> None:
    app = ChatApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.query_one(ChatPane)
        t = chat.transcript
        chat.replay(session(300, compact_after=10))  # the marker is in the part read after the first frame
        await chat.replay_rest()
        assert len(t.entries) == 300 * 4 + 1
        marker = next(e for e in t.entries if e.kind == "compacted")
        assert t.folded == t.entries.index(marker) == 44
        for _ in range(60):
            t.scroll_to(y=0, animate=False)
            await pilot.pause()
        assert t._lo == t.folded  # scrolling up stops at the marker
        assert t.unfold()
        for _ in range(5):
            t.scroll_to(y=0, animate=False)
            await pilot.pause()
        assert t._lo < t.folded or t.folded == 0


def screen_text(app: App[Any]) -> list[str]:
    """The screen's text, row by row, without the scrollbar (whose thumb depends on the history's length)."""
    svg = app.export_screenshot()
    rows: dict[float, list[str]] = {}
    for y, part in re.findall(r'<text class="[^"]*" x="[^"]*" y="([^"]*)"[^>]*>([^<]*)</text>', svg):
        rows.setdefault(float(y), []).append(html.unescape(part).replace("\xa0", " "))
    return ["".join(parts).rstrip().rstrip("▁▂▃▄▅▆▇█").rstrip() for _, parts in sorted(rows.items())]


async def test_a_resumed_conversation_looks_like_the_live_one() -> None:
    events = session(40)
    shown: list[list[str]] = []
    for live in (True, False):
        app = ChatApp()
        async with app.run_test(size=(100, 40)) as pilot:
            chat = app.query_one(ChatPane)
            if live:
                for ev in events:
                    chat.handle_event(ev)
                    await pilot.pause(0)
            else:
                chat.replay(events)
                await chat.replay_rest()
            await pilot.pause(0.3)
            chat.transcript.scroll_end(animate=False)
            await pilot.pause(0.2)
            shown.append(screen_text(app))
    assert shown[0] == shown[1]
    assert any("Finding 39" in line for line in shown[0])


def test_the_end_is_read_first_from_a_turn_start() -> None:
    from workbench.tui.widgets.chat import numbering, tail_start

    events = session(200)
    split = tail_start(events)
    assert 0 < split <= len(events) - TAIL_EVENTS and isinstance(events[split], TurnStarted)
    assert numbering(events[:split]) == (2 * events[split].turn - 2, events[split].turn - 1)  # type: ignore[attr-defined]
    assert tail_start(session(3)) == 0
