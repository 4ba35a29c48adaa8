"""Checkpoint cost vs `git status --porcelain`, and store growth over 100 turns, on the generated 100k-file repo.

    .venv/bin/python bench/checkpoint_bench.py [--runs 15] [--turns 100]

Works on a private copy of the bench repository (made once, beside it), so the other repo benches keep their
tree. Each run changes 50 files (a line appended to each), then times a checkpoint (ls-files against the
private index, hashing only what changed, write-tree, commit-tree, update-ref) and the peer, a plain
`git status --porcelain` of the user's repository, in alternating order. Target: ratio of medians <= 1.5x.
The first checkpoint starts from the repository's index (a plain folder's would hash every file); it is timed
once and printed apart.
Growth: 100 turns of 50 changed files, two checkpoints per turn (before the turn, after its call), the
store's disk use before and after the loose objects are packed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_common import REPO, describe, ensure_repo  # noqa: E402

from workbench.core.checkpoint import prune, snapshot  # noqa: E402
from workbench.core.checkpoint.gitstore import GitStore  # noqa: E402

COPY = REPO.with_name(REPO.name + "-checkpoint")
MAX_FILE = 50 * 1024 * 1024


def ensure_copy() -> Path:
    ensure_repo()
    if (COPY / ".git" / "bench-copy-ready").exists():
        return COPY
    shutil.rmtree(COPY, ignore_errors=True)
    subprocess.run(["cp", "-a", str(REPO), str(COPY)], check=True)
    subprocess.run(["git", "status", "--porcelain"], cwd=COPY, capture_output=True, check=True)
    (COPY / ".git" / "bench-copy-ready").write_text("ok\n")
    return COPY


def tracked_files(repo: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    return [p for p in out.decode().split("\0") if p and (repo / p).is_file()]


def change(repo: Path, files: list[str], rng: random.Random, count: int = 50) -> None:
    for path in rng.sample(files, count):
        with open(repo / path, "a") as handle:
            handle.write(f"edit = {rng.random()}\n")


def du(path: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--turns", type=int, default=100)
    args = parser.parse_args()
    repo = ensure_copy()
    files = tracked_files(repo)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="checkpoint-store-") as tmp:
        store = GitStore(repo, root=Path(tmp))
        store.ensure()
        started = time.perf_counter()
        last = snapshot.take(store, max_file_bytes=MAX_FILE, ref="bench/head").snapshot
        first = (time.perf_counter() - started) * 1000
        print(f"repo: {repo} ({len(files):,} tracked files); first checkpoint (seeded from the index): {first:.0f} ms")
        ours: list[float] = []
        theirs: list[float] = []
        for run in range(args.runs + 1):
            change(repo, files, rng)
            timings: dict[str, float] = {}
            order = ("status", "checkpoint") if run % 2 else ("checkpoint", "status")
            for name in order:
                started = time.perf_counter()
                if name == "status":
                    subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, check=True)
                else:
                    last = snapshot.take(store, max_file_bytes=MAX_FILE, previous=last, ref="bench/head").snapshot
                timings[name] = (time.perf_counter() - started) * 1000
            if run:  # the first round warms both
                ours.append(timings["checkpoint"])
                theirs.append(timings["status"])
        pairs = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(f"checkpoint, 50 changed files:  {describe(ours)}")
        print(f"git status --porcelain:        {describe(theirs)}")
        print(
            f"ratio of medians: {statistics.median(ours) / statistics.median(theirs):.2f}x   "
            f"median of paired ratios: {statistics.median(pairs):.2f}x   (target <= 1.5x)"
        )
        size0 = du(store.git_dir / "objects")
        growth: list[float] = []
        for _turn in range(args.turns):
            before = du(store.git_dir / "objects") if _turn % 10 == 0 else None
            last = snapshot.take(store, max_file_bytes=MAX_FILE, previous=last, ref="bench/head").snapshot
            change(repo, files, rng)
            last = snapshot.take(store, max_file_bytes=MAX_FILE, previous=last, ref="bench/head").snapshot
            if before is not None:
                growth.append((du(store.git_dir / "objects") - before) / 1024)
        size1 = du(store.git_dir / "objects")
        started = time.perf_counter()
        store.run("repack", "-d", "-q")
        store.run("prune-packed")
        pack_ms = (time.perf_counter() - started) * 1000
        size2 = du(store.git_dir / "objects")
        print(f"store after the first checkpoint and the timed runs: {size0 / 2**20:.1f} MiB")
        print(
            f"growth over {args.turns} turns x 50 changed files: +{(size1 - size0) / 2**20:.1f} MiB loose "
            f"(median {statistics.median(growth):.0f} KiB per turn); after packing the loose objects "
            f"({pack_ms:.0f} ms): store {size2 / 2**20:.1f} MiB"
        )
        started = time.perf_counter()
        done = prune.maintain(store, max_bytes=1, keep_days=30, current="other")
        print(
            f"pruning the only session (cap exceeded): {done.size_before / 2**20:.1f} -> "
            f"{done.size_after / 2**20:.1f} MiB in {(time.perf_counter() - started) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
