"""Syntax highlighting of a line window with tree-sitter: only the lines on screen are queried.

Pygments would cost ~1.9 s per MB. Files up to `FULL_PARSE_CHARS` are parsed whole once (in a worker,
~8 MB/s) and each window is a cheap ranged query. Larger files are never parsed whole: each window
parses its own lines plus `CONTEXT` lines before them, so opening a huge file costs the same as a small
one (a construct opened far above the window, such as a long docstring, may be coloured wrongly there).

Spans carry capture names ("keyword", "string", "function.method", ...); the UI maps them to styles.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from workbench.core.repo.symbols import _load_language

HIGHLIGHT_BY_SUFFIX: dict[str, str] = {
    ".sh": "bash",
    ".bash": "bash",
    ".zsh": "bash",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".css": "css",
    ".html": "html",
    ".htm": "html",
    ".sql": "sql",
}
FULL_PARSE_CHARS = 200_000
CONTEXT = 200  # lines parsed above a window of a large file
LONG_LINE = 5_000  # a file with a longer line (minified code) is shown without colours


@dataclass(frozen=True)
class Span:
    start: int  # character column
    end: int  # character column (exclusive); -1 for "to the end of the line"
    name: str


def highlight_language(path: str) -> str | None:
    from workbench.core.repo.symbols import language_for

    language = language_for(path)
    if language is not None:
        return language
    dot = path.rfind(".")
    return HIGHLIGHT_BY_SUFFIX.get(path[dot:].lower()) if dot >= 0 else None


def _grammar(name: str) -> Any:
    if name in ("bash", "yaml", "css", "html", "sql"):
        import importlib

        return importlib.import_module(f"tree_sitter_{name}").language()
    return _load_language(name)


def _query_source(name: str) -> str:
    import importlib

    if name in ("typescript", "tsx"):
        import tree_sitter_javascript as js
        import tree_sitter_typescript as ts_mod

        return str(js.HIGHLIGHTS_QUERY) + "\n" + str(ts_mod.HIGHLIGHTS_QUERY)
    module = importlib.import_module(f"tree_sitter_{name}")
    return str(getattr(module, "HIGHLIGHTS_QUERY", "") or "")


_lock = threading.Lock()
_prepared: dict[str, tuple[Any, Any] | None] = {}


def _prepare(name: str) -> tuple[Any, Any] | None:
    """(Language, Query) for a highlight language, or None when it has no usable query."""
    with _lock:
        if name in _prepared:
            return _prepared[name]
        import tree_sitter

        try:
            language = tree_sitter.Language(_grammar(name))
            source = _query_source(name)
            prepared = (language, tree_sitter.Query(language, source)) if source else None
        except Exception:  # a grammar/query mismatch only costs the colours
            prepared = None
        _prepared[name] = prepared
        return prepared


class Highlighter:
    """Highlights of one text. Build it in a worker; `spans` for a window is cheap."""

    def __init__(self, language: str, lines: list[str]) -> None:
        self.lines = lines
        self._tree: Any = None
        self._query: Any = None
        self._language: Any = None
        self._lock = threading.Lock()
        prepared = _prepare(language)
        if prepared is None:
            return
        if any(len(line) > LONG_LINE for line in lines):
            return  # minified: one line would be parsed and styled on every screenful
        self._language, self._query = prepared
        self._whole = sum(len(line) + 1 for line in lines) <= FULL_PARSE_CHARS
        if self._whole:
            self._tree = self._parse(lines)

    def _parse(self, lines: list[str]) -> Any:
        import tree_sitter

        source = "\n".join(lines).encode("utf-8", "surrogatepass")
        return tree_sitter.Parser(self._language).parse(source)

    @property
    def active(self) -> bool:
        return self._query is not None

    def spans(self, start: int, end: int) -> dict[int, list[Span]]:
        """Spans of lines `start`..`end` (0-based, end exclusive), smaller spans last so they win."""
        if self._query is None:
            return {}
        import tree_sitter

        offset = 0
        tree = self._tree
        if tree is None:  # a large file: parse just this window and the lines above it
            offset = max(0, start - CONTEXT)
            tree = self._parse(self.lines[offset:end])
        cursor = tree_sitter.QueryCursor(self._query)
        cursor.set_point_range((start - offset, 0), (end - offset, 0))
        with self._lock:
            captures = cursor.captures(tree.root_node)
        out: dict[int, list[tuple[int, int, int, str]]] = {}
        for name, nodes in captures.items():
            for node in nodes:
                (r0, c0), (r1, c1) = node.start_point, node.end_point
                r0, r1 = r0 + offset, r1 + offset
                for row in range(max(r0, start), min(r1, end - 1) + 1):
                    b0 = c0 if row == r0 else 0
                    b1 = c1 if row == r1 else -1
                    length = (b1 if b1 >= 0 else 1 << 20) - b0
                    out.setdefault(row, []).append((length, b0, b1, name))
        result: dict[int, list[Span]] = {}
        for row, items in out.items():
            line = self.lines[row] if row < len(self.lines) else ""
            items.sort(key=lambda item: -item[0])
            result[row] = [Span(_col(line, b0), _col(line, b1) if b1 >= 0 else -1, n) for _, b0, b1, n in items]
        return result


def _col(line: str, byte_col: int) -> int:
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "ignore"))
