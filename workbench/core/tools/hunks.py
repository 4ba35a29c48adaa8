"""Per-hunk approval of an edit: the hunks of a change, and the file with only some of them applied.

Hunks are difflib's grouped opcodes with three lines of context, the same grouping `unified_diff` prints, so
hunk N here is the N-th `@@` block on the approval card. `split_diff` cuts that printed diff into the same
blocks for display.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

CONTEXT = 3


@dataclass(frozen=True)
class Hunk:
    number: int  # 1-based, as shown on the card
    header: str  # "@@ -3,7 +3,8 @@"
    text: str  # the hunk's lines as in a unified diff (" ", "-", "+")


def _groups(old: str, new: str) -> tuple[list[str], list[str], list[list[tuple[str, int, int, int, int]]]]:
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    return a, b, list(difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(CONTEXT))


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def hunks(old: str, new: str) -> list[Hunk]:
    a, b, groups = _groups(old, new)
    out: list[Hunk] = []
    for number, group in enumerate(groups, 1):
        header = f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@"
        lines: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [" " + line for line in a[i1:i2]]
                continue
            lines += ["-" + line for line in a[i1:i2]]
            lines += ["+" + line for line in b[j1:j2]]
        text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
        out.append(Hunk(number, header, text))
    return out


def apply_selected(old: str, new: str, accepted: Collection[int]) -> str:
    """`old` with only the accepted hunks (1-based numbers) of the change to `new` applied."""
    a, b, groups = _groups(old, new)
    result: list[str] = []
    pos = 0
    for number, group in enumerate(groups, 1):
        if number not in accepted:
            continue
        for tag, i1, i2, j1, j2 in group:
            if tag != "equal":
                result.extend(a[pos:i1])
                result.extend(b[j1:j2])
                pos = i2
    result.extend(a[pos:])
    return "".join(result)


def split_diff(diff: str) -> tuple[str, list[str]]:
    """A printed unified diff cut into its file header and its `@@` blocks."""
    head: list[str] = []
    blocks: list[list[str]] = []
    for line in diff.splitlines(keepends=True):
        if line.startswith("@@"):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            head.append(line)
    return "".join(head), ["".join(block) for block in blocks]


def describe(path: str, all_hunks: Sequence[Hunk], accepted: Collection[int]) -> str:
    """What the model is told after a partly approved edit: which hunks went in, and the rejected text."""
    applied = [h.number for h in all_hunks if h.number in accepted]
    rejected = [h for h in all_hunks if h.number not in accepted]
    total = len(all_hunks)
    lines = [
        f"The user approved only part of this change to {path}: "
        f"applied hunk(s) {', '.join(map(str, applied)) or 'none'} of {total}; "
        f"rejected hunk(s) {', '.join(str(h.number) for h in rejected)}. "
        "The rejected hunks were NOT written; the file has only the applied ones. Read the file before editing "
        "it again.",
    ]
    for hunk in rejected:
        lines.append(f"--- rejected hunk {hunk.number} of {total} ---")
        lines.append(hunk.header)
        lines.append(hunk.text.rstrip("\n"))
    return "\n".join(lines)
