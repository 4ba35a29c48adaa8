"""A .gitignore matcher for folders that are not git repositories (git answers for the ones that are).

The patterns are git's own (workbench.core.globs): `#` comments, `!` negation, a trailing `/` for folders
only, patterns anchored by a `/`, `*`, `?`, `[...]` classes and `**`. Patterns are read per folder, as git does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workbench.core.datafile import read_regular
from workbench.core.globs import gitignore_pattern

MAX_IGNORE_BYTES = 4 * 1024 * 1024  # a bigger .gitignore is not read (its files then show)


@dataclass(frozen=True)
class IgnoreRule:
    regex: re.Pattern[str]  # over the path relative to `base`, with a trailing "/" for a folder
    negate: bool
    dir_only: bool  # `build/`: files never match it (skipped without a regex run)
    base: str  # "folder/" (relative POSIX path; "" at the root) whose ignore file holds the rule


def parse_rules(text: str, base: str = "") -> list[IgnoreRule]:
    """Parse the text of one ignore file that lives in folder `base`."""
    rules: list[IgnoreRule] = []
    prefix = f"{base}/" if base else ""
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        found = gitignore_pattern(line)
        if found is not None:
            regex, include = found
            rules.append(IgnoreRule(regex, not include, line.rstrip(" ").endswith("/"), prefix))
    return rules


class IgnoreMatcher:
    """Answers "is this path ignored?" for a walk that adds each folder's rules as it goes down."""

    def __init__(self, rules: list[IgnoreRule] | None = None) -> None:
        self.rules: list[IgnoreRule] = list(rules or [])

    def with_folder(self, root: Path, rel_dir: str) -> IgnoreMatcher:
        """A matcher that also knows the `.gitignore` of `rel_dir` (returns self when there is none)."""
        path = root / rel_dir / ".gitignore" if rel_dir else root / ".gitignore"
        data = read_regular(path, MAX_IGNORE_BYTES, follow=False)  # as git: no links, no pipes, no /dev/zero
        if data is None or len(data) > MAX_IGNORE_BYTES:
            return self
        extra = parse_rules(data.decode("utf-8", errors="replace"), rel_dir)
        return IgnoreMatcher(self.rules + extra) if extra else self

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        """The last matching rule wins, as in git."""
        path = rel_path + "/" if is_dir else rel_path
        result = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.base:
                if not path.startswith(rule.base):
                    continue
                sub = path[len(rule.base) :]
            else:
                sub = path
            if rule.regex.match(sub):
                result = not rule.negate
        return result
