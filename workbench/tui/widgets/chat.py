"""The chat pane: transcript + prompt. It renders the core's events; it never talks to the model itself."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich.console import RenderableType
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
from workbench.tui.widgets.approval import ApprovalCard, approval_record
from workbench.tui.widgets.evidence import EvidenceData
from workbench.tui.widgets.prompt import Prompt, SlashHints
from workbench.tui.widgets.transcript import Transcript

if TYPE_CHECKING:  # the event types and the subagent cards load with the first event, not before the first frame
    from workbench.core.events import (
        ApprovalDecided,
        ApprovalRequested,
        AssistantText,
        ContractReport,
        ErrorEvent,
        Event,
        HookRan,
        Notice,
        Retrying,
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
        self._held: dict[str, list[RenderableType]] = {}  # saved approvals waiting for their call to be shown
        self._handlers: dict[type[Event], Callable[..., None]] | None = None
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
        return self.query_one(Transcript)

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

    def handle_event(self, ev: Event, *, frozen: bool = False) -> None:
        """Render one event; `frozen` (resume) renders straight into the cheap history view."""
        if ev.agent_path:
            self.nesting.handle(self.transcript, ev, frozen=frozen)
            return
        handler = self.handlers().get(type(ev))
        if handler is not None:
            handler(ev, frozen)

    def handlers(self) -> dict[type[Event], Callable[..., None]]:
        """Event type -> how the chat shows it, live or frozen (a saved session shown again); each handler takes
        events of its key's type and the frozen flag."""
        if self._handlers is None:
            from workbench.core import events as ev

            self._handlers = {
                ev.TurnStarted: self._turn_started,
                ev.TextDelta: self._text_delta,
                ev.AssistantText: self._assistant_text,
                ev.ToolCallReady: self._tool_ready,
                ev.ToolCallFinished: self._tool_finished,
                ev.ToolProgress: self._tool_progress,
                ev.HookRan: self._hook_ran,
                ev.ApprovalRequested: self._approval_requested,
                ev.ApprovalDecided: self._approval_decided,
                ev.ErrorEvent: self._error,
                ev.Notice: self._notice,
                ev.Retrying: self._retrying,
                ev.ContractReport: self._contract,
                ev.TurnDone: self._turn_done,
            }
        return self._handlers

    def _turn_started(self, ev: TurnStarted, frozen: bool) -> None:
        if self._echoed is not None and not frozen:
            self._echoed = None
            return
        self._close_answer()
        self._closed_answer = None
        self.turn = max(self.turn + 1, ev.turn)
        self.transcript.add_user(ev.prompt, self.turn, frozen=frozen)

    def _text_delta(self, ev: TextDelta, frozen: bool) -> None:
        if frozen:
            return
        if self._answer is None:
            self._answer = self.transcript.add_answer()
        if self._answer is not None:
            self._answer.feed(ev.text)

    def _assistant_text(self, ev: AssistantText, frozen: bool) -> None:
        t = self.transcript
        if frozen:
            if ev.text.strip():
                t.add_answer(ev.text, frozen=True)
        elif self._answer is None and self._closed_answer is not None:
            # The deltas of this response were already shown; the full text only confirms them.
            self._closed_answer.finish(ev.text)
            self._closed_answer = None
        elif self._answer is None:
            if ev.text.strip():
                view = t.add_answer(ev.text)
                if view is not None:
                    view.finish()
        else:
            self._close_answer(ev.text)

    def _tool_ready(self, ev: ToolCallReady, frozen: bool) -> None:
        self._close_answer()
        if frozen:
            return  # the finished call carries everything
        self.transcript.add_evidence(EvidenceData.from_ready(self.next_eid(), ev))

    def _tool_finished(self, ev: ToolCallFinished, frozen: bool) -> None:
        t = self.transcript
        known = t.evidence_for_call(ev.call_id)
        if known is not None:
            t.update_evidence(ev.call_id, EvidenceData.from_finished(known.eid, ev))
        else:
            self._close_answer()
            t.add_evidence(EvidenceData.from_finished(self.next_eid(), ev), frozen=frozen)
        # A saved approval shows under its call, as the live card did (the call is written after the answer).
        for record in self._held.pop(ev.call_id, []):
            t.add_notice(record, frozen=True)

    def _tool_progress(self, ev: ToolProgress, frozen: bool) -> None:
        running = self.transcript.evidence_for_call(ev.call_id)
        if running is not None and running.finished is None:
            self.transcript.update_evidence(ev.call_id, dataclasses.replace(running, progress=ev))

    def _hook_ran(self, ev: HookRan, frozen: bool) -> None:
        from workbench.tui.widgets.evidence import hook_line

        line, level = hook_line(ev)
        self.transcript.add_notice(line, level, frozen=frozen)

    def _approval_requested(self, ev: ApprovalRequested, frozen: bool) -> None:
        self._pending_requests[ev.request.id] = ev.request

    def _approval_decided(self, ev: ApprovalDecided, frozen: bool) -> None:
        req = self._pending_requests.pop(ev.request_id, None)
        if frozen and req is not None:
            record = approval_record(req, ev.decision)
            if self.transcript.evidence_for_call(ev.call_id) is None and ev.call_id:
                self._held.setdefault(ev.call_id, []).append(record)
            else:
                self.transcript.add_notice(record, frozen=True)

    def _error(self, ev: ErrorEvent, frozen: bool) -> None:
        self._close_answer()
        self.transcript.add_notice(error_renderable(ev), "error", frozen=frozen)

    def _notice(self, ev: Notice, frozen: bool) -> None:
        self.transcript.add_notice(Text(safe.clean(ev.message)), ev.level, frozen=frozen)

    def _retrying(self, ev: Retrying, frozen: bool) -> None:
        if not frozen:
            msg = f"retrying in {ev.delay_s:.0f} s (attempt {ev.attempt}): {safe.one_line(ev.reason, 120)}"
            self.transcript.add_notice(Text(msg), "warning")

    def _contract(self, ev: ContractReport, frozen: bool) -> None:
        if ev.missing:
            missing = ", ".join(safe.one_line(m, 60) for m in ev.missing)
            self.transcript.add_notice(Text(f"answer lacks required headings: {missing}"), "warning", frozen=frozen)

    def _turn_done(self, ev: TurnDone, frozen: bool) -> None:
        t = self.transcript
        self._close_answer()
        self._closed_answer = None
        self._release_held()
        self.nesting.turn_done(t)
        if ev.stop_reason not in ("end_turn", "tool_use", "stop_sequence", ""):
            t.add_notice(Text(f"turn ended: {safe.one_line(ev.stop_reason, 40)}"), "warning", frozen=frozen)

    def _release_held(self) -> None:
        """Approvals whose call never finished (a killed process) still show, at the end of their turn."""
        for records in self._held.values():
            for record in records:
                self.transcript.add_notice(record, frozen=True)
        self._held.clear()

    def clear(self) -> None:
        """Empty the chat for a new session (the prompt keeps its history)."""
        self._answer = self._closed_answer = None
        self._echoed = None
        self._eid = 0
        self.turn = 0
        self._pending_requests.clear()
        self._held.clear()
        self.transcript.clear()

    def replay(self, events: Iterable[Event]) -> None:
        """Rebuild a saved conversation (evidence included) into the frozen history."""
        for ev in events:
            self.handle_event(ev, frozen=True)
        self._pending_requests.clear()
        self._release_held()
        self.transcript.follow()

    async def replay_async(self, events: Sequence[Event], batch: int = 50) -> None:
        """`replay` in slices, giving the screen a frame between them: a long session stays responsive."""
        for start in range(0, len(events), batch):
            for ev in events[start : start + batch]:
                self.handle_event(ev, frozen=True)
            await asyncio.sleep(0.002)  # long enough for a due frame to be drawn
        self._pending_requests.clear()
        self._release_held()
        self.transcript.follow()

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
