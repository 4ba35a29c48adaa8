"""Shell analysis and policy evaluation speed on long command lines, next to bashlex parsing the same text.

    .venv/bin/python bench/policy_bench.py [--runs 30]

Printed (medians over runs, ms): `analyze()` (tree-sitter parse + segment walk), a full `PolicyEngine.evaluate()`
of the Bash call (analysis, rules, path checks, a git ask rule), and `bashlex.parse` of the same command
as the peer (a pure-Python bash parser, parse only), for a 100-segment and a 1,000-segment command line.

What the OS sandbox adds to each command is measured by bench/sandbox_bench.py.
"""

from __future__ import annotations

import argparse
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


def command_line(segments: int) -> str:
    kinds = ["git status", "ls -la src | wc -l", "echo $(git rev-parse HEAD)", "npm test -- --ci", "cat README.md"]
    parts: list[str] = []
    while len(parts) < segments:
        parts.append(kinds[len(parts) % len(kinds)])
    return " && ".join(parts)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "proj"
        (workspace / "src").mkdir(parents=True)
        (workspace / "README.md").write_text("# x\n")
        engine = PolicyEngine(
            workspace,
            rules=RuleSet.from_lists(
                workspace=workspace, allow=["Bash(npm test:*)"], ask=["Bash(git *)", "Bash(git)"], deny=["Bash(rm *)"]
            ),
            persona=None,
            ledger=GrantLedger(None, workspace=workspace),
        )
        print(f"{'segments':>9} {'analyze':>10} {'evaluate':>10} {'bashlex':>10} {'bashlex/analyze':>16}")
        for segments in (100, 1000):
            command = command_line(segments)
            preview = CallPreview(summary="Run", command=command)
            analysis = analyze(command)
            assert analysis.error is None
            ours = median_ms(lambda c=command: analyze(c), runs)  # type: ignore[misc]
            full = median_ms(
                lambda c=command, p=preview: engine.evaluate(  # type: ignore[misc]
                    "Bash", ToolKind.EXEC, {"command": c}, p, call_id="x"
                ),
                runs,
            )
            peer = median_ms(lambda c=command: bashlex.parse(c), max(3, runs // 3))  # type: ignore[misc]
            print(f"{len(analysis.segments):>9} {ours:>9.2f}  {full:>9.2f}  {peer:>9.2f}  {peer / ours:>15.1f}x")


if __name__ == "__main__":
    main()
