"""Opening a large file in the preview: time to the first highlighted screenful, against honest floors.

    .venv/bin/python bench/repo_preview.py [--runs 7]

The file is ~1 MB of real Python (Textual's own sources concatenated) written to /tmp once. "Preview
open" is what `FilePreview` does before the first frame of the file: `load_preview` (read, cap, make
visible) and the highlighting of the first 120 lines (a file this size is never parsed whole: each
window is parsed with 200 lines of context above it). It is compared, in this process, with
- reading the file (`Path.read_text`): the floor any viewer pays;
- reading it and highlighting only the visible part with Pygments (the first 120 lines): what a viewer
  that highlights only what is on screen pays;
- Pygments on the whole file (what a naive viewer does), for scale.
Target: preview open <= 100 ms for any file.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_common import describe, timed  # noqa: E402

from workbench.core.repo import load_preview  # noqa: E402
from workbench.core.repo.highlight import Highlighter  # noqa: E402

BIG = Path("/tmp/workbench-bench-preview/big.py")


def ensure_file() -> Path:
    if BIG.exists():
        return BIG
    import textual

    sources = sorted(Path(textual.__file__).parent.rglob("*.py"))
    chunks: list[str] = []
    size = 0
    for path in sources:
        text = path.read_text(encoding="utf-8")
        chunks.append(text)
        size += len(text)
        if size > 1_000_000:
            break
    BIG.parent.mkdir(parents=True, exist_ok=True)
    BIG.write_text("\n".join(chunks), encoding="utf-8")
    return BIG


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    path = ensure_file()
    from pygments import highlight
    from pygments.formatters import TerminalTrueColorFormatter
    from pygments.lexers import PythonLexer

    def preview_open() -> None:
        preview = load_preview(path.parent, path.name)
        lines = preview.text.split("\n")
        Highlighter("python", lines).spans(0, 120)

    text = path.read_text(encoding="utf-8")

    def read_only() -> None:
        path.read_text(encoding="utf-8")

    def pygments_all() -> None:
        highlight(path.read_text(encoding="utf-8"), PythonLexer(), TerminalTrueColorFormatter())

    def pygments_visible() -> None:
        head = "\n".join(path.read_text(encoding="utf-8").split("\n")[:120])
        highlight(head, PythonLexer(), TerminalTrueColorFormatter())

    ours = timed(preview_open, args.runs)
    read = timed(read_only, args.runs)
    visible = timed(pygments_visible, args.runs)
    whole = timed(pygments_all, max(3, args.runs // 2))
    print(f"file: {path} ({path.stat().st_size / 1e6:.2f} MB, {text.count(chr(10)) + 1:,} lines)")
    print(f"preview open (read + parse + first screenful):  {describe(ours)}   (target <= 100 ms)")
    print(f"reading the file (floor):                       {describe(read)}")
    print(f"reading + Pygments on the visible 120 lines:    {describe(visible)}")
    print(f"reading + Pygments on the whole file (naive):   {describe(whole)}")
    mine = statistics.median(ours)
    print(
        f"ratios: preview / reading {mine / statistics.median(read):.1f}x; "
        f"preview / visible-only Pygments {mine / statistics.median(visible):.2f}x; "
        f"preview / whole-file Pygments {mine / statistics.median(whole):.3f}x"
    )


if __name__ == "__main__":
    main()
