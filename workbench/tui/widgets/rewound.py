"""Rewound turns in the chat: a conversation rewind folds the turns it took out of the model's history under a
marker, like a compaction; shown again, they are dimmed and labelled as no longer part of the conversation, and
an undo of the rewind brings them back as they were.

The fold is data on the entries: `extra["rewound_by"]` names the `Fold` that took an entry out (an entry a later
rewind takes out again keeps its first fold; that fold's marker gets the later one). The transcript asks
`shown_item` for an entry's frozen form and rebuilds its widgets when a fold changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from workbench.tui.widgets.entry import Entry
from workbench.tui.widgets.marker import FoldMarker

if TYPE_CHECKING:
    from workbench.core.events import Rewound
    from workbench.tui.widgets.frozen import Item

LABEL = "rewound: no longer part of the conversation"


@dataclass(eq=False)
class Fold:
    """One conversation rewind on the screen: its marker entry and whether its turns are folded."""

    event: Rewound
    entry: Entry | None = None  # the marker (a files-only rewind has none)
    folded: bool = True
    undone: bool = False
    turns: int = 0  # turns this rewind took out of the conversation
    pending: bool = False  # the rewound turn is in the older part of a saved session, not read yet


def fold_of(entry: Entry) -> Fold | None:
    return entry.rewound_by


def chain(entry: Entry) -> Iterator[Fold]:
    """The folds an entry is under: its own, then those over its fold's marker (a rewind of a rewind)."""
    fold = fold_of(entry)
    while fold is not None:
        yield fold
        fold = fold_of(fold.entry) if fold.entry is not None else None


def hidden(entry: Entry) -> bool:
    return any(fold.folded for fold in chain(entry))


class Greyed:
    """A renderable drawn without its colours, dimmed. Dimming coloured or already dim text would leave it below
    legible contrast in some themes; plain text dimmed stays legible."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments = Segment.remove_color(console.render(self.inner, options))
        yield from Segment.apply_style(segments, post_style=GREY)


GREY = Style(dim=True)


class Nothing:
    """A renderable of no lines: a folded entry takes no room."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        return iter(())


NOTHING = Nothing()


def shown_item(entry: Entry, item: Item) -> Item:
    """An entry's frozen form as it shows now: as it is, folded away, or dimmed with the label."""
    if fold_of(entry) is None:
        return item
    if hidden(entry):
        return NOTHING

    def dimmed() -> RenderableType:
        body = item() if callable(item) else item
        return Greyed(Group(body, Text(f"     {LABEL}", style="italic")) if entry.kind == "user" else body)

    return dimmed


def mark(entries: Sequence[Entry], fold: Fold, end: int) -> bool:
    """Put the entries from turn `fold.event.to_turn`'s prompt up to `end` under `fold`; False when that prompt
    is not among them (all before `end` are then marked: the turn began earlier)."""
    start = find_turn(entries, fold.event.to_turn, end)
    for entry in entries[max(start, 0) : end]:
        if fold_of(entry) is None and entry is not fold.entry:
            entry.rewound_by = fold
            fold.turns += entry.kind == "user"
    return start >= 0


def find_turn(entries: Sequence[Entry], turn: int, end: int) -> int:
    for index in range(min(end, len(entries)) - 1, -1, -1):
        entry = entries[index]
        if entry.kind == "user" and entry.turn == turn:
            return index
    return -1


def unmark(entries: Sequence[Entry], fold: Fold) -> None:
    """An undo: the entries under `fold` are part of the conversation again."""
    fold.undone, fold.folded = True, False
    for entry in entries:
        if entry.rewound_by is fold:
            entry.rewound_by = None


def files_note(event: Rewound) -> str:
    if not event.files:
        return "files unchanged"
    kept = len(event.conflicts)
    return f"files restored, {kept} kept: changed by someone else" if kept else "files restored"


def marker_renderable(fold: Fold) -> RenderableType:
    """`── rewound to turn 3 · 2 turns removed from the conversation (files restored) · click to show ──`"""
    event = fold.event
    out = Text()
    out.append(f"── rewound to turn {event.to_turn} ", style="bold")
    if fold.undone:
        out.append("· undone: the turns are back in the conversation ")
    else:
        turns = f"{fold.turns} turn{'s' if fold.turns != 1 else ''}" if fold.turns or not fold.pending else "turns"
        out.append(f"· {turns} removed from the conversation ")
        out.append(f"({files_note(event)})")
        out.append(" · click to show" if fold.folded else " · dimmed above · click to fold", style="italic")
    out.append(" ──", style="bold")
    return Padding(out, (1, 0, 0, 0))


class RewindMarker(FoldMarker):
    """The marker as a widget (while it is among the newest entries)."""

    DEFAULT_CSS = "RewindMarker { color: $text-warning; }"

    BINDING_GROUP_TITLE = "Rewind marker"
    BINDINGS = [Binding("enter", "press", "Show or fold the rewound turns", id="rewound.toggle")]

    class Toggle(Message):
        """The user asked to show (or fold again) the turns under a marker."""

        def __init__(self, fold: Fold) -> None:
            super().__init__()
            self.fold = fold

    def __init__(self, fold: Fold) -> None:
        super().__init__(marker_renderable(fold), "rewound")
        self.fold = fold

    def freeze(self) -> RenderableType:
        return marker_renderable(self.fold)

    def message(self) -> Message:
        return self.Toggle(self.fold)


def marker_entry(fold: Fold) -> Entry:
    entry = Entry("rewound", make=lambda: RewindMarker(fold), item=lambda: marker_renderable(fold))
    entry.fold = fold
    fold.entry = entry
    return entry
