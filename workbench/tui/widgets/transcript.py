"""The conversation: entries as data, the newest few as widgets, and a window of older ones as frozen lines.

Entries are user prompts, answers, evidence cards, approval cards, notices, subagent runs and compaction
markers. Each entry knows how to build its widget (`make`) and its frozen form (`item`: a renderable, or a
function that builds one, rendered only while on screen). A live session and a resumed one go through the
same `add` calls; a resume adds everything in one batch (`bulk()`), which builds no widget and renders
nothing, then mounts only the tail. Nothing older is even measured until the user scrolls towards it:

- the newest entries (at most `LIVE_MAX`) are widgets; the oldest settled one freezes when there are more;
- above them `FrozenLines` shows a window of older entries, loaded a page at a time as the user scrolls up
  and dropped again (far ones) when it holds more than `WINDOW_MAX`; while the window does not reach the
  newest entries (the user is far up), the widgets below it are hidden and it grows downwards as they scroll;
- a compaction marker folds everything before it until the user unfolds it (click, or the command palette);
- a conversation rewind folds the turns it took out under its marker (see `rewound`); an undo brings them back.

So a 10,000-entry session costs about what a ten-entry one does, on screen and in memory.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual.widget import Widget

from workbench.core.approvals import ApprovalRequest, Decision
from workbench.tui.widgets.answer import AnswerView, answer_item
from workbench.tui.widgets.approval import ApprovalCard, approval_record
from workbench.tui.widgets.entries import NoticeLine, UserMessage, notice_item, user_item
from workbench.tui.widgets.entry import Entry
from workbench.tui.widgets.entry_window import LIVE_MAX, PAGE, RESUME_LIVE, WINDOW_MAX, EntryWindow
from workbench.tui.widgets.evidence import EvidenceCard, EvidenceData, EvidenceLine
from workbench.tui.widgets.frozen import FrozenLines
from workbench.tui.widgets.rewound import Fold, RewindMarker, mark, marker_entry, unmark

__all__ = ["LIVE_MAX", "PAGE", "RESUME_LIVE", "WINDOW_MAX", "Entry", "Transcript", "UserMessage"]

if TYPE_CHECKING:  # the event types load with the first event
    from workbench.core.events import Compacted, Rewound


def _unanswered() -> Decision:
    return Decision(allow=False, reason="no answer was recorded")


class Transcript(EntryWindow):
    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;  /* the width never changes when the scrollbar appears: no re-measuring */
        & > FrozenLines { padding: 0 1; }
    }
    """

    def on_frozen_lines_clicked(self, event: FrozenLines.Clicked) -> None:
        if event.lines is self.history:
            entry = self.entries[self._lo + event.index]
            if entry.kind == "compacted":
                self.unfold()
            elif (fold := entry.fold) is not None:
                self.toggle_rewound(fold)

    # -- rewinds -----------------------------------------------------------------------------------

    def add_rewind(self, event: Rewound) -> Entry | None:
        """A rewind: a conversation rewind folds the turns it took out under a marker (returned); an undo of one
        brings them back. A files-only rewind changes nothing here."""
        if event.undo:
            last = self._rewinds.pop() if self._rewinds else None
            if last is not None and last.entry is not None and event.conversation:
                unmark(self._target, last)
                if last in self._pending:
                    self._pending.remove(last)
                self._relayout(last.entry)
            return None
        fold = Fold(event, folded=event.conversation)
        self._rewinds.append(fold)
        if not event.conversation:
            return None
        if not self._batching:
            self._freeze_live(force=True)  # every entry's frozen form is known before it changes
        entry = marker_entry(fold)
        self._target.append(entry)
        if not mark(self._target, fold, len(self._target) - 1) and self._target is self.entries:
            fold.pending = True  # a resumed session's older part, read later, has the turn's start
            self._pending.append(fold)
        if not self._batching:
            self._show_tail()
        return entry

    def toggle_rewound(self, fold: Fold) -> None:
        """Show the turns under a rewind marker (dimmed, labelled), or fold them again."""
        if fold.undone or fold.entry is None:
            return
        fold.folded = not fold.folded
        first = next((e for e in self.entries if e.rewound_by is fold), None)
        self._relayout(fold.entry if fold.folded or first is None else first)

    def on_rewind_marker_toggle(self, message: RewindMarker.Toggle) -> None:
        self.toggle_rewound(message.fold)

    # -- entries -----------------------------------------------------------------------------------

    def add_user(self, prompt: str, turn: int) -> Entry:
        return self.add(
            Entry("user", turn=turn, text=prompt, make=lambda: UserMessage(prompt), item=partial(user_item, prompt))
        )

    def add_answer(self, text: str = "", *, finished: bool = False, at: int | None = None) -> AnswerView | None:
        """An answer: streaming (returns its view) or complete (`finished`; a batch builds no view)."""
        if finished:

            def make() -> Widget:
                view = AnswerView(text)
                view.finish()
                return view

            entry = self.add(Entry("answer", make=make, item=answer_item(text)), at)
            return entry.widget if isinstance(entry.widget, AnswerView) else None
        view = AnswerView(text)
        self.add(Entry("answer", view))
        return view

    def add_notice(self, body: RenderableType, level: str = "info") -> Entry:
        return self.add(Entry("notice", make=lambda: NoticeLine(body, level), item=partial(notice_item, body, level)))

    def add_evidence(self, data: EvidenceData) -> Entry:
        self.evidence[data.eid] = data
        entry = Entry("evidence", eid=data.eid, make=partial(self._card, data.eid), item=EvidenceLine(data))
        self._by_call[data.call_id] = entry
        return self.add(entry)

    def _card(self, eid: str) -> EvidenceCard:
        return EvidenceCard(self.evidence[eid])

    def update_evidence(self, call_id: str, data: EvidenceData) -> bool:
        entry = self._by_call.get(call_id)
        if entry is None:
            return False
        self.evidence[data.eid] = data
        if isinstance(entry.item, EvidenceLine):
            entry.item.data = data
        if isinstance(entry.widget, EvidenceCard):
            entry.widget.update_data(data)
            self._trim()
        return True

    def evidence_for_call(self, call_id: str) -> EvidenceData | None:
        entry = self._by_call.get(call_id)
        return self.evidence.get(entry.eid) if entry and entry.eid else None

    def add_approval(self, card: ApprovalCard) -> Entry:
        return self.add(Entry("approval", card))

    def add_answered_approval(self, request: ApprovalRequest, answer: dict[str, Decision]) -> Entry:
        """A saved approval: its card is made (answered) only if it is shown as a widget; `answer` is filled
        with its decision when that event comes."""
        return self.add(
            Entry(
                "approval",
                make=lambda: ApprovalCard(request, decision=answer.get("decision") or _unanswered()),
                item=lambda: approval_record(request, answer.get("decision")),
            )
        )

    def add_marker(self, event: Compacted) -> Entry:
        """A compaction marker, folding everything before it."""
        from workbench.tui.widgets.marker import CompactionMarker, marker_renderable

        body = marker_renderable(event, self.entry_count)
        entry = self.add(Entry("compacted", make=lambda: CompactionMarker(body), item=body))
        self.fold(entry)
        return entry

    def on_compaction_marker_unfold(self) -> None:
        self.unfold()

    # -- navigation --------------------------------------------------------------------------------

    def evidence_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "evidence"]

    def turn_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "user"]
