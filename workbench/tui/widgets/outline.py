"""The symbol outline of the previewed file (tree-sitter): classes, functions and their members with line
numbers; enter posts `SymbolOutline.JumpToLine`.

Symbol names come from untrusted files: they are made visible and rendered as `Text`, never markup.

Bindings: up/down move, enter jumps to the symbol's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from workbench.core.repo import visible_name
from workbench.tui.widgets.cursor_list import CursorList

if TYPE_CHECKING:  # the symbol parsers load with the first file shown, not before the first frame
    from workbench.core.repo import Symbol

READ_CAP = 1_500_000

KIND_LABEL: dict[str, str] = {
    "class": "class",
    "function": "def",
    "method": "def",
    "interface": "iface",
    "struct": "struct",
    "enum": "enum",
    "trait": "trait",
    "impl": "impl",
    "module": "mod",
    "type": "type",
    "const": "const",
    "variable": "var",
    "field": "field",
    "variant": "case",
    "macro": "macro",
    "key": "",
    "table": "",
}


def _title(path: str) -> Text:
    # A Text, never a str: a str border title is parsed as markup, and file names are untrusted.
    return Text(f"Outline  {visible_name(path.rsplit('/', 1)[-1])}", end="")


class SymbolOutline(CursorList):
    """Symbols of one file. `show_file(path)` reads and parses it in a worker; `set_symbols` shows given ones.
    The highlighted row is drawn in the cursor's colours only (its kind and line number read there too)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = OptionList.COMPONENT_CLASSES | {
        "outline--kind",
        "outline--line",
        "outline--name",
    }
    DEFAULT_CSS = """
    SymbolOutline {
        border: round $panel;
        border-title-color: $text;
        &:focus { border: round $accent; }
        & > .outline--kind { color: $foreground-muted; }
        & > .outline--line { color: $foreground-muted; }
        & > .outline--name { color: $foreground; }
        & > .option-list--option-disabled { color: $foreground; text-style: dim italic; }
    }
    """

    @dataclass
    class JumpToLine(Message):
        """Enter on a symbol. Handler: `on_symbol_outline_jump_to_line`."""

        outline: SymbolOutline
        path: str
        line: int  # 1-based

        @property
        def control(self) -> SymbolOutline:
            return self.outline

    @dataclass
    class Loaded(Message):
        """Symbols are on screen. Handler: `on_symbol_outline_loaded`."""

        outline: SymbolOutline
        path: str
        symbols: tuple[Symbol, ...]

        @property
        def control(self) -> SymbolOutline:
            return self.outline

    def __init__(
        self, root: Path, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.root = root
        self.path: str | None = None
        self.symbols: tuple[Symbol, ...] = ()
        self._rows: list[tuple[int, Symbol]] = []

    def on_mount(self) -> None:
        self.border_title = "Outline"
        self._show_message("No file selected.")

    def _show_message(self, message: str) -> None:
        self.clear_options()
        self._rows = []
        self.add_option(Option(Text(message, style="italic", end=""), disabled=True))

    def show_file(self, path: str) -> None:
        """Outline `path` (relative to the root); parsing runs in a worker."""
        from workbench.core.repo import language_for

        self.path = path
        self.border_title = _title(path)
        if language_for(path) is None:
            self.set_symbols(path, ())
            return
        self._load(path)

    @work(thread=True, group="outline-load", exit_on_error=False, description="outline")
    def _load(self, path: str) -> None:
        from workbench.core.repo import outline

        try:
            with (self.root / path).open("rb") as handle:
                data = handle.read(READ_CAP + 1)
        except OSError:
            data = b""
        if len(data) > READ_CAP:
            self.app.call_from_thread(self._loaded, path, (), "File too large for an outline.")
            return
        self.app.call_from_thread(self._loaded, path, outline(path, data), None)

    def _loaded(self, path: str, symbols: tuple[Symbol, ...], reason: str | None) -> None:
        if path == self.path:  # not a file the user has since moved away from
            self.set_symbols(path, symbols, reason)

    def set_symbols(self, path: str, symbols: tuple[Symbol, ...], reason: str | None = None) -> None:
        """Show `symbols` for `path` (`reason` explains an empty outline)."""
        from workbench.core.repo import flatten, language_for

        if not self.is_attached:  # a worker's result after the widget was removed
            return
        if path != self.path:
            self.path = path
            self.border_title = _title(path)
        self.symbols = symbols
        if not symbols:
            if reason is None:
                reason = "No symbols found." if language_for(path) else "No outline for this file type."
            self._show_message(reason)
        else:
            self.clear_options()
            self._rows = list(flatten(symbols))
            self.add_options([Option(self._row(depth, sym)) for depth, sym in self._rows])
            self.highlighted = 0
        self.post_message(self.Loaded(self, path, symbols))

    def plain_prompt(self, index: int, prompt: VisualType) -> VisualType | None:
        if 0 <= index < len(self._rows):
            return self._row(*self._rows[index], plain=True)
        return None

    def _row(self, depth: int, sym: Symbol, plain: bool = False) -> Table:
        def style(part: str) -> str | Style:
            return "" if plain else self.get_component_rich_style(part, partial=True)

        kind = KIND_LABEL.get(sym.kind, sym.kind)
        name = Text(" " * (depth * 2), end="", no_wrap=True, overflow="ellipsis")
        if kind:
            name.append(kind + " ", style=style("outline--kind"))
        name.append(visible_name(sym.name), style=style("outline--name"))
        grid = Table.grid(expand=True, padding=(0, 0, 0, 1))  # a cell between a long name and its line number
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row(name, Text(str(sym.line), style=style("outline--line"), end=""))
        return grid

    @on(OptionList.OptionSelected)
    def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        if self.path is not None and 0 <= index < len(self._rows):
            self.post_message(self.JumpToLine(self, self.path, self._rows[index][1].line))
