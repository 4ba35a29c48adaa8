"""Grep without ripgrep: the same semantics in Python (line-oriented regex search, .gitignore respected).

Files come from `git ls-files -co --exclude-standard` in a git work tree, a small .gitignore walker
otherwise. Files with a NUL byte are skipped as binary, as rg does. Each file is decoded once and
rejected with one whole-text search before any line is looked at (most files do not match).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.globs import glob_matches
from workbench.core.secrets import is_secret_path
from workbench.core.tools.base import ToolError
from workbench.core.tools.walk import list_files

# File types for `type` (a subset of `rg --type-list`).
TYPES: dict[str, tuple[str, ...]] = {
    "c": ("*.c", "*.h"),
    "cpp": ("*.cpp", "*.cc", "*.cxx", "*.hpp", "*.hh", "*.hxx", "*.h", "*.inl"),
    "cs": ("*.cs",),
    "css": ("*.css", "*.scss"),
    "go": ("*.go",),
    "html": ("*.html", "*.htm"),
    "java": ("*.java",),
    "js": ("*.js", "*.mjs", "*.cjs", "*.jsx"),
    "json": ("*.json",),
    "kotlin": ("*.kt", "*.kts"),
    "lua": ("*.lua",),
    "md": ("*.md", "*.markdown", "*.mdx"),
    "markdown": ("*.md", "*.markdown", "*.mdx"),
    "php": ("*.php",),
    "py": ("*.py", "*.pyi"),
    "python": ("*.py", "*.pyi"),
    "rb": ("*.rb", "Gemfile", "*.gemspec"),
    "ruby": ("*.rb", "Gemfile", "*.gemspec"),
    "rust": ("*.rs",),
    "sh": ("*.sh", "*.bash", "*.zsh", ".bashrc", ".zshrc", ".profile"),
    "sql": ("*.sql",),
    "swift": ("*.swift",),
    "toml": ("*.toml",),
    "ts": ("*.ts", "*.tsx", "*.mts", "*.cts"),
    "typescript": ("*.ts", "*.tsx", "*.mts", "*.cts"),
    "txt": ("*.txt",),
    "xml": ("*.xml",),
    "yaml": ("*.yaml", "*.yml"),
}


@dataclass
class FileHits:
    """One file's result: matching line numbers, and the lines to print (match or context) with their text."""

    rel: str
    count: int = 0
    lines: list[tuple[int, bool, str]] = field(default_factory=list)  # (1-based number, is_match, text)


@dataclass(frozen=True)
class Query:
    pattern: str
    ignore_case: bool = False
    multiline: bool = False
    before: int = 0
    after: int = 0
    glob: str | None = None
    type: str | None = None
    want_lines: bool = True  # content mode needs the lines; files/count modes only the counts


def compile_query(q: Query) -> re.Pattern[str]:
    flags = re.MULTILINE
    if q.ignore_case:
        flags |= re.IGNORECASE
    if q.multiline:
        flags |= re.DOTALL
    try:
        return re.compile(q.pattern, flags)
    except re.error as exc:
        raise ToolError(f"invalid regular expression {q.pattern!r}: {exc}") from None


def type_globs(name: str) -> tuple[str, ...]:
    globs = TYPES.get(name)
    if globs is None:
        raise ToolError(f"unrecognized file type: {name} (known: {', '.join(sorted(TYPES))})")
    return globs


def candidate_files(root: Path, base: Path, q: Query, *, secrets_ok: bool) -> list[str]:
    """Workspace-relative files to search under `base` (a folder or a single file)."""
    if base.is_file():
        return [base.relative_to(root).as_posix()]
    files = list_files(root, base, use_rg=False)
    prefix = "" if base == root else base.relative_to(root).as_posix() + "/"
    globs = type_globs(q.type) if q.type else ()
    out = []
    for rel in files:
        if not secrets_ok and is_secret_path(rel):
            continue
        sub = rel[len(prefix) :] if prefix else rel
        if q.glob and not glob_filter(q.glob, sub):
            continue
        if globs and not any(glob_matches(g, sub) for g in globs):
            continue
        out.append(rel)
    return out


def glob_filter(pattern: str, sub: str) -> bool:
    """`glob` narrows the files searched (a leading '!' excludes); it never brings back ignored files."""
    if pattern.startswith("!"):
        return not glob_matches(pattern[1:], sub)
    return glob_matches(pattern, sub)


_META = frozenset(".^$*+?{}[]\\()")


def literals_of(q: Query) -> tuple[str, ...] | None:
    """The plain strings a pattern is made of (`foo`, `TODO|FIXME`), when it has no other regex syntax:
    a file containing none of them is skipped before it is decoded."""
    if q.multiline or not q.pattern or any(c in _META for c in q.pattern):
        return None
    parts = tuple(q.pattern.split("|"))
    return None if "" in parts else parts


def search_file(
    path: Path, rel: str, rx: re.Pattern[str], q: Query, literals: tuple[str, ...] | None = None
) -> FileHits | None:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if literals is not None and not q.ignore_case and not any(lit.encode() in data for lit in literals):
        return None  # the common case, decided without decoding
    if b"\x00" in data:
        return None
    text = data.decode("utf-8", errors="replace")
    if literals is not None and q.ignore_case:
        folded = text.casefold()
        if not any(lit.casefold() in folded for lit in literals):
            return None  # casefold never misses what re.IGNORECASE would match; the regex confirms below
    matched = _multiline_hits(text, rx) if q.multiline else _line_hits(text, rx)
    if not matched:
        return None
    hits = FileHits(rel, count=len(matched))
    if q.want_lines:
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        hits.lines = _with_context(lines, matched, q.before, q.after)
    return hits


def _line_hits(text: str, rx: re.Pattern[str]) -> list[int]:
    """0-based numbers of the lines with a match, as a line-by-line search would find them.

    The whole text is searched (one C-level scan skips the lines without a match); each candidate line is
    then confirmed on its own with pos/endpos, so a match running across a newline never counts.
    """
    found: list[int] = []
    end = len(text)
    pos = 0
    number = 0
    counted_to = 0
    while pos < end or (pos == end == 0):
        m = rx.search(text, pos)
        if m is None:
            break
        start = text.rfind("\n", 0, m.start()) + 1
        if start == end and end > 0:
            break  # the empty "line" after a final newline is not a line
        stop = text.find("\n", m.start())
        stop = end if stop == -1 else stop
        if rx.search(text, start, stop) is not None:
            number += text.count("\n", counted_to, start)
            counted_to = start
            found.append(number)
        pos = stop + 1
    return found


def _multiline_hits(text: str, rx: re.Pattern[str]) -> list[int]:
    found: set[int] = set()
    for m in rx.finditer(text):
        first = text.count("\n", 0, m.start())
        last = text.count("\n", 0, max(m.end() - 1, m.start()))
        found.update(range(first, last + 1))
    return sorted(found)


def _with_context(lines: list[str], matched: list[int], before: int, after: int) -> list[tuple[int, bool, str]]:
    is_match = set(matched)
    wanted: set[int] = set()
    for i in matched:
        wanted.update(range(max(0, i - before), min(len(lines), i + after + 1)))
    return [(i + 1, i in is_match, lines[i]) for i in sorted(wanted)]


def search_tree(root: Path, base: Path, q: Query, *, secrets_ok: bool) -> list[FileHits]:
    rx = compile_query(q)
    literals = literals_of(q)
    out = []
    for rel in candidate_files(root, base, q, secrets_ok=secrets_ok):
        hits = search_file(root / rel, rel, rx, q, literals)
        if hits is not None:
            out.append(hits)
    return out
