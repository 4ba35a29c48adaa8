"""The chat pane: transcript + prompt. It renders the core's events; it never talks to the model itself."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from workbench.core.approvals import ApprovalRequest, Decision
from workbench.tui import safe
from workbench.tui.slash import Completer
from workbench.tui.widgets.answer import AnswerView
from workbench.tui.widgets.approval import ApprovalCard
from workbench.tui.widgets.evidence import EvidenceData
from workbench.tui.widgets.prompt import Prompt, SlashHints
from workbench.tui.widgets.transcript import Transcript

if TYPE_CHECKING:  # the event types and the subagent cards load with the first event, not before the first frame
    from workbench.core.events import (
        ApprovalDecided,
        ApprovalRequested,
        AssistantText,
        Compacted,
        ContractReport,
        ErrorEvent,
        Event,
        HookRan,
        Notice,
        Retrying,
        Rewound,
        TextDelta,
        ToolCallFinished,
        ToolCallReady,
        ToolProgress,
        TurnDone,
        TurnStarted,
    )
    from workbench.tui.widgets.subagent import SubagentNesting


def error_renderable(ev: ErrorEvent) -> Text:
    out = Text()
    code = f" {ev.status_code}" if ev.status_code else ""
    out.append(f"✗ {safe.one_line(ev.kind, 30)}{code}: ", style="bold red")
    out.append(safe.clean(ev.message))
    if ev.hint:
        out.append("\n  " + safe.clean(ev.hint), style="italic")
    if ev.retryable:
        out.append("\n  (retryable: send the prompt again)", style="italic")
    return out


TAIL_EVENTS = 400  # a resume reads about this many of the newest events before its first frame


def tail_start(events: Sequence[Event]) -> int:
    """Where the newest part of a saved session starts: the top-level turn start nearest before the last
    `TAIL_EVENTS` events (0: read it all at once)."""
    for index in range(len(events) - TAIL_EVENTS, 0, -1):
        ev = events[index]
        if ev.type == "turn_started" and not ev.agent_path:
            return index
    return 0


def numbering(events: Sequence[Event], after: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """The evidence ids and turn number the chat has used after these events (as `handle_event` counts), `after`
    the ones given."""
    eids, turn = after
    ready: set[str] = set()
    for ev in events:
        if ev.agent_path:
            continue
        kind = ev.type
        if kind == "tool_call_ready":
            ready.add(ev.call_id)  # type: ignore[attr-defined]
            eids += 1
        elif kind == "tool_call_finished" and ev.call_id not in ready:  # type: ignore[attr-defined]
            eids += 1
        elif kind == "turn_started":
            turn = max(turn + 1, ev.turn)  # type: ignore[attr-defined]
    return eids, turn


class ChatPane(Vertical):
    class Waiting(Message):
        """An approval card is (or is no longer) waiting for the user."""

        def __init__(self, waiting: bool) -> None:
            super().__init__()
            self.waiting = waiting

    DEFAULT_CSS = """
    ChatPane {
        height: 1fr;
        & > Prompt, & > SlashHints { height: auto; }
    }
    """

    def __init__(
        self,
        files: Callable[[], Sequence[str]] | None = None,
        commands: Completer | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._files = files
        self._commands = commands
        self._answer: AnswerView | None = None
        self._closed_answer: AnswerView | None = None  # streamed, then cut short by a tool call
        self._echoed: str | None = None
        self._eid = 0
        self._pending_requests: dict[str, ApprovalRequest] = {}
        self._answers: dict[str, dict[str, Decision]] = {}  # saved approvals waiting for their decision event
        self._response_at: int | None = None  # where the tool calls of the response being read began
        self._handlers: dict[type[Event], Callable[..., None]] | None = None
        self._response_parts: tuple[type, ...] = ()  # the events of one response that come before its text
        self._head: Sequence[Event] = ()  # the older part of a resumed session, not read yet
        self._transcript: Transcript | None = None
        self.turn = 0
        self._nesting: SubagentNesting | None = None

    @property
    def nesting(self) -> SubagentNesting:
        """Each subagent's events go to its own card (the card code loads with the first turn's end or child)."""
        if self._nesting is None:
            from workbench.tui.widgets.subagent import SubagentNesting

            self._nesting = SubagentNesting()
        return self._nesting

    def compose(self) -> ComposeResult:
        yield Transcript(id="transcript")
        yield SlashHints(id="slash-hints")
        yield Prompt(self._files, self._commands, id="prompt")

    @on(Input.Changed, "#prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        self.query_one(SlashHints).show_for(self._commands, event.value)

    @property
    def transcript(self) -> Transcript:
        if self._transcript is None:
            self._transcript = self.query_one(Transcript)
        return self._transcript

    @property
    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def next_eid(self) -> str:
        self._eid += 1
        return f"E{self._eid}"

    # -- live and replayed events -----------------------------------------------------------------

    def echo_prompt(self, text: str) -> None:
        """Show the user's prompt at once; the matching TurnStarted will not add it twice."""
        self._close_answer()
        self.turn += 1
        self.transcript.add_user(text, self.turn)
        self._echoed = text
        self.transcript.follow()

    def _close_answer(self, text: str | None = None) -> None:
        if self._answer is not None:
            self._answer.finish(text)
            self._closed_answer = self._answer if text is None else None
            self._answer = None

    def handle_event(self, ev: Event) -> None:
        """Render one event, live or saved: a resumed session's events come here too, inside
        `transcript.bulk()` (see `replay`), so both look the same."""
        if ev.agent_path:
            self.nesting.handle(self.transcript, ev)
            return
        handler = self.handlers().get(type(ev))
        if not isinstance(ev, self._response_parts):
            self._response_at = None  # past the response whose text may still come
        if handler is not None:
            handler(ev)

    def handlers(self) -> dict[type[Event], Callable[..., None]]:
        """Event type -> method, made once the event types are loaded (a resume sends tens of thousands)."""
        if self._handlers is None:
            from workbench.core import events as e

            self._response_parts = (e.ToolCallStarted, e.ToolCallReady, e.UsageUpdated, e.AssistantText)
            self._handlers = {
                e.TurnStarted: self._turn_started,
                e.TextDelta: self._text_delta,
                e.AssistantText: self._assistant_text,
                e.ToolCallReady: self._tool_ready,
                e.ToolCallFinished: self._tool_finished,
                e.ToolProgress: self._tool_progress,
                e.HookRan: self._hook_ran,
                e.ApprovalRequested: self._approval_requested,
                e.ApprovalDecided: self._approval_decided,
                e.ErrorEvent: self._error,
                e.Notice: self._notice,
                e.Retrying: self._retrying,
                e.ContractReport: self._contract,
                e.Compacted: self._compacted,
                e.Rewound: self._rewound,
                e.TurnDone: self._turn_done,
            }
        return self._handlers

    def _turn_started(self, ev: TurnStarted) -> None:
        t = self.transcript
        if self._echoed is not None and not t.batching:
            self._echoed = None
            return
        self._close_answer()
        self._closed_answer = None
        self.turn = max(self.turn + 1, ev.turn)
        t.add_user(ev.prompt, self.turn)

    def _text_delta(self, ev: TextDelta) -> None:
        if self.transcript.batching:  # deltas are never saved; the complete text follows
            return
        if self._answer is None:
            self._answer = self.transcript.add_answer()
        if self._answer is not None:
            self._answer.feed(ev.text)

    def _assistant_text(self, ev: AssistantText) -> None:
        if self.transcript.batching:
            self._saved_answer(ev.text)
        elif self._answer is None and self._closed_answer is not None:
            # The deltas of this response were already shown; the full text only confirms them.
            self._closed_answer.finish(ev.text)
            self._closed_answer = None
        elif self._answer is None:
            if ev.text.strip():
                self.transcript.add_answer(ev.text, finished=True)
        else:
            self._close_answer(ev.text)

    def _tool_ready(self, ev: ToolCallReady) -> None:
        self._close_answer()
        if self._response_at is None:
            self._response_at = self.transcript.entry_count
        self.transcript.add_evidence(EvidenceData.from_ready(self.next_eid(), ev))

    def _tool_finished(self, ev: ToolCallFinished) -> None:
        t = self.transcript
        known = t.evidence_for_call(ev.call_id)
        if known is not None:
            t.update_evidence(ev.call_id, EvidenceData.from_finished(known.eid, ev))
        else:
            self._close_answer()
            t.add_evidence(EvidenceData.from_finished(self.next_eid(), ev))

    def _tool_progress(self, ev: ToolProgress) -> None:
        running = self.transcript.evidence_for_call(ev.call_id)
        if running is not None and running.finished is None:
            self.transcript.update_evidence(ev.call_id, dataclasses.replace(running, progress=ev))

    def _hook_ran(self, ev: HookRan) -> None:
        from workbench.tui.widgets.evidence import hook_line

        line, level = hook_line(ev)
        self.transcript.add_notice(line, level)

    def _approval_requested(self, ev: ApprovalRequested) -> None:
        self._pending_requests[ev.request.id] = ev.request
        if self.transcript.batching:  # live, the approver mounts the card; saved, the events rebuild it
            answer: dict[str, Decision] = {}
            self._answers[ev.request.id] = answer
            self.transcript.add_answered_approval(ev.request, answer)

    def _approval_decided(self, ev: ApprovalDecided) -> None:
        self._pending_requests.pop(ev.request_id, None)
        answer = self._answers.pop(ev.request_id, {})
        answer["decision"] = ev.decision

    def _error(self, ev: ErrorEvent) -> None:
        self._close_answer()
        self.transcript.add_notice(error_renderable(ev), "error")

    def _notice(self, ev: Notice) -> None:
        self.transcript.add_notice(Text(safe.clean(ev.message)), ev.level)

    def _retrying(self, ev: Retrying) -> None:
        msg = f"retrying in {ev.delay_s:.0f} s (attempt {ev.attempt}): {safe.one_line(ev.reason, 120)}"
        self.transcript.add_notice(Text(msg), "warning")

    def _contract(self, ev: ContractReport) -> None:
        if ev.missing:
            missing = ", ".join(safe.one_line(m, 60) for m in ev.missing)
            self.transcript.add_notice(Text(f"answer lacks required headings: {missing}"), "warning")

    def _compacted(self, ev: Compacted) -> None:
        self._close_answer()
        self.transcript.add_marker(ev)

    def _rewound(self, ev: Rewound) -> None:
        from workbench.core.checkpoint.report import event_lines

        self._close_answer()
        self.transcript.add_rewind(ev)
        self.transcript.add_notice(Text(safe.clean("\n".join(event_lines(ev)))), "warning")

    def _turn_done(self, ev: TurnDone) -> None:
        t = self.transcript
        self._close_answer()
        self._closed_answer = None
        self.nesting.turn_done(t)
        if ev.stop_reason not in ("end_turn", "tool_use", "stop_sequence", ""):
            t.add_notice(Text(f"turn ended: {safe.one_line(ev.stop_reason, 40)}"), "warning")

    def _saved_answer(self, text: str) -> None:
        """A saved response's text. Live, its deltas came before its tool calls and so did its view: put it
        there (the text of a response that ends in tool calls is written before them)."""
        at, self._response_at = self._response_at, None
        if text.strip():
            self.transcript.add_answer(text, finished=True, at=at)

    def clear(self) -> None:
        """Empty the chat for a new session (the prompt keeps its history)."""
        self._answer = self._closed_answer = None
        self._echoed = None
        self._eid = 0
        self.turn = 0
        self._pending_requests.clear()
        self._answers.clear()
        self._response_at = None
        self._head = ()
        self.transcript.clear()

    def replay(self, events: Sequence[Event]) -> None:
        """Rebuild a saved conversation (evidence included): the same events through the same path, in bulk,
        so only the last few entries are built as widgets and nothing older is rendered yet. Only the session's
        end is read here (`TAIL_EVENTS`); `replay_rest` reads the older part once that end is on screen."""
        split = tail_start(events)
        self._head = events[:split]
        self._eid, self.turn = numbering(self._head)
        self._replay(events[split:])

    def replay_tail(self, events: Sequence[Event], after: tuple[int, int]) -> None:
        """A saved session's end, shown before the session is open: numbered as if `after` (evidence ids, turn)
        came before it. `continue_replay` then gives the events before it, or the chat starts over."""
        self._head = ()
        self._eid, self.turn = after
        self._replay(events)

    def continue_replay(self, head: Sequence[Event]) -> None:
        """The events before the end `replay_tail` showed: `replay_rest` reads them in front of it."""
        self._head = head

    async def replay_rest(self) -> None:
        """The older part of the session `replay` was given, once its end has had time to be drawn."""
        head, self._head = self._head, ()
        if head:
            await self.transcript.tail_drawn()
            self._replay_front(head)

    def _replay(self, events: Sequence[Event], *, front: bool = False) -> None:
        with self.transcript.bulk(front=front):
            for ev in events:
                self.handle_event(ev)
        self._pending_requests.clear()
        self._answers.clear()

    def _replay_front(self, events: Sequence[Event]) -> None:
        eid, turn = self._eid, self.turn
        runs, self.nesting.runs = self.nesting.runs, {}
        self._eid = self.turn = 0
        try:
            self._replay(events, front=True)
            for data, _ in self.nesting.runs.values():  # cut short: the next turn's end would have said so
                data.cancel()
        finally:
            self._eid, self.turn, self.nesting.runs = eid, turn, runs

    # -- approvals ---------------------------------------------------------------------------------

    async def ask(self, request: ApprovalRequest) -> Decision:
        """Mount an approval card and wait for the user's answer."""
        self._close_answer()
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        card = ApprovalCard(request, future)
        self.transcript.add_approval(card)
        self.transcript.follow()
        self.post_message(self.Waiting(True))
        try:
            return await future
        finally:
            self.post_message(self.Waiting(False))
            if not future.done():
                future.cancel()
            if card.decision is None and card.is_mounted:
                card.show_decision(Decision(allow=False, reason="turn cancelled"))
            if self.screen.focused is None or self.screen.focused is card:
                self.prompt.focus()


class TuiApprover:
    """The core's Approver, answered by an inline card in the chat."""

    def __init__(self, chat: ChatPane) -> None:
        self.chat = chat

    async def decide(self, request: ApprovalRequest) -> Decision:
        return await self.chat.ask(request)
