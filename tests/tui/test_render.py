"""Model answers as Markdown: code fences keep their lines, blocks are one blank line apart, and an answer reads
the same live, frozen in the history and resumed."""

from __future__ import annotations

import itertools

from rich.console import Console

from workbench.tui.widgets.answer import answer_renderable, block_renderable, split_closed

ANSWER = """## Findings

The retry loop is unbounded.

```
+--------+      +-------------------------------------------------------------+
| charge | ---> | gateway, drawn on one line of ASCII that is wider than the pane |
+--------+      +-------------------------------------------------------------+
```

- one
- two

| a | b |
|---|---|
| 1 | 2 |

Done."""


def lines(renderable: object, width: int = 60) -> list[str]:
    console = Console(width=width, color_system=None)
    return ["".join(s.text for s in line).rstrip() for line in console.render_lines(renderable, pad=False)]


def live(text: str, width: int = 60) -> list[str]:
    blocks, _ = split_closed(text + "\n\n")
    return [line for block in blocks for line in lines(block_renderable(block), width)]


def test_code_fences_keep_their_lines_and_mark_the_cut() -> None:
    out = live(ANSWER)
    diagram = [line for line in out if "charge" in line or line.lstrip().startswith("+---")]
    assert len(diagram) == 3
    assert all(line.endswith("…") and len(line) <= 60 for line in diagram)


def test_blocks_are_one_blank_line_apart() -> None:
    out = live(ANSWER)
    assert all(not (a == b == "") for a, b in itertools.pairwise(out)), out
    assert out[0] == "Findings" and out[-2:] == ["Done.", ""]


def test_history_and_resume_show_the_answer_as_it_was_streamed() -> None:
    blocks, _ = split_closed(ANSWER + "\n\n")
    assert lines(answer_renderable(tuple(blocks))) == live(ANSWER)
