"""A line-virtualised block of pre-rendered renderables.

Older transcript entries and the closed blocks of a streaming answer end up here. Each renderable is measured
once per width (its height is kept, its lines are not); only the items on screen are rendered, through a small
cache. Memory and work per frame stay flat however long the session gets.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

CACHED_ITEMS = 64

# An item is a renderable or a function that builds one. A function (e.g. markdown from its source text) keeps
# the history as plain strings: a parsed Markdown tree per old answer would cost memory and garbage-collector
# time on every collection.
Item = RenderableType | Callable[[], RenderableType]


class FrozenLines(Widget):
    """Renderables shown by line; re-measured only when the width changes."""

    DEFAULT_CSS = """
    FrozenLines {
        height: auto;
        width: 1fr;
    }
    """

    class Clicked(Message):
        """An item was clicked (its index in this widget)."""

        def __init__(self, lines: FrozenLines, index: int) -> None:
            super().__init__()
            self.lines = lines
            self.index = index

        @property
        def control(self) -> FrozenLines:
            return self.lines

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._items: list[Item] = []
        self._heights: list[int] = []
        self._starts: list[int] = []  # first line of each item
        self._total = 0
        self._width = 0
        self._cache: OrderedDict[int, list[Strip]] = OrderedDict()
        self._measured: OrderedDict[int, list[list[Segment]]] = OrderedDict()  # newest items, kept from measuring
        self._cache_style: Style | None = None

    @property
    def item_count(self) -> int:
        return len(self._items)

    @property
    def line_count(self) -> int:
        return self._total

    def item_line(self, index: int) -> int:
        """The first line of item `index` within this widget (at the current width)."""
        self._ensure_width(self._render_width())
        return self._starts[index] if 0 <= index < len(self._starts) else 0

    def item_at_line(self, y: int) -> int:
        return max(0, bisect_right(self._starts, y) - 1)

    def append(self, renderable: Item) -> int:
        """Add one renderable at the end; returns its index."""
        self._items.append(renderable)
        if self._width:
            self._measure(len(self._items) - 1)
        self.refresh(layout=True)
        return len(self._items) - 1

    def extend(self, renderables: list[Item]) -> None:
        for item in renderables:
            self._items.append(item)
            if self._width:
                self._measure(len(self._items) - 1)
        self.refresh(layout=True)

    def prepend(self, renderables: list[Item]) -> int:
        """Add renderables before the first one; returns how many lines they take (0 before the first layout)."""
        if not renderables:
            return 0
        count = len(renderables)
        self._items[:0] = renderables
        self._cache = OrderedDict((i + count, v) for i, v in self._cache.items())
        self._measured = OrderedDict((i + count, v) for i, v in self._measured.items())
        added = 0
        if self._width:
            heights = [len(self._render_one(item, self._width)) for item in renderables]
            added = sum(heights)
            self._heights[:0] = heights
            self._restart()
        self.refresh(layout=True)
        return added

    def drop_front(self, count: int) -> int:
        """Forget the first `count` renderables; returns how many lines they took."""
        count = min(count, len(self._items))
        removed = sum(self._heights[:count])
        del self._items[:count]
        del self._heights[:count]
        self._cache = OrderedDict((i - count, v) for i, v in self._cache.items() if i >= count)
        self._measured = OrderedDict((i - count, v) for i, v in self._measured.items() if i >= count)
        self._restart()
        self.refresh(layout=True)
        return removed

    def drop_back(self, count: int) -> None:
        """Forget the last `count` renderables."""
        keep = max(0, len(self._items) - count)
        del self._items[keep:]
        del self._heights[keep:]
        self._cache = OrderedDict((i, v) for i, v in self._cache.items() if i < keep)
        self._measured = OrderedDict((i, v) for i, v in self._measured.items() if i < keep)
        self._restart()
        self.refresh(layout=True)

    def _restart(self) -> None:
        starts, total = [], 0
        for height in self._heights:
            starts.append(total)
            total += height
        self._starts, self._total = starts, total

    def clear(self) -> None:
        self._items.clear()
        self._heights.clear()
        self._starts.clear()
        self._cache.clear()
        self._measured.clear()
        self._total = 0
        self.refresh(layout=True)

    def _render_width(self) -> int:
        return self.content_region.width or self._width or 80

    def _render_one(self, item: Item, width: int) -> list[list[Segment]]:
        renderable = item() if callable(item) else item
        console = self.app.console
        options = console.options.update_width(width).update(highlight=False, markup=False)
        return console.render_lines(renderable, options, pad=True)

    def _measure(self, index: int) -> None:
        lines = self._render_one(self._items[index], self._width)
        self._measured[index] = lines  # the newest items are the ones on screen next: keep their lines
        if len(self._measured) > CACHED_ITEMS:
            self._measured.popitem(last=False)
        self._starts.append(self._total)
        self._heights.append(len(lines))
        self._total += len(lines)

    def _ensure_width(self, width: int) -> None:
        if width == self._width or width <= 0:
            return
        self._width = width
        self._heights, self._starts, self._total = [], [], 0
        self._cache.clear()
        self._measured.clear()
        for index in range(len(self._items)):
            self._measure(index)

    def on_click(self, event: events.Click) -> None:
        if 0 <= event.y < self._total:
            self.post_message(self.Clicked(self, self.item_at_line(event.y)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_width(width)
        return self._total

    def on_resize(self) -> None:
        before = self._total
        self._ensure_width(self.content_region.width)
        if self._total != before:
            self.refresh(layout=True)

    def _lines_of(self, index: int, style: Style) -> list[Strip]:
        if style != self._cache_style:
            self._cache.clear()
            self._cache_style = style
        lines = self._cache.get(index)
        if lines is None:
            width = self._width
            raw = self._measured.pop(index, None) or self._render_one(self._items[index], width)
            lines = [Strip(Segment.adjust_line_length(line, width), width).apply_style(style) for line in raw]
            self._cache[index] = lines
            if len(self._cache) > CACHED_ITEMS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(index)
        return lines

    def render_line(self, y: int) -> Strip:
        self._ensure_width(self._render_width())
        style = self.rich_style
        if 0 <= y < self._total:
            index = self.item_at_line(y)
            lines = self._lines_of(index, style)
            offset = y - self._starts[index]
            if offset < len(lines):
                return lines[offset]
        return Strip.blank(self.size.width, style)
