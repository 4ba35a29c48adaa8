"""The nested card of an Agent call: the subagent's persona, prompt, live status, its evidence and its answer.

One `SubagentCard` per Agent call gets every event whose `agent_path` starts with the card's path
(`card.wants(event)`); the card keeps its own state (`SubagentData`) and re-renders. `SubagentNesting` does
the routing for the chat: `nesting.handle(transcript, event, frozen=...)` for every event with an
`agent_path`, and `nesting.turn_done(transcript)` when the turn ends (a cancelled child's card says so). Everything
shown came from a persona file, the model or a tool, so all of it goes through `workbench.tui.safe` and is
built as `Text`: nothing is parsed as markup.

| Key | Action |
| :- | :- |
| enter | show the whole prompt and answer, or fold them |
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from workbench.tui import render, safe
from workbench.tui.widgets.entry import Entry
from workbench.tui.widgets.evidence import EvidenceData, summary_line
from workbench.tui.widgets.status import persona_style

if TYPE_CHECKING:
    from workbench.core.events import (
        Event,
        UsageInfo,
    )
    from workbench.tui.widgets.entry import EntrySink


def _no_usage() -> UsageInfo:
    from workbench.core.events import UsageInfo  # the event types load with the first event

    return UsageInfo()


PROMPT_LINES = 3  # folded: the first lines of the prompt
ANSWER_LINES = 8  # folded: the first lines of the answer
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SHOW_ELAPSED_S = 5.0  # a run this old shows how long it has been going
QUIET_S = 15.0  # a running child with no event for this long is flagged: it may be stuck


@dataclass
class SubagentData:
    """What the card knows about one subagent run; rebuilt the same way from live or saved events."""

    path: tuple[str, ...]
    call_id: str = ""
    persona_id: str = ""
    color: str | None = None
    description: str = ""
    prompt: str = ""
    model: str = ""
    status: str = "starting"  # starting | running | waiting | retrying | done | failed | cancelled
    detail: str = ""  # what the status is about: the approval asked, the error, the stop reason
    calls: dict[str, EvidenceData] = field(default_factory=dict)  # in the order the calls were written
    streaming: str = ""  # text of the response being written
    answer: str = ""
    usage: UsageInfo = field(default_factory=_no_usage)
    tools: tuple[str, ...] = ()  # what the child was offered (its grant within its parent's)
    started_at: float | None = None  # monotonic clock, live runs only (a replayed run has no clock)
    last_event_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    def feed(self, ev: Event, eid_prefix: str = "", *, now: float | None = None) -> None:
        """Take one event of this subagent (or of one it started in turn); `now` (monotonic) times a live run."""
        from workbench.core.events import (
            ApprovalDecided,
            ApprovalRequested,
            AssistantText,
            ErrorEvent,
            Retrying,
            SubagentFinished,
            SubagentStarted,
            TextDelta,
            ToolCallFinished,
            ToolCallReady,
            UsageUpdated,
        )

        own = ev.agent_path == self.path
        if now is not None:
            self.last_event_at = now
            if self.started_at is None:
                self.started_at = now
        if isinstance(ev, SubagentStarted) and own:
            self.call_id, self.persona_id, self.color = ev.call_id, ev.persona_id, ev.color
            self.description, self.prompt, self.model = ev.description, ev.prompt, ev.model
            self.tools = ev.tools
            self.status = "running"
        elif isinstance(ev, SubagentFinished) and own:
            self.answer = ev.final_text or self.answer
            self.usage = ev.usage
            self.streaming = ""
            self.status = "done" if ev.stop_reason in ("end_turn", "stop_sequence") else "failed"
            self.detail = "" if self.status == "done" else ev.stop_reason
        elif isinstance(ev, TextDelta) and own:
            self.streaming += ev.text
        elif isinstance(ev, AssistantText) and own:
            self.streaming = ""
            self.answer = ev.text
        elif isinstance(ev, ToolCallReady):
            eid = f"{eid_prefix}.{len(self.calls) + 1}" if eid_prefix else f"#{len(self.calls) + 1}"
            self.calls[ev.call_id] = EvidenceData.from_ready(eid, ev)
            self.calls[ev.call_id].agent_path = ev.agent_path[len(self.path) :]
        elif isinstance(ev, ToolCallFinished):
            known = self.calls.get(ev.call_id)
            eid = known.eid if known else f"{eid_prefix or '#'}.{len(self.calls) + 1}"
            data = EvidenceData.from_finished(eid, ev)
            data.agent_path = ev.agent_path[len(self.path) :]
            if known is not None:
                data.summary = known.summary
            self.calls[ev.call_id] = data
        elif isinstance(ev, ApprovalRequested):
            self.status, self.detail = "waiting", ev.request.summary or ev.request.tool
        elif isinstance(ev, ApprovalDecided) and self.status == "waiting":
            self.status, self.detail = "running", ""
        elif isinstance(ev, Retrying) and own:
            self.status, self.detail = "retrying", ev.reason
        elif isinstance(ev, ErrorEvent) and own:
            self.status, self.detail = "failed", f"{ev.kind}: {ev.message}"
        elif isinstance(ev, UsageUpdated) and own and not self.finished:
            self.usage = self.usage + ev.turn
            if self.status == "retrying":
                self.status, self.detail = "running", ""

    def cancel(self) -> None:
        if not self.finished:
            self.status, self.detail, self.streaming = "cancelled", "the turn was cancelled", ""


def _tokens(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


def _age(seconds: float) -> str:
    return f"{int(seconds)} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


def status_text(data: SubagentData, frame: int = 0, now: float | None = None) -> Text:
    """`⠋ running · 2 tool calls · 1.2k tokens · $0.004`, coloured by state."""
    out = Text(no_wrap=True, overflow="ellipsis")
    marks = {"done": ("✓ done", "green"), "failed": ("✗ failed", "red"), "cancelled": ("■ cancelled", "yellow")}
    if data.status in marks:
        label, style = marks[data.status]
        out.append(label, style=f"bold {style}")
    elif data.status == "waiting":
        out.append("? waiting for approval", style="bold yellow")
    else:
        out.append(f"{SPINNER[frame % len(SPINNER)]} {data.status}…", style="bold")
    if data.detail:
        out.append(": " + safe.one_line(data.detail, 80), style="dim")
    count = len(data.calls)
    out.append(f" · {count} tool call{'s' if count != 1 else ''}", style="dim")
    used = data.usage.input_tokens + data.usage.cache_read_input_tokens + data.usage.cache_creation_input_tokens
    if used or data.usage.output_tokens:
        out.append(f" · {_tokens(used)} in · {_tokens(data.usage.output_tokens)} out", style="dim")
    if data.usage.cost_usd:
        out.append(f" · ${data.usage.cost_usd:.3f}", style="dim")
    if now is not None and data.started_at is not None and not data.finished:
        if now - data.started_at >= SHOW_ELAPSED_S:
            out.append(f" · {_age(now - data.started_at)}", style="dim")
        quiet = now - (data.last_event_at or data.started_at)
        if quiet >= QUIET_S and data.status != "waiting":
            out.append(f" · no activity for {_age(quiet)}", style="bold yellow")
    return out


def title_text(data: SubagentData) -> Text:
    """`Agent · reviewer · review app` with the persona in its colour."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("Agent · ", style="bold")
    out.append(safe.one_line(data.persona_id or "/".join(data.path), 60), style=persona_style(data.color))
    if data.description:
        out.append(" · " + safe.one_line(data.description, 80))
    return out


