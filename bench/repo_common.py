"""A generated 100k-file git repository for the repo benches, built once into /tmp and reused.

Layout: 20 top folders x 50 sub-folders x 100 files (Python, Go, TypeScript, Markdown names from a small
vocabulary), committed once, then a realistic dirty state: 300 modified files, 50 deleted, 40 staged
new files and 100 untracked files. Files are written by Python and committed with one `git add -A`
(git hashes them in parallel); about 20-40 s on 2 cores, once.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(os.environ.get("WORKBENCH_BENCH_REPO", "/tmp/workbench-bench-100k"))
STAMP = ".bench-ready"
TOP, SUB, FILES = 20, 50, 100
WORDS = [
    "payments", "retry", "backoff", "client", "server", "handler", "models", "views", "utils", "config",
    "auth", "session", "cache", "storage", "queue", "worker", "router", "schema", "events", "metrics",
]  # fmt: skip
SUFFIXES = [".py", ".go", ".ts", ".md", ".rs"]
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(*args: str) -> None:
    subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args], cwd=REPO, env=GIT_ENV, check=True, stdout=subprocess.DEVNULL
    )


def ensure_repo() -> Path:
    """The benchmark repository, generated on first use."""
    if (REPO / ".git" / STAMP).exists():
        return REPO
    started = time.perf_counter()
    rng = random.Random(42)
    REPO.mkdir(parents=True, exist_ok=True)
    git("init", "-q")
    paths: list[str] = []
    for t in range(TOP):
        for s in range(SUB):
            folder = REPO / f"{WORDS[t]}_pkg" / f"{rng.choice(WORDS)}_{s:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            for f in range(FILES):
                name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{f:03d}{rng.choice(SUFFIXES)}"
                (folder / name).write_text(f"# {name}\nvalue = {f}\n")
                paths.append(str((folder / name).relative_to(REPO)))
    (REPO / ".gitignore").write_text("build/\n*.log\n")
    (REPO / "README.md").write_text("# bench\n")
    git("add", "-A")
    git("commit", "-q", "-m", "generated")
    for path in rng.sample(paths, 300):
        with open(REPO / path, "a") as handle:
            handle.write("changed = True\n")
    for path in rng.sample(paths, 50):
        (REPO / path).unlink(missing_ok=True)
    for i in range(40):
        (REPO / f"{WORDS[i % TOP]}_pkg" / f"staged_{i}.py").write_text("x = 1\n")
    git("add", *[f"{WORDS[i % TOP]}_pkg/staged_{i}.py" for i in range(40)])
    for i in range(100):
        (REPO / f"{WORDS[i % TOP]}_pkg" / f"untracked_{i}.txt").write_text("scratch\n")
    (REPO / "build").mkdir(exist_ok=True)
    (REPO / "build" / "out.bin").write_bytes(b"\0" * 10)
    git("status", "--porcelain")  # warm git's index stat cache, as a user's repo would be
    (REPO / ".git" / STAMP).write_text("ok\n")
    print(f"generated {REPO} ({len(paths):,} files) in {time.perf_counter() - started:.1f} s")
    return REPO


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of `runs` calls after one warm-up."""
    fn()
    out: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def describe(samples: list[float]) -> str:
    return f"median {statistics.median(samples):7.1f} ms  [{min(samples):.1f} .. {max(samples):.1f}]"
