"""A model answer that streams: finished Markdown blocks freeze into lines, only the open tail re-renders.

Deltas are buffered and applied at most `FLUSH_HZ` times a second, so 20k tiny chunks cost a few hundred
renders of a short tail instead of 20k renders of a growing document.
"""

from __future__ import annotations

import time
from functools import partial

from rich.console import Group, RenderableType
from rich.padding import Padding
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from workbench.tui import render
from workbench.tui.widgets.frozen import FrozenLines, Item

FLUSH_HZ = 20
# Longest time one flush may spend rendering finished blocks; the rest waits for the next tick so a burst of
# text never freezes the screen.
BUDGET_S = 0.006


def split_closed(text: str) -> tuple[list[str], str]:
    """Split text into finished blocks (ended by a blank line outside a code fence) and the open tail."""
    lines = text.split("\n")
    blocks: list[str] = []
    start = 0
    fence: str | None = None
    for i, line in enumerate(lines[:-1]):  # the last line may still be growing
        stripped = line.lstrip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            mark = stripped[:3]
            if fence is None:
                fence = mark
            elif mark == fence:
                fence = None
            continue
        if fence is None and not stripped and i > start:
            block = "\n".join(lines[start:i])
            if block.strip():
                blocks.append(block)
            start = i + 1
    return blocks, "\n".join(lines[start:])


def block_renderable(block: str) -> RenderableType:
    """One finished Markdown block with the blank line that follows it."""
    return Padding(render.markdown(block), (0, 0, 1, 0))


def answer_renderable(blocks: tuple[str, ...]) -> RenderableType:
    """The whole answer as the live view shows it, block by block (the history and a resumed session alike)."""
    return Group(*[block_renderable(b) for b in blocks])


def text_renderable(text: str) -> RenderableType:
    """A finished answer's text as the view shows it once it is finished: its blocks closed, the tail too."""
    blocks, tail = split_closed(text + "\n\n")
    return answer_renderable(tuple(b for b in [*blocks, tail] if b.strip()))


def answer_item(text: str) -> Item:
    """A finished answer for the frozen history: its source text, rendered only while on screen."""
    return partial(text_renderable, text)


class AnswerView(Vertical):
    """One streaming (or finished) answer."""

    class Grew(Message):
        """The answer got longer (the transcript may follow it)."""

    DEFAULT_CSS = """
    AnswerView {
        height: auto;
        padding: 0 1;
        & > Static { height: auto; }
    }
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(classes="answer")
        self._closed_text: list[str] = []
        self._unrendered: list[str] = []  # finished blocks waiting for their turn to be rendered
        self._shown_tail = ""
        self._tail = ""
        self._pending: list[str] = []
        self._timer_armed = False
        self.finished = False
        self._ready = False  # children mounted; is_mounted is not yet true inside on_mount
        if text:
            self._pending.append(text)

    @property
    def text(self) -> str:
        return "\n\n".join([*self._closed_text, self._tail + "".join(self._pending)]).strip("\n")

    def compose(self) -> ComposeResult:
        yield FrozenLines(classes="closed")
        tail = Static("", classes="tail", markup=False)
        tail.display = False  # shown once there is an open block (an empty one would still take a line)
        yield tail

    def on_mount(self) -> None:
        self._ready = True
        self.flush()

    def feed(self, chunk: str) -> None:
        """Queue a delta; the view catches up on the next flush tick."""
        self._pending.append(chunk)
        if not self._timer_armed and self._ready:
            self._timer_armed = True
            self.set_timer(1 / FLUSH_HZ, self.flush)

    def finish(self, full_text: str | None = None) -> None:
        """The answer is complete; `full_text` (if given) replaces what the deltas built."""
        if full_text is not None and full_text.strip() != self.text.strip():
            self._closed_text, self._tail, self._pending, self._unrendered = [], "", [full_text], []
            if self._ready:
                self.query_one(FrozenLines).clear()
        self.finished = True
        if self._ready:
            self.flush()

    def flush(self) -> None:
        self._timer_armed = False
        if not self._ready or not self.children:  # not composed yet, or frozen and removed meanwhile
            return
        if self._pending:
            self._tail += "".join(self._pending)
            self._pending.clear()
        blocks, tail = split_closed(self._tail + ("\n\n" if self.finished else ""))
        self._unrendered.extend(blocks)
        self._closed_text.extend(blocks)
        self._tail = tail
        if self._unrendered:
            self._render_some()
        tail_view = self.query_one(".tail", Static)
        # The tail is shown only once every block before it is on screen, so text never appears out of order.
        show_tail = bool(tail.strip()) and not self._unrendered
        shown = tail if show_tail else ""
        if shown != self._shown_tail:
            self._shown_tail = shown
            tail_view.update(render.markdown(shown) if shown else "")
            tail_view.display = show_tail
        if self._unrendered and not self._timer_armed:
            self._timer_armed = True
            self.set_timer(1 / 60, self.flush)
        self.post_message(self.Grew())

    def _render_some(self) -> None:
        """Parse, render and measure finished blocks until the time budget is spent (at least one)."""
        frozen = self.query_one(FrozenLines)
        deadline = time.perf_counter() + BUDGET_S
        done = 0
        for block in self._unrendered:
            frozen.append(partial(block_renderable, block))  # built again only when on screen
            done += 1
            if time.perf_counter() > deadline:
                break
        del self._unrendered[:done]

    def freeze(self) -> Item:
        """The answer for the frozen history: its source text, rendered again only when on screen."""
        return answer_item(self.text)
