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
    out.append(f"({safe.one_line(event.trigger, 20)})")  # not dim: the accent colour dimmed does not read
    if folded:
        out.append(f" · {folded} earlier entries folded: click to show", style="italic")
    out.append(" ──", style="bold")
    return Padding(out, (1, 0, 0, 0))


class FoldMarker(Static, can_focus=True):
    """A marker line that folds entries of the chat: a click, or Enter on it, posts `message()`."""

    DEFAULT_CSS = """
    FoldMarker {
        height: auto;
        padding: 0 1;
        &:focus { background: $boost; }
    }
    """

    def __init__(self, body: RenderableType, classes: str) -> None:
        super().__init__(body, markup=False, classes=classes)

    def message(self) -> Message:
        raise NotImplementedError

    def on_click(self) -> None:
        self.post_message(self.message())

    def action_press(self) -> None:
        self.post_message(self.message())


class CompactionMarker(FoldMarker):
    """The marker as a widget (while it is among the newest entries)."""

    DEFAULT_CSS = "CompactionMarker { color: $text-accent; }"

    BINDING_GROUP_TITLE = "Compaction marker"
    BINDINGS = [Binding("enter", "press", "Show folded turns", id="compacted.unfold")]

    class Unfold(Message):
        """The user asked to see the turns folded under a marker."""

    def __init__(self, body: RenderableType) -> None:
        super().__init__(body, "compacted")
        self.body = body

    def freeze(self) -> RenderableType:
        return self.body

    def message(self) -> Message:
        return self.Unfold()
