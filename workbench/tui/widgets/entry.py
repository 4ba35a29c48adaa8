"""One item of the conversation, and what a widget in it tells the transcript; shared by the transcript and the
cards it holds (a subagent card adds entries too), so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.widget import Widget

if TYPE_CHECKING:
    from workbench.tui.widgets.evidence import EvidenceData
    from workbench.tui.widgets.frozen import Item


@dataclass
class Entry:
    kind: str  # user | answer | evidence | approval | notice | subagent
    widget: Widget | None
    frozen_index: int | None = None
    eid: str | None = None
    turn: int | None = None
    label: str = ""
    extra: dict[str, object] = field(default_factory=dict)


@runtime_checkable
class Settles(Protocol):
    """A live widget that knows when it may be frozen into the history."""

    def settled(self) -> bool: ...


class EntrySink(Protocol):
    """What a card needs of the transcript: add an entry, find the evidence of a call."""

    def add(self, entry: Entry, *, frozen: bool = False, renderable: Item | None = None) -> Entry: ...

    def evidence_for_call(self, call_id: str) -> EvidenceData | None: ...
