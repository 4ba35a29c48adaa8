"""Full-size views opened from the explorer: a file preview with its outline, and a file's git diff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static

from workbench.tui import safe

if TYPE_CHECKING:
    from workbench.tui.widgets.outline import SymbolOutline


class PreviewScreen(Screen[None]):
    """The file with highlighting on the left, its symbols on the right; Enter on a symbol jumps."""

    DEFAULT_CSS = """
    PreviewScreen {
        & > Horizontal { height: 1fr; }
        & FilePreview { width: 3fr; }
        & SymbolOutline { width: 1fr; min-width: 24; }
        & > .hint { height: 1; color: $text-muted; padding: 0 1; }
    }
    """
    BINDING_GROUP_TITLE = "Preview"
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="preview.close"),
        Binding("at", "mention", "Mention", id="preview.mention"),
    ]

    def __init__(
        self, root: Path, path: str, line: int | None = None, mention: Callable[[str], object] | None = None
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.line = line
        self.mention = mention  # puts `@path` in the prompt of the screen below

    def compose(self) -> ComposeResult:
        from workbench.tui.widgets.outline import SymbolOutline
        from workbench.tui.widgets.preview import FilePreview

        with Horizontal():
            yield FilePreview(self.root, id="preview")
            yield SymbolOutline(self.root, id="preview-outline")
        hint = f"{safe.one_line(self.path, 100)} · Esc back · @ mention · Enter on a symbol jumps"
        yield Static(hint, classes="hint", markup=False)

    def on_mount(self) -> None:
        self.call_after_refresh(self._load)

    def _load(self) -> None:
        from workbench.tui.widgets.outline import SymbolOutline
        from workbench.tui.widgets.preview import FilePreview

        preview = self.query_one(FilePreview)
        preview.show_file(self.path, self.line)
        preview.focus()
        self.query_one(SymbolOutline).show_file(self.path)

    def on_symbol_outline_jump_to_line(self, event: SymbolOutline.JumpToLine) -> None:
        from workbench.tui.widgets.preview import FilePreview

        preview = self.query_one(FilePreview)
        preview.show_file(event.path, event.line)
        preview.focus()

    def action_mention(self) -> None:
        self.app.pop_screen()
        if self.mention is not None:
            self.mention(self.path)


class DiffScreen(Screen[None]):
    """`git diff` of one file."""

    DEFAULT_CSS = """
    DiffScreen {
        & DiffView { height: 1fr; }
        & > .hint { height: 1; color: $text-muted; padding: 0 1; }
    }
    """
    BINDING_GROUP_TITLE = "Diff"
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="diff.close")]

    def __init__(self, root: Path, path: str) -> None:
        super().__init__()
        self.root = root
        self.path = path

    def compose(self) -> ComposeResult:
        from workbench.tui.widgets.preview import DiffView

        yield DiffView(self.root, id="diff")
        yield Static(f"diff of {safe.one_line(self.path, 100)} · Esc back", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.call_after_refresh(self._load)

    def _load(self) -> None:
        from workbench.tui.widgets.preview import DiffView

        view = self.query_one(DiffView)
        view.show_diff(self.path)
        view.focus()
