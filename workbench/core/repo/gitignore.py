"""A small .gitignore matcher for folders that are not git repositories.

It covers what real ignore files use: `#` comments, `!` negation, a trailing `/` for folders only,
patterns anchored by a `/`, `*`, `?`, `[...]` classes and `**`. Patterns are read per folder, as git does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IgnoreRule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    base: str  # folder (relative POSIX path, "" at the root) whose ignore file holds the rule


def _translate(pattern: str) -> str:
    """Turn one gitignore glob into a regex body matched against a path relative to its folder."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                after = pattern[i + 2 : i + 3]
                if at_start and after == "/":
                    out.append("(?:.*/)?")
                    i += 3
                    continue
                if at_start and after == "":
                    out.append(".*")
                    i += 2
                    continue
                out.append("[^/]*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def parse_rules(text: str, base: str = "") -> list[IgnoreRule]:
    """Parse the text of one ignore file that lives in folder `base`."""
    rules: list[IgnoreRule] = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate or line.startswith("\\"):
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        prefix = "" if anchored else "(?:.*/)?"
        regex = re.compile(f"^{prefix}{body}(?:/.*)?$" if not dir_only else f"^{prefix}{body}$", re.DOTALL)
        rules.append(IgnoreRule(regex, negate, dir_only, base))
    return rules


class IgnoreMatcher:
    """Answers "is this path ignored?" for a walk that adds each folder's rules as it goes down."""

    def __init__(self, rules: list[IgnoreRule] | None = None) -> None:
        self.rules: list[IgnoreRule] = list(rules or [])

    def with_folder(self, root: Path, rel_dir: str) -> IgnoreMatcher:
        """A matcher that also knows the `.gitignore` of `rel_dir` (returns self when there is none)."""
        path = root / rel_dir / ".gitignore" if rel_dir else root / ".gitignore"
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return self
        extra = parse_rules(text, rel_dir)
        return IgnoreMatcher(self.rules + extra) if extra else self

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        """The last matching rule wins, as in git."""
        result = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.base:
                if not rel_path.startswith(rule.base + "/"):
                    continue
                sub = rel_path[len(rule.base) + 1 :]
            else:
                sub = rel_path
            if rule.regex.match(sub):
                result = not rule.negate
        return result
