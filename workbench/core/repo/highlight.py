"""Syntax highlighting of a line window with tree-sitter: parse once (in a worker), query only the lines
on screen. Pygments would cost ~1.9 s per MB; a parse runs ~8 MB/s and a windowed query is near free.

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
MAX_HIGHLIGHT_BYTES = 8_000_000


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
        prepared = _prepare(language)
        if prepared is None:
            return
        source = "\n".join(lines).encode("utf-8", "surrogatepass")
        if len(source) > MAX_HIGHLIGHT_BYTES:
            return
        import tree_sitter

        lang, self._query = prepared
        self._tree = tree_sitter.Parser(lang).parse(source)
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        return self._tree is not None

    def spans(self, start: int, end: int) -> dict[int, list[Span]]:
        """Spans of lines `start`..`end` (0-based, end exclusive), smaller spans last so they win."""
        if self._tree is None:
            return {}
        import tree_sitter

        cursor = tree_sitter.QueryCursor(self._query)
        cursor.set_point_range((start, 0), (end, 0))
        with self._lock:
            captures = cursor.captures(self._tree.root_node)
        out: dict[int, list[tuple[int, int, int, str]]] = {}
        for name, nodes in captures.items():
            for node in nodes:
                (r0, c0), (r1, c1) = node.start_point, node.end_point
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
