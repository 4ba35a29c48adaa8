"""Line-based frontmatter split (docs/personas.md, "Reading a file", step 3), stricter than Claude Code's regex.

Leading blank lines are skipped with a warning (Claude Code would see no frontmatter). The opener is `---`
(trailing spaces allowed); the closer is the next line that is `---` or `...`. Without a closer the whole file
is the body, and the file is an error for its tool grant (E_UNTERMINATED_FRONTMATTER): what it meant to grant
can't be known, so it gets no tool beyond the read-only set and can't start until the `---` is added. A later
`---` in the body is an ordinary Markdown rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.personas.model import Diagnostic, Severity

UNTERMINATED = "E_UNTERMINATED_FRONTMATTER"


@dataclass
class Split:
    frontmatter: str | None  # the YAML text, None when there is no frontmatter
    fm_first_line: int  # 1-based file line of the first YAML line
    body: str
    body_first_line: int  # 1-based file line where the body starts
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _is_fence(line: str, *marks: str) -> bool:
    return line.rstrip(" \t") in marks


def split_frontmatter(text: str) -> Split:
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _is_fence(lines[start], "---"):
        return Split(None, 0, text, 1)
    diags: list[Diagnostic] = []
    if start:
        diags.append(
            Diagnostic(
                "W_LEADING_BLANK",
                Severity.WARNING,
                f"{start} blank line(s) before the frontmatter: Claude Code would not see the frontmatter",
                1,
            )
        )
    for end in range(start + 1, len(lines)):
        if _is_fence(lines[end], "---", "..."):
            fm = "\n".join(lines[start + 1 : end])
            body = "\n".join(lines[end + 1 :])
            return Split(fm, start + 2, body, end + 2, diags)
    diags.append(
        Diagnostic(
            UNTERMINATED,
            Severity.ERROR,
            "frontmatter opened with '---' but never closed: its tool list can't be trusted, so it grants "
            "only the read-only tools and won't run until the closing '---' is added",
            start + 1,
        )
    )
    return Split(None, 0, text, 1, diags)