def _head(text: str, lines: int, full: bool) -> Text:
    body, more = (text, 0) if full else render.head(text, lines)
    out = safe.text(body.rstrip("\n"))
    if more:
        out.append(f"\n… {more} more lines (enter: show all)", style="dim italic")
    return out


def body_renderable(
    data: SubagentData, *, width: int = 0, full: bool = False, frame: int = 0, now: float | None = None
) -> RenderableType:
    """The card's inside: prompt, evidence lines, the answer (or the text being written), the status."""
    parts: list[RenderableType] = []
    prompt = Text("prompt ", style="dim")
    prompt.append_text(_head(data.prompt, PROMPT_LINES, full))
    parts.append(prompt)
    if full:
        parts.append(Text("tools  " + (", ".join(safe.one_line(t, 60) for t in data.tools) or "none"), style="dim"))
    inner = max(0, width - 2)
    for call in data.calls.values():
        parts.append(summary_line(call, False, inner))
    if data.answer:  # the last complete response: the answer once the run is over
        parts.append(Text("answer" if data.finished else "said", style="dim"))
        parts.append(Padding(_head(data.answer, ANSWER_LINES, full), (0, 0, 0, 2)))
    elif data.streaming:
        tail = data.streaming.rstrip().rsplit("\n", 1)[-1]
        parts.append(Text("writing: " + safe.one_line(tail, 200), style="italic dim"))
    parts.append(status_text(data, frame, now))
    return Group(*parts)


