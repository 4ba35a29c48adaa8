"""The nested subagent card: state from events, untrusted text kept literal, and snapshots at 160x48 and 80x24."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.core.approvals import ApprovalRequest, Decision
from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    AssistantText,
    Event,
    SubagentFinished,
    SubagentStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallReady,
    UsageInfo,
    UsageUpdated,
)
from workbench.tui.widgets.evidence import EvidenceData
from workbench.tui.widgets.subagent import SubagentCard, SubagentData, SubagentNesting, body_renderable, status_text
from workbench.tui.widgets.transcript import Transcript

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
REVIEWER = ("code-reviewer",)
ANSWER = (
    "Two problems in src/payments.py:\n"
    "1. charge() retries on every exception, including card declines (line 88).\n"
    "2. The delay never grows: backoff_delay() is called with attempt=0 (line 141).\n"
    "Literal, not markup: [bold red]x[/bold red] and [@click=app.quit]quit[/]"
)
USAGE = UsageInfo(input_tokens=3200, output_tokens=410, cache_read_input_tokens=2100, cost_usd=0.0162)


def call(
    call_id: str, tool: str, args: dict[str, Any], output: str, *, path: tuple[str, ...] = REVIEWER, **kw: Any
) -> list[Event]:
    ready = ToolCallReady(agent_path=path, call_id=call_id, tool=tool, input=args)
    kw.setdefault("is_error", False)
    kw.setdefault("duration_ms", 5.0)
    done = ToolCallFinished(agent_path=path, call_id=call_id, tool=tool, input=args, output=output, **kw)
    return [ready, done]


def review_events(*, finished: bool = True) -> list[Event]:
    events: list[Event] = [
        SubagentStarted(
            agent_path=REVIEWER,
            call_id="toolu_agent1",
            persona_id="code-reviewer",
            description="review the retry logic",
            prompt="Review src/payments.py for retry bugs.\nList each problem with its line number.\nDo not edit.",
            model="claude-sonnet-5-5",
            color="green",
            tools=("Read", "LS", "Glob", "Grep"),
        ),
        *call("c1", "Read", {"file_path": "src/payments.py"}, "class PaymentClient: ...", duration_ms=12.0),
        *call("c2", "Grep", {"pattern": "retry(", "path": "src"}, "src/payments.py:88", duration_ms=31.0),
        *call(
            "c3",
            "Write",
            {"file_path": "src/payments.py", "content": "x"},
            "Unknown tool 'Write': it is not available in this session.",
            is_error=True,
            decision="invalid",
            duration_ms=0.4,
        ),
        UsageUpdated(agent_path=REVIEWER, turn=USAGE, session=USAGE),
    ]
    if finished:
        events += [
            AssistantText(agent_path=REVIEWER, text=ANSWER),
            SubagentFinished(
                agent_path=REVIEWER,
                call_id="toolu_agent1",
                persona_id="code-reviewer",
                stop_reason="end_turn",
                final_text=ANSWER,
                usage=USAGE,
                tool_calls=3,
            ),
        ]
    return events


def waiting_events() -> list[Event]:
    path = ("test-runner",)
    request = ApprovalRequest(
        id="r1",
        call_id="b1",
        tool="Bash",
        input={"command": "pytest -q tests/test_payments.py"},
        summary="Run: pytest -q tests/test_payments.py",
        reason="asks: Bash needs approval",
        persona_id="test-runner",
        agent_path=path,
    )
    return [
        SubagentStarted(
            agent_path=path,
            call_id="toolu_agent2",
            persona_id="test-runner",
            description="run the payment tests",
            prompt="Run the payment tests and report failures.",
            model="claude-haiku-4-5",
            color="yellow",
        ),
        *call("b0", "Read", {"file_path": "tests/test_payments.py"}, "def test_charge(): ...", path=path),
        ToolCallReady(
            agent_path=path, call_id="b1", tool="Bash", input={"command": "pytest -q tests/test_payments.py"}
        ),
        ApprovalRequested(agent_path=path, request=request),
    ]


class CardApp(App[None]):
    """A tiny app: a prompt line, then one card per list of events."""

    def __init__(self, *feeds: tuple[tuple[str, ...], str, list[Event]]) -> None:
        super().__init__()
        self.feeds = feeds

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("you  Review the payments module, then run its tests.", markup=False)
            yield Static("▸ Agent  code-reviewer: review the retry logic · 2.4 s                 E1", markup=False)
            for path, eid, events in self.feeds:
                card = SubagentCard(path, eid=eid)
                card.feed_all(events, live=False)  # no clock: the picture does not depend on timing
                yield card


def plain(data: SubagentData, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(body_renderable(data, width=width))
    return console.export_text()


def plain_full(data: SubagentData, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(body_renderable(data, width=width, full=True))
    return console.export_text()


def test_card_state_follows_the_events() -> None:
    data = SubagentData(path=REVIEWER)
    for ev in review_events(finished=False):
        data.feed(ev, "E1")
    assert data.persona_id == "code-reviewer" and data.status == "running" and data.color == "green"
    assert [c.eid for c in data.calls.values()] == ["E1.1", "E1.2", "E1.3"]
    assert all(c.agent_path == () for c in data.calls.values())
    assert data.calls["c3"].finished is not None and data.calls["c3"].finished.is_error
    data.feed(TextDelta(agent_path=REVIEWER, text="Two problems"))
    assert "writing: Two problems" in plain(data)
    data.feed(TextDelta(agent_path=("other",), text=" ignored"))
    assert data.streaming == "Two problems"
    for ev in review_events()[-2:]:
        data.feed(ev)
    assert data.status == "done" and data.answer == ANSWER and data.streaming == ""
    assert data.usage == USAGE
    assert "tools  Read, LS, Glob, Grep" in plain_full(data) and "tools  " not in plain(data)


def test_untrusted_text_is_shown_literally() -> None:
    data = SubagentData(path=REVIEWER)
    hostile = "[bold]x[/bold] \x1b[31mred\x1b[0m \u202eevil"
    data.feed(
        SubagentStarted(
            agent_path=REVIEWER, call_id="a", persona_id="[red]p[/red]", description="d", prompt=hostile, model="m"
        )
    )
    data.feed(AssistantText(agent_path=REVIEWER, text=hostile))
    shown = plain(data)
    assert "[bold]x[/bold]" in shown and "\x1b" not in shown and "<ESC>[31mred" in shown and "<U+202E>" in shown


def test_approvals_grandchildren_and_cancel() -> None:
    data = SubagentData(path=("test-runner",))
    for ev in waiting_events():
        data.feed(ev)
    assert data.status == "waiting" and data.detail.startswith("Run: pytest")
    data.feed(ApprovalDecided(agent_path=("test-runner",), request_id="r1", call_id="b1", decision=Decision(True)))
    assert data.status == "running"
    deeper = ("test-runner", "leaf")
    for ev in call("g1", "Read", {"file_path": "a.py"}, "x", path=deeper):
        data.feed(ev)
    assert data.calls["g1"].agent_path == ("leaf",)  # shown with the path below the card
    assert "leaf › Read" in plain(data)
    data.cancel()
    assert data.status == "cancelled" and "cancelled" in plain(data)


async def test_card_takes_only_its_own_events_and_unfolds() -> None:
    app = CardApp((REVIEWER, "E1", []))
    async with app.run_test(size=(100, 60)) as pilot:
        card = app.query_one(SubagentCard)
        nested = ToolCallReady(agent_path=(*REVIEWER, "x"), call_id="z", tool="Read", input={})
        assert card.wants(review_events()[0]) and card.wants(nested)
        assert not card.wants(TextDelta(text="top level"))
        assert not card.wants(TextDelta(agent_path=("other",), text="x"))
        long_answer = "\n".join(f"finding {n}" for n in range(1, 21))
        for ev in review_events(finished=False):
            card.feed(ev)
        card.feed(AssistantText(agent_path=REVIEWER, text=long_answer))
        await pilot.pause()
        folded = card.size.height
        assert "12 more lines" in plain(card.data)
        card.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert card.expanded and card.size.height == folded + 12 - 1 + 1  # all 20 lines, and the tools line
        title = Content.from_markup(str(card.border_title)).plain
        assert title == "Agent · code-reviewer · review the retry logic"
        card.feed(
            SubagentStarted(
                agent_path=REVIEWER, call_id="a", persona_id="[b]x[/b]", description="", prompt="", model=""
            )
        )
        assert Content.from_markup(str(card.border_title)).plain == "Agent · [b]x[/b]"


@pytest.mark.parametrize("size", SIZES)
def test_subagent_card_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    """Under "you Review the payments module…" and the Agent evidence line E1: a rounded card titled
    "Agent · code-reviewer · review the retry logic" (code-reviewer in green) with the model at the bottom right;
    inside, "prompt Review src/payments.py…" (3 lines), evidence lines E1.1 Read src/payments.py · 12 ms,
    E1.2 Grep "retry(" · 31 ms, E1.3 Write · error · invalid, then "answer" and the reviewer's four lines with
    [bold red]x[/bold red] shown literally, then "✓ done · 3 tool calls · 5.3k in · 410 out · $0.016". Below
    it a second card "Agent · test-runner · run the payment tests" (yellow border: waiting) with its Read line,
    the Bash line "running…", and "? waiting for approval: Run: pytest -q tests/test_payments.py"."""
    app = CardApp((REVIEWER, "E1", review_events()), (("test-runner",), "E2", waiting_events()))
    assert snap_compare(app, terminal_size=size)


class TranscriptApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")


def agent_ready(call_id: str = "toolu_agent1") -> ToolCallReady:
    args = {"description": "review the retry logic", "prompt": "Review.", "subagent_type": "code-reviewer"}
    return ToolCallReady(call_id=call_id, tool="Agent", input=args)


async def test_nesting_puts_each_run_in_its_own_card() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(100, 60)) as pilot:
        transcript = app.query_one(Transcript)
        nesting = SubagentNesting()
        transcript.add_evidence(EvidenceData.from_ready("E1", agent_ready()))
        for ev in [TextDelta(text="top level is not the card's"), *review_events()]:
            nesting.handle(transcript, ev)
        await pilot.pause()
        (card,) = app.query(SubagentCard)
        assert card.eid == "E1" and card.data.status == "done" and len(card.data.calls) == 3
        assert [c.eid for c in card.data.calls.values()] == ["E1.1", "E1.2", "E1.3"]
        assert nesting.cards == {} and transcript.entries[-1].kind == "subagent"
        # the same persona again: a new card, cut short by a cancelled turn
        transcript.add_evidence(EvidenceData.from_ready("E2", agent_ready("toolu_agent2")))
        again = [dataclasses.replace(ev, call_id="toolu_agent2") if isinstance(ev, SubagentStarted) else ev
                 for ev in review_events(finished=False)]  # fmt: skip
        for ev in again:
            nesting.handle(transcript, ev)
        nesting.turn_done(transcript)
        await pilot.pause()
        first, second = app.query(SubagentCard)
        assert first is card and second.eid == "E2" and second.data.status == "cancelled"
        assert "cancelled" in plain(second.data)


async def test_nesting_rebuilds_a_saved_run_as_the_live_one_was() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(100, 60)) as pilot:
        transcript = app.query_one(Transcript)
        nesting = SubagentNesting()
        with transcript.bulk():
            transcript.add_evidence(EvidenceData.from_ready("E1", agent_ready()))
            for ev in review_events():
                nesting.handle(transcript, ev)
            for ev in waiting_events():  # a run that never finished (the process died): cut short at the turn's end
                nesting.handle(transcript, ev)
            nesting.turn_done(transcript)
            assert not app.query(SubagentCard)  # nothing is built while a saved session is read
        await pilot.pause()
        assert [e.kind for e in transcript.entries] == ["evidence", "subagent", "subagent"]
        first, second = app.query(SubagentCard)  # the newest entries are widgets, as in a live session
        assert first.eid == "E1" and [c.eid for c in first.data.calls.values()] == ["E1.1", "E1.2", "E1.3"]
        assert first.data.status == "done" and second.data.status == "cancelled"
        console = Console(width=100, record=True, file=io.StringIO())
        for entry in transcript.entries[1:]:
            console.print(entry.item() if callable(entry.item) else entry.item)
        shown = console.export_text()  # the frozen forms, once they scroll far up
        assert "Agent · code-reviewer · review the retry logic" in shown and "✓ done" in shown
        assert "[bold red]x[/bold red]" in shown and "■ cancelled" in shown


def test_a_long_or_quiet_run_says_so() -> None:
    data = SubagentData(path=REVIEWER)
    data.feed(review_events()[0], now=100.0)
    assert "s ·" not in status_text(data, now=101.0).plain and "activity" not in status_text(data, now=101.0).plain
    data.feed(review_events()[1], now=108.0)
    assert status_text(data, now=110.0).plain.endswith(" · 10 s")
    assert status_text(data, now=125.0).plain.endswith(" · 25 s · no activity for 17 s")
    data.feed(ApprovalRequested(agent_path=REVIEWER, request=waiting_events()[-1].request), now=126.0)  # type: ignore[attr-defined]
    assert "no activity" not in status_text(data, now=200.0).plain  # waiting on the user, not stuck
    for ev in review_events()[-2:]:
        data.feed(ev, now=201.0)
    assert status_text(data, now=300.0).plain.startswith("✓ done") and " s" not in status_text(data, now=300.0).plain
