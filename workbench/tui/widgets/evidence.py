"""Evidence cards: one per tool call, collapsed to one line, expandable to input, result preview and diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from workbench.tui import render, safe

if TYPE_CHECKING:  # the event types load with the first event, not before the first frame
    from workbench.core.events import HookRan, ToolCallFinished, ToolCallReady, ToolProgress


@dataclass(slots=True)
class EvidenceData:
    """What a card knows about one call; kept after the card itself is frozen."""

    eid: str
    call_id: str
    tool: str
    input: dict[str, object]
    summary: str = ""
    finished: ToolCallFinished | None = None
    agent_path: tuple[str, ...] = ()
    progress: ToolProgress | None = None  # the newest progress its MCP server reported while it ran

    @classmethod
    def from_ready(cls, eid: str, ev: ToolCallReady) -> EvidenceData:
        return cls(eid, ev.call_id, ev.tool, ev.input, ev.summary, None, ev.agent_path)  # read, never changed

    @classmethod
    def from_finished(cls, eid: str, ev: ToolCallFinished) -> EvidenceData:
        return cls(eid, ev.call_id, ev.tool, ev.input, "", ev, ev.agent_path)


def summary_line(data: EvidenceData, expanded: bool, width: int = 0) -> Text:
    """`▸ Bash  pytest -q · exit 0 · 2.1 s   E3` as a Text (all parts cleaned)."""
    fin = data.finished
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append("▾ " if expanded else "▸ ", style="bold")
    if data.agent_path:
        line.append(safe.one_line(" › ".join(data.agent_path), 40) + " › ", style="dim")
    line.append(safe.one_line(data.tool, 40), style="bold")
    target = data.summary or render.target_of(data.tool, dict(data.input))
    if target.startswith(f"{data.tool}: "):  # the core's summaries may repeat the tool name
        target = target[len(data.tool) + 2 :]
    elif target == data.tool:
        target = ""
    if target:
        line.append("  " + safe.one_line(target, 120))
    if fin is None and data.progress is not None:
        line.append(" · " + progress_text(data.progress), style="italic")
    elif fin is None:
        line.append(" · running…", style="italic")
    else:
        if fin.exit_code is not None:
            line.append(f" · exit {fin.exit_code}", style="red" if fin.exit_code else "green")
        elif fin.is_error:
            line.append(" · error", style="red")
        changes = workspace_changes(fin)
        if changes:
            line.append(f" · {len(changes)} file{'s' if len(changes) != 1 else ''} changed", style="yellow")
        if fin.decision and fin.decision not in ("allow", "allowed"):
            line.append(f" · {safe.one_line(fin.decision, 30)}", style="yellow")
        # A failed call's card is in the error colour, which dimmed does not read.
        line.append(f" · {render.duration(fin.duration_ms)}", style="" if failed(fin) else "dim")
    eid = Text(f"  {data.eid}", style="bold")
    room = width - eid.cell_len
    if width and line.cell_len > room:
        line.truncate(max(10, room), overflow="ellipsis")
    elif width:
        line.append(" " * (room - line.cell_len))
    line.append_text(eid)
    return line


def failed(fin: ToolCallFinished) -> bool:
    """Whether the call failed (its card is drawn in the error colour)."""
    return fin.is_error or (fin.exit_code or 0) != 0


def workspace_changes(fin: ToolCallFinished) -> list[tuple[str, str]]:
    """(status letter, path) of the files the checkpoint diff saw change while the call ran."""
    raw = fin.meta.get("workspace_changes") if isinstance(fin.meta, dict) else None
    out: list[tuple[str, str]] = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            out.append((str(item.get("status", "M"))[:1], item["path"]))
    return out


def changes_renderable(changes: list[tuple[str, str]], limit: int = 40) -> Text:
    out = Text()
    styles = {"A": "green", "D": "red"}
    for status, path in changes[:limit]:
        out.append(f"{safe.one_line(status, 1)} ", style=styles.get(status, "yellow"))
        out.append(safe.one_line(path, 200) + "\n")
    if len(changes) > limit:
        out.append(f"… {len(changes) - limit} more\n", style="dim italic")
    out.rstrip()
    return out


def progress_text(ev: ToolProgress) -> str:
    """`2/3 · step 2 of 3` (or `40%`, or a bare count) from a server's progress report (untrusted text)."""
    return ev.amount() + (f" · {safe.one_line(ev.message, 60)}" if ev.message else "")