class SubagentCard(Widget, can_focus=True):
    """A subagent's run nested in the Agent call's place in the chat. Enter shows or folds the whole text."""

    BINDING_GROUP_TITLE = "Subagent card"
    BINDINGS = [Binding("enter", "expand", "Expand", id="subagent.toggle")]

    DEFAULT_CSS = """
    SubagentCard {
        height: auto;
        margin: 0 1 0 2;
        padding: 0 1;
        border: round $secondary;
        border-title-align: left;
        border-subtitle-align: right;
        &:focus { background: $boost; }
        &.-failed { border: round $error; }
        &.-waiting { border: round $warning; }
    }
    """

    expanded: reactive[bool] = reactive(False)
    """Whether the whole prompt and answer are shown."""

    def __init__(
        self, path: tuple[str, ...], *, eid: str = "", id: str | None = None, data: SubagentData | None = None
    ) -> None:
        """`data`: a run fed already (a card made for an entry that was data until now)."""
        super().__init__(id=id, classes="subagent")
        self.data = data if data is not None else SubagentData(path=tuple(path))
        self.eid = eid
        self._frame = 0

    @property
    def path(self) -> tuple[str, ...]:
        return self.data.path

    def settled(self) -> bool:
        """Finished and not being looked at: the transcript may freeze it."""
        return self.data.finished and not self.has_focus

    def wants(self, ev: Event) -> bool:
        """True for this subagent's events and those of subagents it started."""
        return ev.agent_path[: len(self.path)] == self.path and len(ev.agent_path) >= len(self.path)

    def feed(self, ev: Event) -> None:
        self.data.feed(ev, self.eid, now=time.monotonic())
        self._frame += 1  # the spinner moves with the subagent's events: a stuck one stops turning
        self._restyle()

    def feed_all(self, events: list[Event], *, live: bool = True) -> None:
        """Several events at once; `live=False` for saved ones (no clock: no elapsed time is shown)."""
        for ev in events:
            self.data.feed(ev, self.eid, now=time.monotonic() if live else None)
        self._restyle()

    def cancel(self) -> None:
        self.data.cancel()
        self._restyle()

    def _restyle(self) -> None:
        data = self.data
        self.border_title = title_text(data)
        self.border_subtitle = Text(safe.one_line(data.model, 40), style="dim") if data.model else ""
        self.set_class(data.status == "failed", "-failed")
        self.set_class(data.status == "waiting", "-waiting")
        self.refresh(layout=True)

    def on_mount(self) -> None:
        self._restyle()
        self.set_interval(1.0, self._tick)  # the elapsed time and a quiet child's warning move on their own

    def _tick(self) -> None:
        if not self.data.finished:
            self.refresh()

    def render(self) -> RenderableType:
        width = self.content_region.width
        return body_renderable(self.data, width=width, full=self.expanded, frame=self._frame, now=time.monotonic())

    def freeze(self) -> RenderableType:
        """The cheap form kept once the card scrolls far up: the same content in a panel."""
        return Panel(body_renderable(self.data), title=title_text(self.data), title_align="left", border_style="dim")

    def watch_expanded(self) -> None:
        self.refresh(layout=True)

    def action_expand(self) -> None:
        self.expanded = not self.expanded


def frozen_renderable(data: SubagentData) -> RenderableType:
    """A finished (or cut short) subagent run as one panel, for the frozen history."""
    title = title_text(data)
    return Panel(body_renderable(data, full=False), title=title, title_align="left", border_style="dim")


class SubagentNesting:
    """Puts each subagent's events in its card, in the place of the Agent call that started it.

    A run gets its entry when its `SubagentStarted` arrives and is fed until `SubagentFinished`; a grandchild's
    events go to its parent's card. Saved events (a resumed session) take the same path: the run's data is
    fed the same way, and a card is built from it only if the entry is shown as a widget.
    """

    def __init__(self) -> None:
        self.runs: dict[tuple[str, ...], tuple[SubagentData, Entry]] = {}

    @property
    def cards(self) -> dict[tuple[str, ...], SubagentCard]:
        """The running subagents that are on screen as cards."""
        return {path: e.widget for path, (_, e) in self.runs.items() if isinstance(e.widget, SubagentCard)}

    def handle(self, transcript: EntrySink, ev: Event) -> None:
        from workbench.core.events import SubagentFinished, SubagentStarted
        top = ev.agent_path[:1]
        if not top:
            return
        if isinstance(ev, SubagentStarted) and ev.agent_path == top:
            known = transcript.evidence_for_call(ev.call_id)
            eid = known.eid if known is not None else ""
            data = SubagentData(path=top)
            entry = Entry(
                "subagent",
                eid=eid or None,
                make=lambda: SubagentCard(top, eid=eid, data=data),
                item=lambda: frozen_renderable(data),
            )
            self.runs[top] = (data, entry)
            transcript.add(entry)
        run = self.runs.get(top)
        if run is None:
            return
        data, entry = run
        if isinstance(entry.widget, SubagentCard):
            entry.widget.feed(ev)
        else:
            data.feed(ev, entry.eid or "", now=None if transcript.batching else time.monotonic())
        if isinstance(ev, SubagentFinished) and ev.agent_path == top:
            del self.runs[top]

    def turn_done(self, transcript: EntrySink) -> None:
        """The turn is over: a run still going was cut short (cancelled, or the session stopped)."""
        for data, entry in self.runs.values():
            if isinstance(entry.widget, SubagentCard):
                entry.widget.cancel()
            else:
                data.cancel()
        self.runs.clear()
