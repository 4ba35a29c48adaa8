"""The chat pane: transcript + prompt. It renders the core's events; it never talks to the model itself."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message

from workbench.core.approvals import ApprovalRequest, Decision
from workbench.tui import safe
from workbench.tui.widgets.answer import AnswerView
from workbench.tui.widgets.approval import ApprovalCard, decision_text, request_body
from workbench.tui.widgets.evidence import EvidenceData
from workbench.tui.widgets.prompt import Prompt
from workbench.tui.widgets.transcript import Transcript

if TYPE_CHECKING:  # the event types and the subagent cards load with the first event, not before the first frame
    from workbench.core.events import ErrorEvent, Event
    from workbench.tui.widgets.subagent import SubagentNesting


def error_renderable(ev: ErrorEvent) -> Text:
    out = Text()
    code = f" {ev.status_code}" if ev.status_code else ""
    out.append(f"✗ {safe.one_line(ev.kind, 30)}{code}: ", style="bold red")
    out.append(safe.clean(ev.message))
    if ev.hint:
        out.append("\n  " + safe.clean(ev.hint), style="dim")
    if ev.retryable:
        out.append("\n  (retryable: send the prompt again)", style="dim")
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
        & > Prompt { dock: bottom; }
    }
    """

    def __init__(self, files: Callable[[], Sequence[str]] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._files = files
        self._answer: AnswerView | None = None
        self._closed_answer: AnswerView | None = None  # streamed, then cut short by a tool call
        self._echoed: str | None = None
        self._eid = 0
        self._pending_requests: dict[str, ApprovalRequest] = {}
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
        yield Prompt(self._files, id="prompt")

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
        from workbench.core.events import (
            ApprovalDecided,
            ApprovalRequested,
            AssistantText,
            ContractReport,
            ErrorEvent,
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

        t = self.transcript
        if ev.agent_path:
            self.nesting.handle(t, ev, frozen=frozen)
            return
        if isinstance(ev, TurnStarted):
            if self._echoed is not None and not frozen:
                self._echoed = None
                return
            self._close_answer()
            self._closed_answer = None
            self.turn = max(self.turn + 1, ev.turn)
            t.add_user(ev.prompt, self.turn, frozen=frozen)
        elif isinstance(ev, TextDelta):
            if frozen:
                return
            if self._answer is None:
                self._answer = t.add_answer()
            if self._answer is not None:
                self._answer.feed(ev.text)
        elif isinstance(ev, AssistantText):
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
        elif isinstance(ev, ToolCallReady):
            self._close_answer()
            if frozen:
                return  # the finished call carries everything
            t.add_evidence(EvidenceData.from_ready(self.next_eid(), ev))
        elif isinstance(ev, ToolCallFinished):
            known = t.evidence_for_call(ev.call_id)
            if known is not None:
                t.update_evidence(ev.call_id, EvidenceData.from_finished(known.eid, ev))
            else:
                self._close_answer()
                t.add_evidence(EvidenceData.from_finished(self.next_eid(), ev), frozen=frozen)
        elif isinstance(ev, ToolProgress):
            running = t.evidence_for_call(ev.call_id)
            if running is not None and running.finished is None:
                t.update_evidence(ev.call_id, dataclasses.replace(running, progress=ev))
        elif isinstance(ev, HookRan):
            from workbench.tui.widgets.evidence import hook_line

            line, level = hook_line(ev)
            t.add_notice(line, level, frozen=frozen)
        elif isinstance(ev, ApprovalRequested):
            self._pending_requests[ev.request.id] = ev.request
        elif isinstance(ev, ApprovalDecided):
            req = self._pending_requests.pop(ev.request_id, None)
            if frozen and req is not None:
                title = Text("Approval · " + safe.one_line(req.summary or req.tool, 100), style="bold")
                t.add_notice(Group(title, request_body(req), decision_text(ev.decision)), frozen=True)
        elif isinstance(ev, ErrorEvent):
            self._close_answer()
            t.add_notice(error_renderable(ev), "error", frozen=frozen)
        elif isinstance(ev, Notice):
            t.add_notice(Text(safe.clean(ev.message)), ev.level, frozen=frozen)
        elif isinstance(ev, Retrying) and not frozen:
            msg = f"retrying in {ev.delay_s:.0f} s (attempt {ev.attempt}): {safe.one_line(ev.reason, 120)}"
            t.add_notice(Text(msg), "warning")
        elif isinstance(ev, ContractReport) and ev.missing:
            missing = ", ".join(safe.one_line(m, 60) for m in ev.missing)
            t.add_notice(Text(f"answer lacks required headings: {missing}"), "warning", frozen=frozen)
        elif isinstance(ev, TurnDone):
            self._close_answer()
            self._closed_answer = None
            self.nesting.turn_done(t)
            if ev.stop_reason not in ("end_turn", "tool_use", "stop_sequence", ""):
                t.add_notice(Text(f"turn ended: {safe.one_line(ev.stop_reason, 40)}"), "warning", frozen=frozen)

    def replay(self, events: Iterable[Event]) -> None:
        """Rebuild a saved conversation (evidence included) into the frozen history."""
        for ev in events:
            self.handle_event(ev, frozen=True)
        self._pending_requests.clear()
        self.transcript.follow()

    async def replay_async(self, events: Sequence[Event], batch: int = 50) -> None:
        """`replay` in slices, giving the screen a frame between them: a long session stays responsive."""
        for start in range(0, len(events), batch):
            for ev in events[start : start + batch]:
                self.handle_event(ev, frozen=True)
            await asyncio.sleep(0.002)  # long enough for a due frame to be drawn
        self._pending_requests.clear()
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
