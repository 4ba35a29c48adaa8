"""What the one glob module (workbench.core.globs, on pathspec) costs its three users.

    .venv/bin/python bench/glob_bench.py [--runs 7] [--compare OLD_CHECKOUT]

- ignore files: the walk that lists a folder git does not know (`walk_files`) over a generated 20k-file tree
  with a 12-line .gitignore in every tenth folder;
- permission rules: compiling 50 Read/Edit rules, and one rule check (the engine runs a few per call);
- tool globs: the Glob tool's filter, 8 patterns over 100k paths.

`--compare` runs the same against another checkout's modules (one from before this module, with its own three
translators) in a subprocess, and prints both medians side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = ["*.log", "*.tmp", "!keep.tmp", "build/", "/dist", "node_modules/", "**/cache", "*.py[cod]", ".env*"]
GITIGNORE = "\n".join([*IGNORED, "docs/_build", "[Tt]emp", "*~", ""])
RULES = [f"Read(src/mod{i}/**/*.py)" for i in range(25)] + [f"Edit(/pkg{i}/*.{{js,ts}})" for i in range(25)]
GLOBS = ["*.py", "**/*.ts", "src/**/test_*.py", "*.{js,jsx,ts,tsx}", "docs/*", "[!_]*.md", "pkg?/**", "a/**/z"]


def make_tree(base: Path, files: int = 20_000) -> Path:
    for n in range(files):
        folder = base / f"d{n % 97}" / f"e{n % 13}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (f"f{n}.py" if n % 3 else f"f{n}.log")).write_bytes(b"")
        if n % 10 == 0:
            (folder / ".gitignore").write_text(GITIGNORE)
    (base / ".gitignore").write_text(GITIGNORE)
    return base


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(tree: Path, runs: int) -> dict[str, float]:
    from workbench.core.policy.rules import parse_rule
    from workbench.core.tools.walk import walk_files

    try:
        from workbench.core.globs import glob_matches
    except ImportError:  # a checkout from before the glob module
        from workbench.core.tools.walk import glob_matches  # type: ignore[attr-defined,no-redef]
    from workbench.core.approvals import Verdict
    from workbench.core.policy.rules import Target

    paths = [f"src/mod{n % 50}/sub{n % 7}/file{n}.{('py', 'ts', 'md', 'js')[n % 4]}" for n in range(100_000)]
    rules = [parse_rule(text, Verdict.ALLOW, origin="bench", workspace=tree) for text in RULES]
    target = Target("Read", path=str(tree / "src" / "mod3" / "a" / "b.py"))

    def compile_rules() -> None:
        for text in RULES:
            parse_rule(text + " ", Verdict.ALLOW, origin="bench", workspace=tree)  # a new string: no cache

    def check_rules() -> None:
        for _ in range(1000):
            any(rule.matches(target) for rule in rules)

    def filter_paths() -> None:
        for pattern in GLOBS:
            [p for p in paths if glob_matches(pattern, p)]

    return {
        "walk 20k files (ms)": median_ms(lambda: walk_files(tree, tree), runs),
        "compile 50 rules (ms)": median_ms(compile_rules, runs),
        "1000 calls x 50 rules (ms)": median_ms(check_rules, runs),
        "8 globs x 100k paths (ms)": median_ms(filter_paths, runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--compare", type=Path, help="another checkout whose modules to time the same way")
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)  # the subprocess reuses the parent's tree
    args = parser.parse_args()
    if args.tree is not None:
        print(json.dumps(measure(args.tree, args.runs)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = make_tree(Path(tmp))
        rows = {"this checkout": _run(ROOT, tree, args.runs)}
        if args.compare is not None:
            rows[str(args.compare)] = _run(args.compare.resolve(), tree, args.runs)
    names = list(next(iter(rows.values())))
    print(f"{'median of ' + str(args.runs):<28}" + "".join(f"{label[-24:]:>26}" for label in rows))
    for name in names:
        print(f"{name:<28}" + "".join(f"{values[name]:>26.2f}" for values in rows.values()))


def _run(checkout: Path, tree: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--tree", str(tree), "--runs", str(runs)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    values: dict[str, float] = json.loads(out.stdout)
    return values


if __name__ == "__main__":
    main()
