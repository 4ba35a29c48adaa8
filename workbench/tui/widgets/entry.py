"""One item of the conversation, and what a widget in it tells the transcript; shared by the transcript and the
cards it holds (a subagent card adds entries too), so neither imports the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.widget import Widget

from workbench.tui import safe

if TYPE_CHECKING:
    from workbench.tui.widgets.evidence import EvidenceData
    from workbench.tui.widgets.frozen import Item
    from workbench.tui.widgets.rewound import Fold


@dataclass(slots=True)
class Entry:
    kind: str  # user | answer | evidence | approval | notice | subagent | compacted
    widget: Widget | None = None
    eid: str | None = None
    turn: int | None = None
    text: str = ""  # the entry's own words (a prompt), for its label
    rewound_by: Fold | None = None  # the rewind that took this entry's turn out of the conversation
    fold: Fold | None = None  # a rewind marker's own rewind
    make: Callable[[], Widget] | None = None  # builds the widget (a resumed entry gets one only near the end)
    item: Item | None = None  # the frozen form

    @property
    def label(self) -> str:
        return safe.one_line(self.text, 80)


@runtime_checkable
class Freezes(Protocol):
    """A live widget that can hand the history a still form of itself (text, not widgets)."""

    def freeze(self) -> Item: ...


@runtime_checkable
class Settles(Protocol):
    """A live widget that knows when it may be frozen into the history."""

    def settled(self) -> bool: ...


class EntrySink(Protocol):
    """What a card needs of the transcript: add an entry, find the evidence of a call, know whether a saved
    session is being read (no widgets are built then)."""

    @property
    def batching(self) -> bool: ...

    def add(self, entry: Entry, at: int | None = None) -> Entry: ...

    def evidence_for_call(self, call_id: str) -> EvidenceData | None: ...
