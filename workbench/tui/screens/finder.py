"""The fuzzy file finder: a modal over every file of the workspace.

Typing filters by fuzzy match (matched characters highlighted); enter opens the file, `@` mentions it in
the prompt. Dismisses with a `FinderResult` or None.

Bindings:

| Key | Action |
|---|---|
| up / down | Move through the results |
| enter | Open the highlighted file |
| @ | Mention the highlighted file |
| escape | Close |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from workbench.core.repo import FuzzyIndex, Match, RepoError, list_files, visible_name

RESULT_LIMIT = 50


@dataclass(frozen=True)
class FinderResult:
    path: str  # relative POSIX path from the root
    action: Literal["open", "mention"]


class FileFinder(ModalScreen[FinderResult | None]):
    """Fuzzy-find a file. Give `paths` when the caller already has the list; otherwise it is read in a worker."""

    BINDING_GROUP_TITLE = "Find file"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_finder", "Close", id="finder.close"),
        Binding("down", "move(1)", "Next", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", show=False, priority=True),
        Binding("pagedown", "move(10)", "Page down", show=False, priority=True),
        Binding("pageup", "move(-10)", "Page up", show=False, priority=True),
        Binding("at", "choose('mention')", "Mention", priority=True, id="finder.mention"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"finder--match"}
    DEFAULT_CSS = """
    FileFinder {
        align: center top;
        background: $background 60%;
        & > #finder {
            width: 90%;
            max-width: 110;
            height: auto;
            max-height: 80%;
            margin-top: 2;
            border: round $accent;
            border-title-color: $text;
            background: $surface;
        }
        & #finder-input, & #finder-input:focus { border: none; height: 1; padding: 0 1; }
        & #finder-count { color: $text-muted; padding: 0 1; height: 1; }
        & OptionList { border: none; height: auto; max-height: 24; }
        & > .finder--match { color: $text-accent; text-style: bold underline; }
    }
    """

    def __init__(self, root: Path, paths: Sequence[str] | None = None, query: str = "") -> None:
        super().__init__()
        self.root = root
        self.initial_query = query
        self.index: FuzzyIndex | None = None
        self.results: list[Match] = []
        self._paths = paths
        self._wanted: str | None = None
        self._searched: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="finder") as box:
            box.border_title = "Find file"
            yield Input(self.initial_query, placeholder="Type to find a file…", id="finder-input")
            yield Static(Text("reading the file list…", end=""), id="finder-count")
            yield OptionList(id="finder-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._build(self._paths)

    @work(thread=True, exclusive=True, group="finder-index", exit_on_error=False, description="index files")
    def _build(self, paths: Sequence[str] | None) -> None:
        error = None
        if paths is None:
            try:
                paths = list_files(self.root).files
            except RepoError as exc:
                paths, error = (), str(exc)
        index = FuzzyIndex(list(paths))
        self.app.call_from_thread(self._ready, index, error)

    def _ready(self, index: FuzzyIndex, error: str | None) -> None:
        if not self.is_attached:  # dismissed while the list was being read
            return
        self.index = index
        if error:
            self.query_one("#finder-count", Static).update(Text(error, end=""))
            return
        self._search(self.query_one(Input).value)

    @on(Input.Changed, "#finder-input")
    def _query_changed(self, event: Input.Changed) -> None:
        # Keystrokes already queued (fast typing, a paste) are handled before the search runs, so
        # only the latest query is searched.
        event.stop()
        self._wanted = event.value
        self.call_later(self._search_wanted)

    def _search_wanted(self) -> None:
        if self._wanted is not None and self._wanted != self._searched:
            self._search(self._wanted)

    @on(Input.Submitted, "#finder-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose("open")

    @on(OptionList.OptionSelected, "#finder-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose("open")

    def _search(self, query: str) -> None:
        if self.index is None:
            return
        self._searched = query
        self.results = self.index.search(query, RESULT_LIMIT)
        results = self.query_one("#finder-results", OptionList)
        results.clear_options()
        style = self.get_component_rich_style("finder--match", partial=True)
        results.add_options([Option(_highlighted(m, style)) for m in self.results])
        if self.results:
            results.highlighted = 0
        total = len(self.index)
        shown = len(self.results)
        label = f"{shown} of {total:,} files" if query.strip() else f"{total:,} files"
        if query.strip() and not shown:
            label = f"no match in {total:,} files"
        self.query_one("#finder-count", Static).update(Text(label, end=""))

    def action_move(self, delta: int) -> None:
        self._search_wanted()  # a key typed just before counts
        results = self.query_one("#finder-results", OptionList)
        if not self.results:
            return
        current = results.highlighted if results.highlighted is not None else 0
        results.highlighted = max(0, min(len(self.results) - 1, current + delta))

    def action_choose(self, action: Literal["open", "mention"]) -> None:
        self._search_wanted()
        results = self.query_one("#finder-results", OptionList)
        index = results.highlighted
        if index is None or not (0 <= index < len(self.results)):
            return
        self.dismiss(FinderResult(self.results[index].path, action))

    def action_dismiss_finder(self) -> None:
        self.dismiss(None)


def _highlighted(match: Match, style: Style) -> Text:
    """The path made visible, with matched characters styled (positions survive: one char per char)."""
    text = Text(visible_name(match.path), no_wrap=True, overflow="ellipsis", end="")
    if len(text.plain) == len(match.path):
        for pos in match.positions:
            text.stylize(style, pos, pos + 1)
    return text
