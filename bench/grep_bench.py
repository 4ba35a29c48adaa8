"""Grep tool vs ripgrep itself on a large tree, plus the pure-Python fallback.

    .venv/bin/python bench/grep_bench.py [--runs 21] [--tree DIR]

Without --tree, a tree is built once in a temp folder: every installed package (the venv's site-packages:
anthropic, mypy, pygments, textual, pip, ...) copied twice into a git repository with a .gitignore, about
15k files. Each search runs through the workbench's Grep tool (`Grep.run`, everything included:
argument checks, the fence, rg, parsing, sorting, capping, redaction) and through `rg` directly with the
same flags (`subprocess.run`), interleaved, in the same process. Printed: medians, spread, the ratio of the
medians tool/rg (target <= 1.3x) and the median of the per-pair ratios (steadier on a loaded machine).
The fallback is timed with fewer runs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.core.tools.context import ToolContext  # noqa: E402
from workbench.core.tools.grep import Grep, rg_argv  # noqa: E402
from workbench.core.tools.grep_py import Query  # noqa: E402
from workbench.core.tools.walk import find_rg  # noqa: E402

SEARCHES: list[dict[str, Any]] = [
    {"pattern": "deprecated"},
    {"pattern": "def __init__", "output_mode": "content"},
    {"pattern": "TODO|FIXME", "output_mode": "count"},
    {"pattern": "class \\w+Error", "output_mode": "content", "-i": True},
    {"pattern": "import asyncio", "type": "py"},
]


def build_tree(dest: Path, copies: int) -> Path:
    """Every installed package's folder, `copies` times over (a monorepo with vendored copies)."""
    site = Path(sysconfig.get_paths()["purelib"])
    dest.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    sources = [p for p in sorted(site.iterdir()) if p.is_dir() and not p.name.endswith((".dist-info", "__pycache__"))]
    for n in range(copies):
        for src in sources:
            shutil.copytree(src, dest / f"vendor{n}" / src.name, ignore=skip, symlinks=True)
    (dest / ".gitignore").write_text("*.so\n*.pyi\nbuild/\n")
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def median_ms(samples: list[float]) -> str:
    qs = sorted(samples)
    return f"{statistics.median(qs) * 1000:7.1f} ms [{qs[0] * 1000:.1f} .. {qs[-1] * 1000:.1f}]"


def time_it(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def rg_direct(rg: str, args: dict[str, Any], tree: Path) -> list[str]:
    mode = args.get("output_mode", "files_with_matches")
    q = Query(pattern=args["pattern"], ignore_case=bool(args.get("-i")), type=args.get("type"))
    return rg_argv(rg, q, mode, ".")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--fallback-runs", type=int, default=3)
    parser.add_argument("--tree", type=Path, help="search this folder instead of building one")
    parser.add_argument("--copies", type=int, default=2, help="copies of site-packages in the built tree")
    opts = parser.parse_args()
    rg = find_rg()
    if rg is None:
        print("ripgrep not found (pip install ripgrep); nothing to compare against")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        tree = opts.tree.resolve() if opts.tree else build_tree(Path(tmp) / "tree", opts.copies)
        listed = subprocess.run([rg, "--files", "--hidden"], cwd=tree, capture_output=True, check=False).stdout
        count = listed.count(b"\n")
        print(f"tree: {tree}  ({count} searchable files)  rg: {rg}  runs: {opts.runs}")
        ctx = ToolContext(tree)
        tool, fallback = Grep(use_rg=True), Grep(use_rg=False)
        loop = asyncio.new_event_loop()
        ratios = []
        print(f"{'search':<44} {'Grep tool':>30} {'rg direct':>30} {'ratio':>6} {'paired':>7}")
        for args in SEARCHES:
            argv = rg_direct(rg, args, tree)
            loop.run_until_complete(tool.run(args, ctx))  # warm the page cache
            tool_t: list[float] = []
            rg_t: list[float] = []
            for _ in range(opts.runs):
                tool_t.append(time_it(lambda a=args: loop.run_until_complete(tool.run(a, ctx))))
                rg_t.append(time_it(lambda v=argv: subprocess.run(v, cwd=tree, capture_output=True, check=False)))
            ratio = statistics.median(tool_t) / statistics.median(rg_t)
            # Runs alternate, so each pair saw about the same machine load; their ratio is steadier.
            paired = statistics.median(a / b for a, b in zip(tool_t, rg_t, strict=True))
            ratios.append(ratio)
            label = " ".join(f"{k}={v}" for k, v in args.items())[:44]
            print(f"{label:<44} {median_ms(tool_t):>30} {median_ms(rg_t):>30} {ratio:5.2f}x {paired:6.2f}x")
        print(f"median ratio Grep/rg: {statistics.median(ratios):.2f}x (target <= 1.3x); worst {max(ratios):.2f}x")
        print("\npure-Python fallback (git ls-files + re), same searches:")
        for args in SEARCHES:
            fb = [
                time_it(lambda a=args: loop.run_until_complete(fallback.run(a, ctx))) for _ in range(opts.fallback_runs)
            ]
            rg_t = [
                time_it(lambda v=rg_direct(rg, args, tree): subprocess.run(v, cwd=tree, capture_output=True))
                for _ in range(5)
            ]
            label = " ".join(f"{k}={v}" for k, v in args.items())[:52]
            ratio = statistics.median(fb) / statistics.median(rg_t)
            print(f"{label:<52} {median_ms(fb):>30} {ratio:6.1f}x rg")
        loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
