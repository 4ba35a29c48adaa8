"""Git status decorations vs plain `git status --porcelain`, on the generated 100k-file repository.

    .venv/bin/python bench/repo_status.py [--runs 15]

Both run in this process, interleaved. "decorations" is everything the explorer needs for its letters:
`git_status()` (hardened porcelain v2 through a plain subprocess, parsed, after one `git config` read of the
repository's drivers) plus the folder roll-up.
The peer is `subprocess.run(["git", "status", "--porcelain"])` with the output read but not parsed.
Target: ratio <= 1.5x. GitPython's object-level calls are timed too, for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_common import describe, ensure_repo  # noqa: E402

from workbench.core.repo import git_status  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    repo = ensure_repo()

    def decorations() -> None:
        report = git_status(repo)
        report.dir_status("")

    def peer() -> None:
        subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, check=True)

    decorations()  # warm the page cache once, outside the timing
    peer()
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.runs):
        for fn, out in ((decorations, ours), (peer, theirs)):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
    pairs = [a / b for a, b in zip(ours, theirs, strict=True)]
    report = git_status(repo)
    print(f"repo: {repo} ({report.changed_count} changed entries, branch {report.branch})")
    print(f"status decorations (git_status + folder roll-up): {describe(ours)}")
    print(f"git status --porcelain (subprocess):             {describe(theirs)}")
    print(
        f"ratio of medians: {statistics.median(ours) / statistics.median(theirs):.2f}x   "
        f"median of paired ratios: {statistics.median(pairs):.2f}x   (target <= 1.5x)"
    )
    import git

    gp = git.Repo(repo)
    started = time.perf_counter()
    gp.is_dirty(untracked_files=True)
    gp.index.diff(None)
    _ = gp.untracked_files
    elapsed = (time.perf_counter() - started) * 1000
    print(f"for comparison, GitPython is_dirty + index.diff + untracked_files: {elapsed:.1f} ms")


if __name__ == "__main__":
    main()
