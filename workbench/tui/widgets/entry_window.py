"""The machinery under the transcript: entries as data, the newest few as widgets, and a window of older ones as
frozen lines (see `transcript` for what it shows and why it stays cheap).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget

from workbench.tui.textual_compat import set_scroll_y_unclamped
from workbench.tui.widgets.answer import AnswerView
from workbench.tui.widgets.approval import ApprovalCard
from workbench.tui.widgets.entries import FrozenEntry
from workbench.tui.widgets.entry import Entry, Freezes, Settles
from workbench.tui.widgets.evidence import EvidenceCard, EvidenceData
from workbench.tui.widgets.frozen import FrozenLines, Item
from workbench.tui.widgets.rewound import Fold, chain, hidden, mark, shown_item

LIVE_MAX = 24  # entries kept as widgets in a live session
RESUME_LIVE = 6  # entries a resumed session mounts as widgets; older ones stay frozen
PAGE = 30  # entries loaded into the window at a time
WINDOW_MAX = 300  # entries kept in the window; far ones are dropped and loaded again when scrolled to


class EntryWindow(VerticalScroll, can_focus=False):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Entry] = []
        self.evidence: dict[str, EvidenceData] = {}
        self._by_call: dict[str, Entry] = {}
        self._live: list[Entry] = []  # the newest entries, as widgets (a suffix of `entries`)
        self.history = FrozenLines(id="history")
        self._lo = 0  # the window: entries[_lo:_hi] are in `history`
        self._hi = 0
        self._floor = 0  # entries before it are folded under a compaction marker
        self._marker: Entry | None = None  # the marker that folds them
        self._front_marker: Entry | None = None
        self._batching = False
        self._target = self.entries  # where `add` puts entries (inside `bulk(front=True)`: a list for the front)
        self._released = False  # the user moved away from the bottom on purpose
        self._rewinds: list[Fold] = []  # the rewinds so far, newest last (an undo takes the newest back)
        self._pending: list[Fold] = []  # conversation rewinds whose turn is in the part of a session not read yet

    def compose(self) -> ComposeResult:
        yield self.history

    @property
    def batching(self) -> bool:
        return self._batching

    @property
    def entry_count(self) -> int:
        """How many entries there are (inside `bulk(front=True)`: how many are being added)."""
        return len(self._target)

    @property
    def _first_live(self) -> int:
        return len(self.entries) - len(self._live)

    @property
    def attached(self) -> bool:
        """The window reaches the live entries (otherwise they are hidden below it)."""
        return self._hi >= self._first_live

    def grew(self) -> None:
        """Content was added: once it overflows, stick to the bottom (until the user scrolls away)."""
        self.call_after_refresh(self._maybe_anchor)

    def _maybe_anchor(self) -> None:
        if not self.is_anchored and not self._released and self.max_scroll_y > 0:
            self.anchor()

    def on_answer_view_grew(self) -> None:
        self.grew()

    # -- adding ------------------------------------------------------------------------------------

    def add(self, entry: Entry, at: int | None = None) -> Entry:
        """Append an entry: as a widget, or (inside `bulk()`) as data only, where `at` may put it earlier."""
        if self._batching:
            self._target.insert(len(self._target) if at is None else at, entry)
            return entry
        self.entries.append(entry)
        self._go_live(entry)
        self._trim()
        self.grew()
        return entry

    def _go_live(self, entry: Entry) -> None:
        widget = self._widget_of(entry)
        self._live.append(entry)
        widget.display = self.attached
        self.mount(widget)

    def _widget_of(self, entry: Entry) -> Widget:
        if entry.widget is None:
            rewound = entry.rewound_by is not None
            make = entry.make if not rewound else None  # a rewound entry shows dimmed or not at all
            entry.widget = make() if make is not None else FrozenEntry(self._item_of(entry))
        return entry.widget

    @contextmanager
    def bulk(self, *, front: bool = False) -> Iterator[None]:
        """Add many entries (a resumed session) without building or measuring them; then show the tail.

        `front`: the entries go before all others (the older part of a session whose end is shown already)."""
        rewinds = self._rewinds
        if front:
            self._target, self._rewinds = [], []  # an undo there takes back a rewind made there
        else:
            self._freeze_live(force=True)
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
            if front:
                self._rewinds = self._rewinds + rewinds
                self._prepend_entries(self._target)
            else:
                self._show_tail()

    def _show_tail(self) -> None:
        start = max(self._floor, len(self.entries) - RESUME_LIVE)
        self._live = self.entries[start:]
        self.mount_all([self._widget_of(entry) for entry in self._live])
        self._reset_window(start)
        self._released = False
        self.grew()

    async def tail_drawn(self, timeout: float = 2.0) -> None:
        """Wait until the newest entry is laid out on screen (its frame is drawn right after), at most `timeout`."""
        widget = self._live[-1].widget if self._live else None
        deadline = time.monotonic() + timeout
        while widget is not None and not widget.region.height and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(1 / 60)

    def _prepend_entries(self, older: list[Entry]) -> None:
        self._target = self.entries
        self.entries[:0] = older
        self._lo += len(older)
        self._hi += len(older)
        if self._marker is None:
            self._marker, self._front_marker = self._front_marker, None
        self._floor = self.entries.index(self._marker) if self._marker is not None else 0
        pending, self._pending = self._pending, []
        for fold in pending:  # their turn began in the part just read
            if fold.entry is not None:
                mark(older, fold, len(older))
        if pending:
            self._relayout()
        self.call_after_refresh(self._check_window)

    @staticmethod
    def _item_of(entry: Entry) -> Item:
        if entry.item is None:
            widget = entry.widget
            entry.item = widget.freeze() if isinstance(widget, Freezes) else Text(entry.label)
        return shown_item(entry, entry.item)

    def _settled(self, entry: Entry) -> bool:
        widget = entry.widget
        if isinstance(widget, ApprovalCard):
            return widget.decision is not None
        if isinstance(widget, AnswerView):
            return widget.finished
        if isinstance(widget, EvidenceCard):
            return widget.data.finished is not None and not widget.has_focus
        if isinstance(widget, Settles):  # a subagent card
            return widget.settled()
        return True

    def _freeze_oldest(self) -> None:
        oldest = self._live.pop(0)
        item = self._item_of(oldest)
        widget, oldest.widget = oldest.widget, None
        if widget is not None:
            widget.remove()
        if self._hi == self._first_live - 1:  # the window reaches the live entries: it takes this one in
            self.history.append(item)
            self._hi += 1

    def _trim(self) -> None:
        while len(self._live) > LIVE_MAX and self._settled(self._live[0]):
            self._freeze_oldest()
        if self._hi - self._lo > WINDOW_MAX and self.attached and not self._released:
            self._drop_front(self._hi - self._lo - WINDOW_MAX)

    def _freeze_live(self, *, force: bool = False) -> None:
        while self._live and (force or self._settled(self._live[0])):
            self._freeze_oldest()

    def live_count(self) -> int:
        return len(self._live)

    # -- the window of frozen entries --------------------------------------------------------------

    def _reset_window(self, end: int) -> None:
        """An empty window ending at `end`; the first layout loads what fills the screen above it."""
        self.history.clear()
        self._lo = self._hi = max(self._floor, end)
        self._show_live(self.attached)
        self.call_after_refresh(self._check_window)

    def _show_live(self, shown: bool) -> None:
        for entry in self._live:
            if entry.widget is not None and entry.widget.display != shown:
                entry.widget.display = shown

    def _page_above(self) -> int:
        start = max(self._floor, self._lo - PAGE)
        added = self.history.prepend([self._item_of(e) for e in self.entries[start : self._lo]])
        self._lo = start
        return added

    def _page_below(self) -> None:
        end = min(self._first_live, self._hi + PAGE)
        self.history.extend([self._item_of(e) for e in self.entries[self._hi : end]])
        self._hi = end
        if self.attached:
            self._show_live(True)

    def _drop_front(self, count: int) -> None:
        removed = self.history.drop_front(count)
        self._lo += count
        self._shift(-removed)

    def _shift(self, lines: int) -> None:
        """Keep what the user sees in place while lines are added or removed above it (same frame)."""
        if lines:
            set_scroll_y_unclamped(self, max(0.0, self.scroll_y + lines))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new) and not self._batching:
            self.call_after_refresh(self._check_window)

    def _check_window(self) -> None:
        """Load what the user scrolls towards; drop what is far away."""
        if self._batching or not self.is_mounted:
            return
        if self.scroll_y > self.max_scroll_y:  # lines came in above content that fits: nothing to hold in place
            set_scroll_y_unclamped(self, float(self.max_scroll_y))  # scroll_to does nothing when nothing overflows
        screen = max(1, self.scrollable_content_region.height)
        if self.scroll_y < screen and self._lo > self._floor:
            self._shift(self._page_above())
            self.call_after_refresh(self._check_window)
            return
        if not self.attached and self.max_scroll_y - self.scroll_y < screen:
            self._page_below()
            self.call_after_refresh(self._check_window)
            return
        count = self._hi - self._lo
        if count > WINDOW_MAX:
            line = self.history.item_at_line(int(self.scroll_y))
            if line > count // 2:
                self._drop_front(min(count - WINDOW_MAX, max(0, line - PAGE)))
            else:
                self._drop_back(count - WINDOW_MAX)

    def _drop_back(self, count: int) -> None:
        self.history.drop_back(count)
        self._hi -= count
        self._show_live(False)

    def clear(self) -> None:
        """Forget every entry (a new session in place)."""
        for entry in self._live:
            if entry.widget is not None:
                entry.widget.remove()
        self.entries.clear()
        self.evidence.clear()
        self._by_call.clear()
        self._live.clear()
        self.history.clear()
        self._lo = self._hi = self._floor = 0
        self._marker = self._front_marker = None
        self._rewinds.clear()
        self._pending.clear()
        self.follow()

    def follow(self) -> None:
        """Back to following the conversation (after a new prompt)."""
        self._released = False
        if not self.attached:
            self._reset_window(self._first_live)
        if self.is_anchored:
            self.anchor()
        self.grew()

    # -- folding -----------------------------------------------------------------------------------

    def fold(self, marker: Entry) -> None:
        """Fold everything before a compaction marker: only the marker and what follows stay on screen."""
        if self._target is not self.entries:  # the front of a session: its latest marker, unless the end has one
            self._front_marker = marker
            return
        self._marker = marker
        last = len(self.entries) - 1
        self._floor = last if self.entries[last] is marker else self.entries.index(marker)
        if self._batching:
            return
        while self._live and self._live[0] is not marker:
            self._freeze_oldest()
        self._reset_window(self._first_live)

    def unfold(self) -> bool:
        """Show the folded entries again (loaded as the user scrolls up); False when nothing is folded."""
        if self._floor == 0:
            return False
        self._floor = 0
        self._marker = None
        self._released = True
        if self.is_anchored:
            self.release_anchor()
        self.call_after_refresh(self._check_window)
        return True

    @property
    def folded(self) -> int:
        return self._floor

    def _relayout(self, shown: Entry | None = None) -> None:
        """Rebuild what is on screen after entries changed how they show; then bring `shown` into view."""
        if self._batching:
            return
        self._freeze_live(force=True)
        self._show_tail()
        if shown is not None and shown in self.entries:
            self.call_after_refresh(self.reveal, shown)

    # -- navigation --------------------------------------------------------------------------------

    def reveal(self, entry: Entry) -> None:
        """Scroll an entry into view (unfolding and loading what it takes); a live card also takes focus."""
        self._released = True
        if self.is_anchored:
            self.release_anchor()
        if hidden(entry):  # folded under a rewind marker: show those turns first
            for fold in chain(entry):
                fold.folded = False
            self._relayout(entry)
            return
        index = self.entries.index(entry)
        if index < self._floor:
            self._floor, self._marker = 0, None
        if entry.widget is not None and entry.widget.is_mounted:
            if not self.attached:
                self._reset_window(self._first_live)
            self.call_after_refresh(self._focus_live, entry)
            return
        if not self._lo <= index < self._hi:
            self.history.clear()
            self._lo = max(self._floor, index - PAGE // 2)
            self._hi = self._lo
            self._page_below()
            self._show_live(self.attached)
        self.call_after_refresh(self._scroll_to_item, index)

    def _focus_live(self, entry: Entry) -> None:
        if entry.widget is not None and entry.widget.is_mounted:
            self.scroll_to_widget(entry.widget, animate=False, top=True)
            if entry.widget.can_focus:
                entry.widget.focus()

    def _scroll_to_item(self, index: int) -> None:
        if self._lo <= index < self._hi:
            self.scroll_to(y=self.history.item_line(index - self._lo), animate=False)
