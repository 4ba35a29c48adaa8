"""Time until the explorer's tree is usable on the generated 100k-file repository.

    .venv/bin/python bench/repo_tree.py [--runs 9]

Two figures, each against `git ls-files -z` (the least any git-aware tree must run) timed in this process:
- the listing the tree needs: `list_files` + the folder index + the first level (`DirIndex.children("")`);
- the widget: a headless Textual app mounts `RepoExplorer` and the clock stops when the first level is
  laid out as tree lines (status decorations arrive later, in the same worker).
Target: tree usable < 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_common import describe, ensure_repo, timed  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import Vertical  # noqa: E402

from workbench.core.repo import DirIndex, list_files  # noqa: E402
from workbench.tui.widgets.explorer import RepoExplorer  # noqa: E402


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Vertical(id="host")


async def widget_ms(repo: Path) -> float:
    """Mount an explorer in a running app; milliseconds until its first level is laid out."""
    app = Host()
    async with app.run_test(size=(60, 40)) as pilot:
        started = time.perf_counter()
        explorer = RepoExplorer(repo, poll_seconds=None)
        await app.query_one("#host").mount(explorer)
        while not explorer.root.children:
            await asyncio.sleep(0.001)
        _ = explorer.last_line  # the tree lines are built
        elapsed = (time.perf_counter() - started) * 1000
        await app.workers.wait_for_complete()  # let the status call finish before the next run
        await pilot.pause()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    repo = ensure_repo()

    def peer() -> None:
        subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True)

    def listing() -> None:
        # What the explorer runs before its first frame; untracked files come with the status report.
        DirIndex(list_files(repo, include_untracked=False)).children("")

    files = len(list_files(repo, include_untracked=False).files)
    git_ms = timed(peer, args.runs)
    listing_ms = timed(listing, args.runs)
    widget = [asyncio.run(widget_ms(repo)) for _ in range(args.runs + 1)][1:]
    peer_median = statistics.median(git_ms)
    print(f"repo: {repo} ({files:,} tracked files)")
    print(f"git ls-files -z (subprocess):                 {describe(git_ms)}")
    print(
        f"listing + folder index + first level:         {describe(listing_ms)}"
        f"  = {statistics.median(listing_ms) / peer_median:.1f}x git ls-files"
    )
    print(
        f"RepoExplorer mounted -> first level on screen: {describe(widget)}"
        f"  = {statistics.median(widget) / peer_median:.1f}x git ls-files   (target < 300 ms)"
    )


if __name__ == "__main__":
    main()
