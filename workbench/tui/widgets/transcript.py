"""The conversation: the last few entries live as widgets, everything older frozen into one line view.

Entries are user prompts, answers, evidence cards, approval cards and notices. When more than `LIVE_MAX`
are live, the oldest settled one is frozen (rendered once into `FrozenLines`) and its widget removed, so a
1,000-turn session costs about as much to show as a ten-turn one.
"""

from __future__ import annotations

from functools import partial

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.tui import safe
from workbench.tui.widgets.answer import AnswerView
from workbench.tui.widgets.approval import ApprovalCard
from workbench.tui.widgets.entry import Entry, Settles
from workbench.tui.widgets.evidence import EvidenceCard, EvidenceData
from workbench.tui.widgets.frozen import FrozenLines, Item

LIVE_MAX = 24


def user_renderable(prompt: str) -> RenderableType:
    out = Text()
    out.append("you  ", style="bold")
    out.append(safe.clean(prompt))
    return out


class UserMessage(Static):
    DEFAULT_CSS = """
    UserMessage {
        height: auto;
        padding: 0 1;
        margin-top: 1;
        background: $boost;
    }
    """

    def __init__(self, prompt: str) -> None:
        super().__init__(user_renderable(prompt), markup=False, classes="user")
        self.prompt = prompt

    def freeze(self) -> RenderableType:
        return user_renderable(self.prompt)


class NoticeLine(Static):
    DEFAULT_CSS = """
    NoticeLine {
        height: auto;
        padding: 0 1;
        color: $text-muted;
        &.-error { color: $text-error; }
        &.-warning { color: $text-warning; }
    }
    """

    def __init__(self, body: RenderableType, level: str = "info") -> None:
        super().__init__(body, markup=False, classes=f"notice -{level}")
        self.body = body

    def freeze(self) -> RenderableType:
        return self.body


class Transcript(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;  /* the width never changes when the scrollbar appears: no re-measuring */
        & > FrozenLines { padding: 0 1; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Entry] = []
        self.evidence: dict[str, EvidenceData] = {}
        self._by_call: dict[str, Entry] = {}
        self._live: list[Entry] = []
        self.history = FrozenLines(id="history")
        self._released = False  # the user moved away from the bottom on purpose

    def compose(self) -> ComposeResult:
        yield self.history

    def grew(self) -> None:
        """Content was added: once it overflows, stick to the bottom (until the user scrolls away)."""
        self.call_after_refresh(self._maybe_anchor)

    def _maybe_anchor(self) -> None:
        if not self.is_anchored and not self._released and self.max_scroll_y > 0:
            self.anchor()

    def on_answer_view_grew(self) -> None:
        self.grew()

    # -- adding ------------------------------------------------------------------------------------

    def add(self, entry: Entry, *, frozen: bool = False, renderable: Item | None = None) -> Entry:
        self.entries.append(entry)
        if frozen or entry.widget is None:
            body = renderable if renderable is not None else self._freeze_of(entry)
            entry.frozen_index = self.history.append(body)
            entry.widget = None
            self.grew()
            return entry
        self._live.append(entry)
        self.mount(entry.widget)
        self._trim()
        self.grew()
        return entry

    def _freeze_of(self, entry: Entry) -> RenderableType:
        freeze = getattr(entry.widget, "freeze", None)
        return freeze() if callable(freeze) else Text(entry.label)

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

    def _trim(self) -> None:
        while len(self._live) > LIVE_MAX:
            oldest = self._live[0]
            if not self._settled(oldest):
                return
            self._live.pop(0)
            oldest.frozen_index = self.history.append(self._freeze_of(oldest))
            widget = oldest.widget
            oldest.widget = None
            if widget is not None:
                widget.remove()

    def live_count(self) -> int:
        return len(self._live)

    def add_user(self, prompt: str, turn: int, *, frozen: bool = False) -> Entry:
        label = safe.one_line(prompt, 80)
        if frozen:
            return self.add(
                Entry("user", None, turn=turn, label=label), frozen=True, renderable=user_renderable(prompt)
            )
        return self.add(Entry("user", UserMessage(prompt), turn=turn, label=label))

    def add_answer(self, text: str = "", *, frozen: bool = False) -> AnswerView | None:
        if frozen:
            from workbench.tui import render

            self.add(Entry("answer", None), frozen=True, renderable=partial(render.markdown, text))
            return None
        view = AnswerView(text)
        self.add(Entry("answer", view))
        return view

    def add_notice(self, body: RenderableType, level: str = "info", *, frozen: bool = False) -> None:
        if frozen:
            self.add(Entry("notice", None), frozen=True, renderable=body)
            return
        self.add(Entry("notice", NoticeLine(body, level)))

    def add_evidence(self, data: EvidenceData, *, frozen: bool = False) -> Entry:
        self.evidence[data.eid] = data
        entry = Entry("evidence", None if frozen else EvidenceCard(data), eid=data.eid)
        self._by_call[data.call_id] = entry
        if frozen:
            from workbench.tui.widgets.evidence import summary_line

            return self.add(entry, frozen=True, renderable=summary_line(data, False))
        return self.add(entry)

    def update_evidence(self, call_id: str, data: EvidenceData) -> bool:
        entry = self._by_call.get(call_id)
        if entry is None:
            return False
        self.evidence[data.eid] = data
        if isinstance(entry.widget, EvidenceCard):
            entry.widget.update_data(data)
            self._trim()
        return True

    def evidence_for_call(self, call_id: str) -> EvidenceData | None:
        entry = self._by_call.get(call_id)
        return self.evidence.get(entry.eid) if entry and entry.eid else None

    def add_approval(self, card: ApprovalCard) -> Entry:
        return self.add(Entry("approval", card))

    # -- navigation --------------------------------------------------------------------------------

    def reveal(self, entry: Entry) -> None:
        """Scroll an entry into view; a live card also takes focus."""
        self._released = True
        if self.is_anchored:
            self.release_anchor()
        if entry.widget is not None and entry.widget.is_mounted:
            self.scroll_to_widget(entry.widget, animate=False, top=True)
            if entry.widget.can_focus:
                entry.widget.focus()
        elif entry.frozen_index is not None:
            self.scroll_to(y=self.history.item_line(entry.frozen_index), animate=False)

    def evidence_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "evidence"]

    def turn_entries(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "user"]

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
        self.follow()

    def follow(self) -> None:
        """Back to following the conversation (after a new prompt)."""
        self._released = False
        if self.is_anchored:
            self.anchor()
        self.grew()
