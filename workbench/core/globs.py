"""Glob patterns, one set of semantics for the whole workbench: git's gitignore rules, through `pathspec`.

Three users, two dialects:

* ignore files (`.gitignore` for a folder git does not list) and permission rules (`Read(src/**)`,
  `Edit(/docs/*.md)`; Claude Code's Read/Edit rules follow the gitignore rules too) use gitignore patterns as
  they are: `gitignore_pattern(line)`. A pattern matches a path or any folder above it.
* the Glob and Grep tools' patterns and LS's ignore list are ripgrep `--glob` patterns: the same wildcards plus
  `{a,b}` alternatives, matched against one whole path (`tool_glob(pattern)`, `glob_matches(pattern, path)`).

What every user gets, whichever it is (tests/core/test_globs.py): `*` and `?` stop at `/`; `**` crosses folders
(`a/**/z` also matches `a/z`); a pattern without a `/` (a trailing one aside) matches at any depth, one with a
`/` is anchored at its base; `[abc]`, `[a-z]`, `[!a]` and `[^a]` as in git; `]` first in a class is a literal
(`[]a]`); `\\` escapes; an unclosed `[` is a literal. `{a,b}` is an alternative only in tool globs: gitignore has
no braces, so in an ignore file or a permission rule they are literal characters.

pathspec is a dependency rather than our own translator (there were three, and they disagreed on `[!…]`,
`[]…]` and `{a,b}`): bench/glob_bench.py measures both and ours was not faster where it matters.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from functools import lru_cache

import pathspec

_GITIGNORE = pathspec.lookup_pattern("gitignore")
MAX_ALTERNATIVES = 256  # `{a,b}{c,d}…` multiplies: a pattern past this is refused, not expanded


class GlobError(ValueError):
    pass


@lru_cache(maxsize=1024)
def gitignore_pattern(line: str) -> tuple[re.Pattern[str], bool] | None:
    """One line of an ignore file (or a permission rule's path): (regex, include), or None for a blank line or a
    comment. `include` is False for a `!` line. Use `regex.match(path)` on a path relative to the pattern's base,
    with a trailing `/` when the path is a folder (`build/` only matches folders)."""
    compiled = _GITIGNORE(line)
    if not isinstance(compiled, pathspec.RegexPattern) or compiled.include is None or compiled.regex is None:
        return None
    return compiled.regex, bool(compiled.include)


def expand_braces(pattern: str) -> list[str]:
    """`{a,b}` alternatives written out (nested ones too; `\\{` is a literal brace)."""
    out = deque([pattern])
    done: list[str] = []
    while out:
        current = out.popleft()
        span = _first_group(current)
        if span is None:
            done.append(current)
            continue
        start, end, options = span
        out.extend(current[:start] + option + current[end + 1 :] for option in options)
        if len(out) + len(done) > MAX_ALTERNATIVES:
            raise GlobError(f"too many alternatives in {pattern[:80]!r} (more than {MAX_ALTERNATIVES})")
    return sorted(set(done), key=done.index)


def _first_group(pattern: str) -> tuple[int, int, list[str]] | None:
    """The first `{...}` with a comma at its top level: (start, end, options); None when there is none. A brace
    group without a comma, or never closed, is literal text."""
    opened: list[tuple[int, list[int]]] = []  # (position of "{", positions of its top-level commas)
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            opened.append((index, []))
        elif char == "," and opened:
            opened[-1][1].append(index)
        elif char == "}" and opened:
            start, commas = opened.pop()
            if commas and not opened:
                cuts = [start, *commas, index]
                return start, index, [pattern[a + 1 : b] for a, b in itertools.pairwise(cuts)]
        index += 1
    return None


@lru_cache(maxsize=512)
def tool_glob(pattern: str) -> re.Pattern[str] | None:
    """A tool's glob as one regex over a whole relative path (`fullmatch`); None when it can match nothing."""
    bodies = []
    for option in expand_braces(pattern):
        # `#` and `!` mean something at the start of an ignore line, nothing at the start of a tool glob
        found = gitignore_pattern("\\" + option if option.startswith(("#", "!")) else option)
        if found is not None:
            bodies.append(_the_path_itself(found[0].pattern, pattern))
    if not bodies:
        return None
    return re.compile("|".join(f"(?:{body})" for body in bodies), re.DOTALL)


def _the_path_itself(body: str, pattern: str) -> str:
    """A gitignore regex also matches what is inside a matching folder (`x.py/y` for `*.py`); a tool glob names
    a path itself. pathspec writes its regexes in four shapes: end each at the path's end."""
    if body == ".":  # `*`, `**`, `**/*`: everything
        return ".*"
    if body.endswith("(?:/|$)"):  # a file or a folder named so
        return body[: -len("(?:/|$)")] + "$"
    if body.endswith("/?$"):  # `dir/*`: one level
        return body[: -len("/?$")] + "$"
    if body.endswith("/"):  # `dir/**`: everything inside
        return body + ".*"
    raise GlobError(f"cannot use the glob {pattern[:80]!r} (unexpected form {body!r}; is pathspec newer?)")


def glob_matches(pattern: str, rel: str) -> bool:
    """ripgrep `--glob` semantics over a relative POSIX path: a pattern without `/` matches the file name at any
    depth; one with `/` the whole path from the base. `{a,b}` alternatives."""
    regex = tool_glob(pattern)
    if regex is None:
        return False
    if "/" not in pattern:  # the regex allows any folders before the name: try the name alone, it is shorter
        rel = rel.rsplit("/", 1)[-1]
    return regex.match(rel) is not None
