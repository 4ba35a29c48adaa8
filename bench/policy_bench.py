"""Shell analysis and policy evaluation speed on long command lines: linear in segments, next to bashlex.

    .venv/bin/python bench/policy_bench.py [--runs 15]

For each shape of command line, at 100 and 1,000 segments (medians over runs, ms): `analyze()` (tree-sitter
parse + segment walk), a full `PolicyEngine.evaluate()` of the Bash call in wall time and in this process's CPU
time, the cost per segment, and how much 10x the segments costs in CPU time (linear: about 10x). CPU time is
the figure to compare on a shared machine: other processes' load moves the wall time by 2x from run to run.
Shapes:

  mixed      git under an ask rule, a pipe, `$(…)`, an allow rule, a read-only cat (the original bench line)
  read-only  every segment goes through the read-only allowlist: flags, paths, secrets (`ls -la src`, `cat`,
             `grep -n`, `head -n 5`, `wc -l`)
  arith      `grep -i …` segments: the `-i` sends the line through the arithmetic-hazard scan
  cd         `cd dN && cat README.md` with a new folder each time: every path is checked from every folder

The peer is `bashlex.parse` of the mixed line (a pure-Python bash parser, parse only). What the OS sandbox adds
to each command is measured by bench/sandbox_bench.py.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bashlex  # noqa: E402

from workbench.core.policy.engine import PolicyEngine  # noqa: E402
from workbench.core.policy.ledger import GrantLedger  # noqa: E402
from workbench.core.policy.rules import RuleSet  # noqa: E402
from workbench.core.policy.shell import analyze  # noqa: E402
from workbench.core.tools.base import CallPreview, ToolKind  # noqa: E402

MIXED = ["git status", "ls -la src | wc -l", "echo $(git rev-parse HEAD)", "npm test -- --ci", "cat README.md"]
READ_ONLY = ["ls -la src", "cat README.md", "grep -n x README.md", "head -n 5 README.md", "wc -l README.md"]
SHAPES: dict[str, Callable[[int], list[str]]] = {
    "mixed": lambda i: [MIXED[i % 5]],
    "read-only": lambda i: [READ_ONLY[i % 5]],
    "arith": lambda i: ["grep -i x README.md"],
    "cd": lambda i: [f"cd d{i // 2}", "cat README.md"] if i % 2 == 0 else [],
}
COUNTS = (100, 1000)


def command_line(shape: str, segments: int) -> str:
    parts: list[str] = []
    index = 0
    while len(parts) < segments:
        parts.extend(SHAPES[shape](index))
        index += 1
    return " && ".join(parts[:segments])


def median_ms(fn: Callable[[], object], runs: int) -> float:
    return timed(fn, runs)[0]


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `fn` over `runs` (garbage collected before each)."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "proj"
        (workspace / "src").mkdir(parents=True)
        (workspace / "README.md").write_text("# x\n")
        for index in range(max(COUNTS)):
            (workspace / f"d{index}").mkdir()
            (workspace / f"d{index}" / "README.md").write_text("# x\n")
        engine = PolicyEngine(
            workspace,
            rules=RuleSet.from_lists(
                workspace=workspace, allow=["Bash(npm test:*)"], ask=["Bash(git *)", "Bash(git)"], deny=["Bash(rm *)"]
            ),
            persona=None,
            ledger=GrantLedger(None, workspace=workspace),
        )

        def evaluate(command: str) -> object:
            preview = CallPreview(summary="Run", command=command)
            return engine.evaluate("Bash", ToolKind.EXEC, {"command": command}, preview, call_id="x")

        header = ("shape", "segments", "analyze ms", "evaluate ms", "cpu ms", "cpu us/segment", "10x costs")
        widths = (10, 9, 11, 12, 9, 15, 10)
        print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
        for shape in SHAPES:
            previous: float | None = None
            for count in COUNTS:
                command = command_line(shape, count)
                analysis = analyze(command)
                assert analysis.error is None, analysis.error
                ours = median_ms(lambda c=command: analyze(c), runs)  # type: ignore[misc]
                full, cpu = timed(lambda c=command: evaluate(c), runs)  # type: ignore[misc]
                ratio = f"{cpu / previous:.1f}x" if previous else ""
                per = cpu * 1000 / len(analysis.segments)
                row = (shape, len(analysis.segments), f"{ours:.2f}", f"{full:.2f}", f"{cpu:.2f}", f"{per:.1f}", ratio)
                print(" ".join(f"{v:>{w}}" for v, w in zip(row, widths, strict=True)))
                previous = cpu
        command = command_line("mixed", max(COUNTS))
        ours = median_ms(lambda: analyze(command), runs)
        peer = median_ms(lambda: bashlex.parse(command), max(3, runs // 3))
        print(f"bashlex.parse of the mixed line at {max(COUNTS)} segments: {peer:.2f} ms ({peer / ours:.1f}x analyze)")


if __name__ == "__main__":
    main()