def hook_line(ev: HookRan) -> tuple[Text, str]:
    """A hook run as one line, and the notice level it is shown at."""
    level = "info" if ev.outcome == "ok" else "warning"
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{safe.one_line(ev.hook_event, 20)} hook", style="bold")
    line.append("  " + safe.one_line(ev.command, 60))
    code = f" · exit {ev.exit_code}" if ev.exit_code is not None else ""
    # Not dim: the notice is already in the muted or the warning colour, and dimmed again it does not read.
    line.append(f" · {safe.one_line(ev.outcome, 12)}{code} · {render.duration(ev.duration_ms)}")
    if ev.message:
        line.append(": " + safe.one_line(ev.message, 160))
    return line, level


class EvidenceLine:
    """A card's summary line as a renderable that fits the width it is given (the frozen form of a card)."""

    def __init__(self, data: EvidenceData) -> None:
        self.data = data

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield summary_line(self.data, False, options.max_width)


def evidence_item(data: EvidenceData) -> RenderableType:
    return EvidenceLine(data)


def body_renderable(data: EvidenceData, full: bool = False) -> RenderableType:
    """The expanded part of a card: full input, result preview (or whole result), diff."""
    parts: list[RenderableType] = [Text("input", style="dim")]
    parts.append(render.code(render.pretty_input(dict(data.input)), "json"))
    fin = data.finished
    if fin is None:
        return Group(*parts)
    changes = workspace_changes(fin)
    if changes:
        parts.append(Text("files changed (from the checkpoints around the call)", style="dim"))
        parts.append(changes_renderable(changes))
    if fin.diff:
        parts.append(Text("diff", style="dim"))
        body, more = (fin.diff, 0) if full else render.head(fin.diff, 40)
        parts.append(render.diff(body))
        if more:
            parts.append(Text(f"… {more} more lines (v: view all)", style="dim italic"))
    output = fin.output or ""
    label = "error" if fin.is_error else "result"
    parts.append(Text(label, style="red" if fin.is_error else "dim"))
    if safe.looks_binary(output):
        parts.append(Text(f"<binary output, {len(output)} characters, not shown>", style="italic"))
        return Group(*parts)
    body, more = (output, 0) if full else render.head(output)
    path = data.input.get("file_path") or data.input.get("path")
    lexer = render.lexer_for(path if isinstance(path, str) else None) if data.tool in ("Read",) else None
    parts.append(render.code(body, lexer))
    if more:
        parts.append(Text(f"… {more} more lines (v: view all)", style="dim italic"))
    if fin.media:
        from workbench.core.events import describe_media

        for item in describe_media(fin.media):
            kind = safe.one_line(str(item.get("media_type")), 30)
            parts.append(Text(f"sent to the model: {kind} image, {int(item.get('bytes') or 0):,} bytes", style="dim"))
    return Group(*parts)


class EvidenceCard(Widget, can_focus=True):
    """One tool call. Enter expands/collapses; `v` shows the whole result.

    | Key | Action |
    | :- | :- |
    | enter | expand or collapse |
    | v | view the whole result |
    """

    BINDING_GROUP_TITLE = "Evidence card"
    BINDINGS = [
        Binding("enter", "expand", "Expand", id="evidence.toggle"),
        Binding("v", "view", "View all", id="evidence.view"),
    ]

    DEFAULT_CSS = """
    EvidenceCard {
        height: auto;
        padding: 0 1;
        &:focus { background: $boost; }
        &.-error { color: $text-error; }
        & .body { padding-left: 2; }
    }
    """

    expanded: reactive[bool] = reactive(False)
    """Whether the input and result are shown under the summary line."""

    class ViewRequested(Message):
        """Posted when the user asks to see the whole result (handled by the screen)."""

        def __init__(self, data: EvidenceData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, data: EvidenceData) -> None:
        super().__init__(classes="evidence")
        self.data = data

    def update_data(self, data: EvidenceData) -> None:
        self.data = data
        fin = data.finished
        self.set_class(fin is not None and failed(fin), "-error")
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        line = summary_line(self.data, self.expanded, self.content_region.width)
        if not self.expanded:
            return line
        from rich.padding import Padding

        return Group(line, Padding(body_renderable(self.data), (0, 0, 0, 2)))

    def freeze(self) -> RenderableType:
        """The cheap form kept once the card scrolls far up: its summary line."""
        return evidence_item(self.data)

    def watch_expanded(self) -> None:
        self.refresh(layout=True)

    def action_expand(self) -> None:
        self.expanded = not self.expanded

    def action_view(self) -> None:
        self.post_message(self.ViewRequested(self.data))
