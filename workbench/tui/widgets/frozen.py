"""A line-virtualised block of pre-rendered renderables.

Older transcript entries and the closed blocks of a streaming answer end up here: each renderable is
rendered to strips once per width, and only the lines on screen are handed to the compositor. Its cost per
frame does not grow with the length of the session.
"""

from __future__ import annotations

from bisect import bisect_right

from rich.console import RenderableType
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class FrozenLines(Widget):
    """Renderables rendered to lines once and shown by line; re-rendered only when the width changes."""

    DEFAULT_CSS = """
    FrozenLines {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._items: list[RenderableType] = []
        self._lines: list[Strip] = []
        self._starts: list[int] = []  # first line of each item
        self._width = 0

    @property
    def item_count(self) -> int:
        return len(self._items)

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def item_line(self, index: int) -> int:
        """The first line of item `index` within this widget (after rendering at the current width)."""
        self._ensure_width(self._render_width())
        return self._starts[index] if 0 <= index < len(self._starts) else 0

    def item_at_line(self, y: int) -> int:
        return max(0, bisect_right(self._starts, y) - 1)

    def append(self, renderable: RenderableType) -> int:
        """Add one renderable at the end; returns its index."""
        self._items.append(renderable)
        if self._width:
            self._starts.append(len(self._lines))
            self._lines.extend(self._render_one(renderable, self._width))
        self.refresh(layout=True)
        return len(self._items) - 1

    def extend(self, renderables: list[RenderableType]) -> None:
        for item in renderables:
            self._items.append(item)
            if self._width:
                self._starts.append(len(self._lines))
                self._lines.extend(self._render_one(item, self._width))
        self.refresh(layout=True)

    def clear(self) -> None:
        self._items.clear()
        self._lines.clear()
        self._starts.clear()
        self.refresh(layout=True)

    def _render_width(self) -> int:
        return self.content_region.width or self.size.width or self._width or 80

    def _render_one(self, renderable: RenderableType, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False, markup=False)
        lines = console.render_lines(renderable, options, pad=True)
        return [Strip(Segment.adjust_line_length(line, width), width) for line in lines]

    def _ensure_width(self, width: int) -> None:
        if width == self._width or width <= 0:
            return
        self._width = width
        self._lines = []
        self._starts = []
        for item in self._items:
            self._starts.append(len(self._lines))
            self._lines.extend(self._render_one(item, width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_width(width)
        return len(self._lines)

    def on_resize(self) -> None:
        before = len(self._lines)
        self._ensure_width(self.content_region.width)
        if len(self._lines) != before:
            self.refresh(layout=True)

    def render_line(self, y: int) -> Strip:
        self._ensure_width(self._render_width())
        if 0 <= y < len(self._lines):
            return self._lines[y].apply_style(self.rich_style)
        return Strip.blank(self.size.width, self.rich_style)
