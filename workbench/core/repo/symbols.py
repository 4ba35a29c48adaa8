"""Symbol outlines from tree-sitter: top-level definitions and one level of nesting (classes -> methods).

Only the root's children (and one body below them) are walked; a whole-tree query costs ~40x more.
Grammars load on first use, so nothing pays for tree-sitter before the first frame. Outlines are cached
by language and content hash.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from workbench.core.repo.symbol_rules import Symbol, extract

CACHE_SIZE = 256
MAX_SYMBOL_BYTES = 1_500_000  # larger files get no outline (parsing runs ~8 MB/s and holds the GIL)

LANGUAGE_BY_SUFFIX: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".json": "json",
    ".toml": "toml",
}


def language_for(path: str) -> str | None:
    """The outline language of a file name, by suffix."""
    dot = path.rfind(".")
    return LANGUAGE_BY_SUFFIX.get(path[dot:].lower()) if dot >= 0 else None


def _load_language(name: str) -> Any:
    if name == "python":
        import tree_sitter_python as mod

        return mod.language()
    if name == "javascript":
        import tree_sitter_javascript as js

        return js.language()
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript as ts_mod

        return ts_mod.language_typescript() if name == "typescript" else ts_mod.language_tsx()
    if name == "go":
        import tree_sitter_go as go

        return go.language()
    if name == "rust":
        import tree_sitter_rust as rust

        return rust.language()
    if name == "java":
        import tree_sitter_java as java

        return java.language()
    if name == "json":
        import tree_sitter_json as json_mod

        return json_mod.language()
    if name == "toml":
        import tree_sitter_toml as toml_mod

        return toml_mod.language()
    raise ValueError(f"no outline grammar for {name}")


_languages: dict[str, Any] = {}
_lock = threading.Lock()
_cache: OrderedDict[tuple[str, str], tuple[Symbol, ...]] = OrderedDict()


def _parse(language: str, source: bytes) -> Any:
    import tree_sitter

    with _lock:
        lang = _languages.get(language)
        if lang is None:
            lang = tree_sitter.Language(_load_language(language))
            _languages[language] = lang
    return tree_sitter.Parser(lang).parse(source)


def outline(path: str, source: bytes, language: str | None = None) -> tuple[Symbol, ...]:
    """Top-level symbols of `source` (with their direct members), or () for unknown languages.

    Args:
        path: File name, used to pick the language when `language` is None.
        source: File bytes.
        language: One of the values of `LANGUAGE_BY_SUFFIX`.
    """
    language = language or language_for(path)
    if language is None or len(source) > MAX_SYMBOL_BYTES:
        return ()
    key = (language, hashlib.blake2b(source, digest_size=16).hexdigest())
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    tree = _parse(language, source)
    symbols = tuple(extract(language, tree.root_node))
    with _lock:
        _cache[key] = symbols
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return symbols


def flatten(symbols: tuple[Symbol, ...]) -> list[tuple[int, Symbol]]:
    """(depth, symbol) pairs in display order."""
    out: list[tuple[int, Symbol]] = []
    for sym in symbols:
        out.append((0, sym))
        out.extend((1, child) for child in sym.children)
    return out
