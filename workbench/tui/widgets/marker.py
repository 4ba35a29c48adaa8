"""The compaction marker: where the model's history was replaced by a summary; the turns before it fold under it.

Click it (or Enter on it) to show the folded turns again; they stay in the transcript either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from workbench.tui import render, safe

if TYPE_CHECKING:
    from workbench.core.events import Compacted


def marker_renderable(event: Compacted, folded: int) -> RenderableType:
    """`── compacted · 171.2k → 2.1k tokens (auto) · 148 earlier entries folded: click to show ──`"""
    out = Text()
    out.append("── compacted ", style="bold")
    out.append(f"· {render.tokens(event.tokens_before)} → {render.tokens(event.tokens_after)} tokens ")
    out.append(f"({safe.one_line(event.trigger, 20)})", style="dim")
    if folded:
        out.append(f" · {folded} earlier entries folded: click to show", style="italic")
    out.append(" ──", style="bold")
    return Padding(out, (1, 0, 0, 0))


class CompactionMarker(Static, can_focus=True):
    """The marker as a widget (while it is among the newest entries)."""

    DEFAULT_CSS = """
    CompactionMarker {
        height: auto;
        padding: 0 1;
        color: $text-accent;
        &:focus { background: $boost; }
    }
    """

    BINDING_GROUP_TITLE = "Compaction marker"
    BINDINGS = [Binding("enter", "unfold", "Show folded turns", id="compacted.unfold")]

    class Unfold(Message):
        """The user asked to see the turns folded under a marker."""

    def __init__(self, body: RenderableType) -> None:
        super().__init__(body, markup=False, classes="compacted")
        self.body = body

    def freeze(self) -> RenderableType:
        return self.body

    def on_click(self) -> None:
        self.post_message(self.Unfold())

    def action_unfold(self) -> None:
        self.post_message(self.Unfold())
