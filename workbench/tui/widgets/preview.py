"""File preview and diff view: line-virtualised, read-only, only the visible lines are styled.

`FilePreview` highlights with tree-sitter: the parse runs in a worker, and each screenful queries just its
own lines, so a 1 MB file opens as fast as a small one. `DiffView` colours a unified diff by line kind.
All text is untrusted: it arrives through `visible_text` (no escapes, no bidi controls) and is rendered
as `Text`, never as markup.

Bindings (both widgets):

| Key | Action |
|---|---|
| up / down | Move the line cursor |
| pageup / pagedown | Move a page |
| home / end | First / last line |
| left / right | Scroll sideways |
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.theme import Theme

from workbench.core.repo import RepoError, file_diff, load_preview, visible_name, visible_text
from workbench.core.repo.highlight import Highlighter, Span, highlight_language
from workbench.tui.theming import LEGIBLE, legible, theme_backgrounds

TAB = 4
MAX_COLUMNS = 4000  # wider lines are cut when drawn (the text itself is kept)
WINDOW = 120  # lines highlighted per query


class LineView(ScrollView, can_focus=True):
    """Read-only lines with a gutter and a line cursor; subclasses style each line."""

    BINDING_GROUP_TITLE = "File view"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First line", show=False),
        Binding("end", "edge(1)", "Last line", show=False),
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"lineview--gutter", "lineview--cursor", "lineview--empty"}

    DEFAULT_CSS = """
    LineView {
        background: $surface;
        & > .lineview--gutter { text-style: dim; }
        & > .lineview--cursor { background: $boost; }
        & > .lineview--empty { text-style: dim italic; }
    }
    """

    cursor_line: reactive[int] = reactive(0, init=False)
    """0-based index of the highlighted line."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.lines: list[str] = []
        self.empty_message = ""
        self._width = 0
        self._cache: LRUCache[tuple[int, int, int, bool], Strip] = LRUCache(512)
        self._jumped = False  # a jump target stays marked without focus

    def set_lines(self, lines: list[str], empty_message: str = "") -> None:
        """Replace the content (already made visible with `visible_text`)."""
        self.lines = lines
        self.empty_message = empty_message
        self._width = min(MAX_COLUMNS, max((len(line.expandtabs(TAB)) for line in lines), default=0))
        self._cache.clear()
        self._jumped = False
        self.set_reactive(LineView.cursor_line, 0)
        self.virtual_size = Size(self._width + self.gutter_width + 1, len(lines))
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    show_gutter: ClassVar[bool] = True
    """Whether line numbers are drawn."""

    @property
    def gutter_width(self) -> int:
        return len(str(len(self.lines))) + 2 if self.lines and self.show_gutter else 0

    def style_line(self, index: int, line: str) -> Text:
        """The styled text of one line; override to colour it."""
        return Text(line, no_wrap=True)

    def invalidate(self) -> None:
        """Forget rendered lines (after styles change)."""
        self._cache.clear()
        self.refresh()

    def watch_cursor_line(self, old: int, new: int) -> None:
        self.refresh()

    def jump_to_line(self, line: int) -> None:
        """Put the cursor on 1-based `line` and scroll it to the middle of the view."""
        if not self.lines:
            return
        index = max(0, min(line - 1, len(self.lines) - 1))
        self._jumped = True
        self._cache.clear()
        self.cursor_line = index
        self.scroll_to(y=max(0, index - self.size.height // 2), animate=False)

    def _follow_cursor(self) -> None:
        top = int(self.scroll_y)
        height = max(1, self.size.height)
        if self.cursor_line < top:
            self.scroll_to(y=self.cursor_line, animate=False)
        elif self.cursor_line >= top + height:
            self.scroll_to(y=self.cursor_line - height + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.lines:
            self.cursor_line = max(0, min(len(self.lines) - 1, self.cursor_line + delta))
            self._follow_cursor()

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 1))

    def action_edge(self, end: int) -> None:
        if self.lines:
            self.cursor_line = len(self.lines) - 1 if end else 0
            self._follow_cursor()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = int(self.scroll_y) + y
        if not self.lines:
            if y == 0 and self.empty_message:
                style = self.get_component_rich_style("lineview--empty")
                return Strip([Segment(self.empty_message[:width], style)]).extend_cell_length(width)
            return Strip.blank(width, self.rich_style)
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        scroll_x = int(self.scroll_x)
        is_cursor = index == self.cursor_line and (self.has_focus or self._jumped)
        key = (index, scroll_x, width, is_cursor)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._render_text_line(index, scroll_x, width, is_cursor)
        self._cache[key] = strip
        return strip

    def _render_text_line(self, index: int, scroll_x: int, width: int, is_cursor: bool) -> Strip:
        gutter = self.gutter_width
        base = self.rich_style
        if is_cursor:
            base = base + self.get_component_rich_style("lineview--cursor")
        line = self.lines[index]
        text = self.style_line(index, line[: MAX_COLUMNS + 1])
        text.expand_tabs(TAB)
        text.truncate(scroll_x + max(0, width - gutter))
        segments = list(text.render(self.app.console))
        body = Strip(segments).crop(scroll_x, scroll_x + max(0, width - gutter))
        body = body.apply_style(base)
        if gutter:
            number = f"{index + 1:>{gutter - 1}} "
            gutter_style = base + self.get_component_rich_style("lineview--gutter")
            body = Strip.join([Strip([Segment(number, gutter_style)]), body])
        strip = body
        return strip.extend_cell_length(width, base)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = int(self.scroll_y) + offset.y
        if 0 <= index < len(self.lines):
            self.cursor_line = index

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()


def _plain(text: str) -> Text:
    """A border title from untrusted text: a `Text`, because a str title is parsed as markup."""
    return Text(text, end="")


def _syntax_styles(theme: Theme) -> dict[str, Style]:
    """The highlight styles for `theme`, each colour made legible on its backgrounds at every colour depth."""
    return dict(_legible_syntax(theme.dark, tuple(bg.hex for bg in theme_backgrounds(theme))))


@lru_cache(maxsize=8)
def _legible_syntax(dark: bool, backgrounds: tuple[str, ...]) -> tuple[tuple[str, Style], ...]:
    from textual.widgets.text_area import TextAreaTheme

    theme = TextAreaTheme.get_builtin_theme("vscode_dark" if dark else "github_light")
    on = [Color.parse(bg) for bg in backgrounds]
    out = []
    for name, style in theme.syntax_styles.items() if theme is not None else ():
        if style.color is not None and not style.color.is_default:
            rgb = style.color.get_truecolor()
            shown = legible(Color(rgb.red, rgb.green, rgb.blue), on, LEGIBLE)  # no margin: the preview is flat
            style = style + Style(color=shown.rich_color)
        out.append((name, style))
    return tuple(out)


def _style_for(styles: dict[str, Style], name: str) -> Style | None:
    while name:
        style = styles.get(name)
        if style is not None:
            return style
        cut = name.rfind(".")
        name = name[:cut] if cut > 0 else ""
    return None


@dataclass(frozen=True)
class _Loaded:
    path: str
    lines: list[str]
    notice: str | None
    highlighter: Highlighter | None


class FilePreview(LineView):
    """A file with syntax highlighting of the visible lines, a size cap and a notice for binary files.

    Call `show_file(path)`; the file is read and parsed in a worker, then `FilePreview.Loaded` is posted.
    """

    DEFAULT_CSS = """
    FilePreview {
        border: round $panel;
        border-title-color: $text;
        border-subtitle-color: $warning;
        &:focus { border: round $accent; }
    }
    """

    @dataclass
    class Loaded(Message):
        """Posted when a file is on screen. Handler: `on_file_preview_loaded`."""

        preview: FilePreview
        path: str

        @property
        def control(self) -> FilePreview:
            return self.preview

    def __init__(
        self, root: Path, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.root = root
        self.path: str | None = None
        self._highlighter: Highlighter | None = None
        self._spans: dict[int, list[Span]] = {}
        self._windows: set[int] = set()
        self._styles: dict[str, Style] = {}
        self._pending_line: int | None = None
        self._shown: str | None = None  # the path whose text is on screen

    def on_mount(self) -> None:
        self.border_title = "Preview"
        self.set_lines([], "Select a file to preview it.")
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: object) -> None:
        if self._highlighter is not None:
            self._styles = _syntax_styles(self.app.current_theme)
            self.invalidate()

    def show_file(self, path: str, line: int | None = None) -> None:
        """Load `path` (relative to the root) in a worker; `line` (1-based) is jumped to once loaded.

        When `path` is already on screen, only the jump happens.
        """
        if path == self.path and path == self._shown and line is not None:
            self.jump_to_line(line)
            return
        self.path = path
        self._pending_line = line
        self.border_title = _plain(visible_name(path))
        self._load(path)

    def reload(self) -> None:
        """Read the shown file again (it may have changed), keeping the cursor line."""
        if self.path is not None:
            line = self.cursor_line + 1
            self._shown = None
            self.show_file(self.path, line)

    @work(thread=True, group="preview-load", exit_on_error=False)
    def _load(self, path: str) -> None:
        preview = load_preview(self.root, path)
        lines = preview.text.split("\n") if preview.text else []
        if lines and lines[-1] == "" and len(lines) > 1:
            lines.pop()
        language = highlight_language(path)
        highlighter = Highlighter(language, lines) if language and lines else None
        loaded = _Loaded(path, lines, preview.notice, highlighter if highlighter and highlighter.active else None)
        self.app.call_from_thread(self._apply, loaded)

    def _apply(self, loaded: _Loaded) -> None:
        if loaded.path != self.path or not self.is_attached:  # stale, or the widget is gone
            return
        self._highlighter = loaded.highlighter
        self._shown = loaded.path
        self._spans = {}
        self._windows = set()
        self._styles = _syntax_styles(self.app.current_theme) if loaded.highlighter else {}
        empty = loaded.notice or "(empty file)"
        self.set_lines(loaded.lines, empty)
        self.border_subtitle = _plain(visible_text(loaded.notice or ""))
        if self._pending_line is not None:
            line, self._pending_line = self._pending_line, None
            self.jump_to_line(line)  # the cursor now; the scroll again once the new size is laid out
            self.call_after_refresh(self.jump_to_line, line)
        self.post_message(self.Loaded(self, loaded.path))

    def style_line(self, index: int, line: str) -> Text:
        text = Text(line, no_wrap=True)
        if self._highlighter is None:
            return text
        window = index // WINDOW
        if window not in self._windows:
            self._windows.add(window)
            self._spans.update(self._highlighter.spans(window * WINDOW, (window + 1) * WINDOW))
        for span in self._spans.get(index, ()):
            style = _style_for(self._styles, span.name)
            if style is not None:
                text.stylize(style, span.start, len(line) if span.end < 0 else span.end)
        return text


class DiffView(LineView):
    """A unified diff, coloured by line kind. `show_diff(path)` runs git in a worker; `set_diff` shows text."""

    show_gutter: ClassVar[bool] = False

    COMPONENT_CLASSES: ClassVar[set[str]] = LineView.COMPONENT_CLASSES | {
        "diffview--added",
        "diffview--removed",
        "diffview--hunk",
        "diffview--header",
    }
    DEFAULT_CSS = """
    DiffView {
        border: round $panel;
        &:focus { border: round $accent; }
        & > .diffview--added { color: $text-success; background: $success-muted; }
        & > .diffview--removed { color: $text-error; background: $error-muted; }
        & > .diffview--hunk { color: $text-accent; }
        & > .diffview--header { text-style: bold dim; }
    }
    """

    def __init__(
        self, root: Path, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.root = root
        self.path: str | None = None

    def on_mount(self) -> None:
        if self.border_title is None:
            self.border_title = "Diff"

    def set_diff(self, diff: str, title: str = "Diff") -> None:
        """Show diff text (untrusted: it is made visible first)."""
        lines = visible_text(diff).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.border_title = _plain(visible_name(title))
        self.set_lines(lines, "No changes.")

    def show_diff(self, path: str) -> None:
        """Show the diff of `path` (relative to the root) against HEAD; untracked files show as added."""
        self.path = path
        self.border_title = _plain(f"Diff {visible_name(path)}")
        self._load(path)

    @work(thread=True, group="diff-load", exit_on_error=False)
    def _load(self, path: str) -> None:
        try:
            text = file_diff(self.root, path)
            error = None
        except RepoError as exc:
            text, error = "", str(exc)
        self.app.call_from_thread(self._apply, path, text, error)

    def _apply(self, path: str, text: str, error: str | None) -> None:
        if path != self.path or not self.is_attached:
            return
        self.set_diff(text, f"Diff {path}")
        if error:
            self.set_lines([], error)

    def style_line(self, index: int, line: str) -> Text:
        kind = ""
        if line.startswith(("+++", "---", "diff ", "index ", "new file", "deleted file", "similarity", "rename ")):
            kind = "diffview--header"
        elif line.startswith("+"):
            kind = "diffview--added"
        elif line.startswith("-"):
            kind = "diffview--removed"
        elif line.startswith("@@"):
            kind = "diffview--hunk"
        text = Text(line, no_wrap=True, end="")
        if kind:
            # A span, not the Text's base style: `Text.render` ignores the base style.
            text.stylize(self.get_component_rich_style(kind))
        return text
