"""Words that name files: what a segment reads, stats or writes, and every path such a word can stand for.

A word is resolved the way bash would expand it before the command runs: `~` is the home folder, `{a,b}` and
`{1..3}` braces expand, `*`/`?`/`[...]` globs match files (in the folder the command runs in), and the result is
followed through symlinks (realpath). A word whose value depends on a variable or a substitution has no value
before it runs: it resolves to None, and the policy asks.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
from dataclasses import dataclass

from workbench.core.policy.shellwords import Word

GLOB_LIMIT = 500  # more matches than this are judged as unknown rather than checked one by one
BRACE_LIMIT = 100


@dataclass(frozen=True)
class PathUse:
    word: Word
    mode: str  # "read" | "write" | "stat" (names, sizes and types only)
    how: str = ""  # "--from-file" when the path is an option's value: shown in reasons


@dataclass(frozen=True)
class ResolvedPath:
    real: str  # absolute real path ("" when unknown)
    rel: str | None  # workspace-relative POSIX path, None when outside
    lexical_rel: str | None  # relative path as written (before symlinks), None when outside
    lexical: str = ""  # absolute path as written (before symlinks)


_RANGE = re.compile(r"^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$|^([A-Za-z])\.\.([A-Za-z])$")


def expand_braces(text: str, limit: int = BRACE_LIMIT) -> list[str] | None:
    """Bash brace expansion of an unquoted word's text: `{.e,x}nv` -> [".env", "xnv"]; None past `limit`."""
    out = [text]
    while True:
        grown: list[str] = []
        changed = False
        for item in out:
            parts = _first_brace(item)
            if parts is None:
                grown.append(item)
                continue
            changed = True
            head, choices, tail = parts
            grown.extend(head + choice + tail for choice in choices)
            if len(grown) > limit:
                return None
        out = grown
        if not changed:
            return out


def _first_brace(text: str) -> tuple[str, list[str], str] | None:
    """The first `{…}` that expands (a comma list or a range), as (before, choices, after)."""
    start = 0
    while True:
        open_at = text.find("{", start)
        if open_at == -1:
            return None
        depth = 0
        commas: list[int] = []
        for index in range(open_at, len(text)):
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    body = text[open_at + 1 : index]
                    choices = _choices(body, [c - open_at - 1 for c in commas])
                    if choices is not None:
                        return text[:open_at], choices, text[index + 1 :]
                    break
            elif char == "," and depth == 1:
                commas.append(index)
        start = open_at + 1


def _choices(body: str, commas: list[int]) -> list[str] | None:
    if commas:
        bounds = [-1, *commas, len(body)]
        return [body[a + 1 : b] for a, b in itertools.pairwise(bounds)]
    found = _RANGE.match(body)
    if found is None:
        return None
    if found.group(4):
        first, last = ord(found.group(4)), ord(found.group(5))
        step = 1 if last >= first else -1
        return [chr(c) for c in range(first, last + step, step)]  # at most 58 letters
    first, last = int(found.group(1)), int(found.group(2))
    step = abs(int(found.group(3) or 1)) or 1
    values = range(first, last + 1, step) if last >= first else range(first, last - 1, -step)
    return [str(v) for v in itertools.islice(values, BRACE_LIMIT + 1)]


def word_texts(word: Word) -> list[str] | None:
    """The texts a word turns into before globbing (brace expansion); None when unknown before it runs."""
    if word.value is None:
        return None
    if not word.glob or "{" not in word.value:
        return [word.value]
    if any(q in word.raw for q in "'\"\\$"):
        return None  # a quoted or escaped brace: too subtle to expand here, judged as unknown
    return expand_braces(word.value)


def resolve_word(word: Word, workspace: str, base: str = "", limit: int = GLOB_LIMIT) -> list[ResolvedPath] | None:
    """Every path a word can stand for (globs expanded in `base`, default the workspace); None when only known
    at run time."""
    texts = word_texts(word)
    if texts is None:
        return None
    home = os.path.expanduser("~")
    candidates: list[str] = []
    for text in texts:
        value = text
        if word.tilde and (value == "~" or value.startswith("~/")):
            value = home + value[1:]
        elif word.tilde and value.startswith("~"):
            candidates.append("")  # ~user: another user's home
            continue
        full = value if os.path.isabs(value) else os.path.join(base or workspace, value)
        if word.glob and any(c in value for c in "*?["):
            pattern = python_glob(full)
            if pattern is None:
                return None
            found = []
            for index, match in enumerate(glob.iglob(pattern)):
                if index >= limit:
                    return None
                found.append(match)
            candidates.extend(found or [full])
        else:
            candidates.append(full)
    out: list[ResolvedPath] = []
    for candidate in candidates:
        if not candidate:
            out.append(ResolvedPath("", None, None))
            continue
        lexical = os.path.normpath(candidate)
        real = os.path.realpath(candidate)
        out.append(ResolvedPath(real, inside(real, workspace), inside(lexical, workspace), lexical))
    return out


def glob_names(word: Word, base: str) -> list[str]:
    """The names a glob word matches in `base`, as the command would see them (for the flag check: a file
    named `-rf` turns `rm *` into `rm -rf`)."""
    texts = word_texts(word) or []
    out: list[str] = []
    for text in texts:
        pattern = python_glob(text)
        if os.path.isabs(text) or not any(c in text for c in "*?[") or pattern is None:
            continue
        out.extend(glob.glob(pattern, root_dir=base or None))
    return out


def python_glob(pattern: str) -> str | None:
    """A bash glob as Python's `glob` reads it (`[^a]` is bash's `[!a]`); None where the two would match
    differently and the pattern is too subtle to translate (POSIX classes such as `[[:alpha:]]`, backslashes)."""
    if "\\" in pattern:
        return None
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char != "[":
            out.append(char)
            index += 1
            continue
        start = index + 1
        if start < len(pattern) and pattern[start] in "!^":
            start += 1
        if start < len(pattern) and pattern[start] == "]":
            start += 1  # a `]` first in the class is a member
        close = pattern.find("]", start)
        if close == -1:  # no class: a literal `[`
            out.append(char)
            index += 1
            continue
        body = pattern[index + 1 : close]
        if any(mark in body for mark in ("[:", "[=", "[.")):
            return None
        out.append("[" + ("!" + body[1:] if body.startswith("^") else body) + "]")
        index = close + 1
    return "".join(out)


def inside(path: str, workspace: str) -> str | None:
    if path == workspace:
        return "."
    if path.startswith(workspace.rstrip("/") + "/"):
        return path[len(workspace.rstrip("/")) + 1 :]
    return None


def harmless_device(value: str | None) -> bool:
    return value in ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty")
