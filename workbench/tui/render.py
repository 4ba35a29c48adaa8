"""Rich renderables built from untrusted data: evidence summaries, diffs, code previews, markdown.

Every function cleans its input with `workbench.tui.safe` first. Pygments and markdown-it load lazily,
after the first frame.
"""

from __future__ import annotations

from functools import cache
from pathlib import PurePosixPath
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.text import Text

from workbench.tui import safe

PREVIEW_LINES = 12

_LEXERS = {
    ".py": "python",
    ".js": "javascript",
    ".ts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".sh": "bash",
    ".md": "markdown",
    ".json": "json",
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".html": "html",
    ".css": "css",
    ".c": "c",
    ".h": "c",
    ".cpp": "cpp",
    ".rb": "ruby",
}


def lexer_for(path: str | None) -> str | None:
    if not path:
        return None
    return _LEXERS.get(PurePosixPath(path).suffix.lower())


def code(body: str, lexer: str | None, *, theme: str = "ansi_dark") -> Text:
    """Highlighted code (cleaned first) as a plain Text: foreground colours only, so it sits on any theme."""
    cleaned = safe.clean(body)
    if not lexer:
        return Text(cleaned)
    from rich.syntax import Syntax

    text = Syntax(cleaned, lexer, theme=theme).highlight(cleaned)
    text.rstrip()
    return text


def diff(body: str) -> Text:
    """A unified diff coloured line by line (no Pygments needed)."""
    out = Text()
    lines = safe.clean(body).split("\n")
    for i, line in enumerate(lines):
        if line.startswith("+++") or line.startswith("---"):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        out.append(line, style=style)
        if i < len(lines) - 1:
            out.append("\n")
    return out


def markdown(body: str) -> RenderableType:
    """Model text as Markdown; the text is data, never console markup. Code fences never wrap (see `_markdown`),
    and the blank lines Rich puts before a list, a quote or a table are dropped: the answer spaces its blocks."""
    return Trimmed(_markdown()(safe.clean(body), code_theme="ansi_dark", hyperlinks=False))


class Trimmed:
    """A renderable without its leading and trailing blank lines."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        lines = console.render_lines(self.inner, options, pad=False)
        blank = ["".join(seg.text for seg in line).strip() == "" for line in lines]
        start = blank.index(False) if False in blank else len(lines)
        end = len(lines) - (blank[::-1].index(False) if False in blank else 0)
        for line in lines[start:end]:
            yield from line
            yield Segment.line()


@cache
def _markdown() -> type[Any]:
    """Rich's Markdown with code blocks that keep their lines: an ASCII diagram or a long command wrapped onto the
    next line reads as something else, so a line too wide is cut with `…` instead (the whole text is in the
    copy, ctrl+y). No blank lines inside the fence either: the answer already spaces its blocks."""
    from rich.markdown import CodeBlock, Markdown
    from rich.padding import Padding
    from rich.syntax import Syntax

    class FencedCode(CodeBlock):
        def __rich_console__(self, console: Any, options: Any) -> Any:
            code = str(self.text).rstrip()
            text = Syntax(code, self.lexer_name, theme=self.theme).highlight(code)
            text.rstrip()
            text.no_wrap = True
            text.overflow = "ellipsis"
            yield Padding(text, (0, 1))

    class WorkbenchMarkdown(Markdown):
        elements = {**Markdown.elements, "fence": FencedCode, "code_block": FencedCode}

    return WorkbenchMarkdown


def warm_up() -> None:
    """Import and exercise markdown-it and Pygments once, off the UI thread, so the first answer does not stall."""
    from rich.console import Console

    console = Console(width=80, file=None, record=False, force_terminal=False, color_system=None)
    with console.capture():
        console.print(markdown("# warm\n\n- a `b` **c**\n\n```python\ndef f(x):\n    return x\n```\n"))
        console.print(code("{}", "json"))


def head(body: str, lines: int = PREVIEW_LINES) -> tuple[str, int]:
    """The first `lines` lines of a body and how many lines were left out."""
    parts = body.split("\n")
    if len(parts) <= lines:
        return body, 0
    return "\n".join(parts[:lines]), len(parts) - lines


def pretty_input(value: dict[str, Any]) -> str:
    import json  # not needed before the first tool call

    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def target_of(tool: str, value: dict[str, Any]) -> str:
    """The most telling argument of a call, for one-line summaries."""
    for key in ("command", "file_path", "pattern", "path", "url", "query", "description", "prompt"):
        item = value.get(key)
        if isinstance(item, str) and item:
            if key == "pattern" and isinstance(value.get("path"), str):
                return f'"{item}" in {value["path"]}'
            return item
    return ""


def duration(ms: float) -> str:
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms / 60_000:.0f} min"


def tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"
