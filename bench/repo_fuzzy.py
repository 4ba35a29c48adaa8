"""Fuzzy file finder latency per keystroke over every path of the generated 100k-file repository.

    .venv/bin/python bench/repo_fuzzy.py [--rounds 5]

Queries are typed one character at a time (with a backspace and a retype in one of them); each
keystroke runs `FuzzyIndex.search(query, 50)` as the finder does, on a fresh index each round. The peer,
timed on the same keystrokes in this process, is the plain approach: a compiled subsequence regex over every path,
then the matches sorted by length (no scoring, no highlighting). Target: < 20 ms per keystroke.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from repo_common import ensure_repo  # noqa: E402

from workbench.core.repo import FuzzyIndex, list_files  # noqa: E402

QUERIES = [
    "payments_pkg/retry",
    "handlerpy",
    "cfgstor",
    "sessrouter097",
    "views_13/worker",
    "untracked_4",
    "README",
]


def keystrokes() -> list[str]:
    """Every intermediate query, as typed; one query is corrected with a backspace."""
    out: list[str] = []
    for query in QUERIES:
        out.extend(query[: i + 1] for i in range(len(query)))
        out.append("")  # the box is cleared between queries
    fix = "sesion"
    out.extend(fix[: i + 1] for i in range(len(fix)))
    out.extend(["sesio", "sessi", "sessio", "session"])
    return out


def naive(paths: list[str], lower: list[str], query: str) -> list[str]:
    if not query:
        return paths[:50]
    search = re.compile(".*?".join(re.escape(c) for c in query.lower())).search
    hits = [p for p, low in zip(paths, lower, strict=True) if search(low)]
    return sorted(hits, key=len)[:50]


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    repo = ensure_repo()
    paths = list(list_files(repo).files)
    keys = [k for k in keystrokes() if k]

    started = time.perf_counter()
    index = FuzzyIndex(paths)
    build_ms = (time.perf_counter() - started) * 1000

    ours: list[float] = []
    cpu: list[float] = []
    for _ in range(args.rounds):
        index = FuzzyIndex(paths)  # cold: the first keystrokes pay for the per-character lists
        for key in keystrokes():
            started, cpu_started = time.perf_counter(), time.process_time()
            index.search(key, 50)
            if key:
                ours.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
    lower = [p.lower() for p in paths]
    theirs: list[float] = []
    for key in keys:
        started = time.perf_counter()
        naive(paths, lower, key)
        theirs.append((time.perf_counter() - started) * 1000)

    top = index.search("payments_pkg/retry", 3)
    print(f"repo: {repo} ({len(paths):,} paths)   keystrokes per round: {len(keys)}   rounds: {args.rounds}")
    print(f"index build (once, in a worker when the finder opens): {build_ms:.0f} ms")
    print(
        f"FuzzyIndex.search per keystroke: median {statistics.median(ours):.1f} ms   p90 {pct(ours, 0.9):.1f} ms   "
        f"max {max(ours):.1f} ms   (target < 20 ms)"
    )
    print(
        f"  same, CPU time (steadier on a loaded machine): median {statistics.median(cpu):.1f} ms   "
        f"p90 {pct(cpu, 0.9):.1f} ms   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"plain regex filter + sort (peer): median {statistics.median(theirs):.1f} ms   p90 {pct(theirs, 0.9):.1f} ms"
        f"   max {max(theirs):.1f} ms   ratio of medians {statistics.median(ours) / statistics.median(theirs):.2f}x"
    )
    print("best matches for 'payments_pkg/retry':", ", ".join(m.path for m in top))


if __name__ == "__main__":
    main()
