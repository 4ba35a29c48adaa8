"""What the OS sandbox costs per command: a ~5 ms command (`sleep 0.005`) through the Bash tool, with no
sandbox and in each sandbox this machine offers, and the workspace scan behind it.

    .venv/bin/python bench/sandbox_bench.py [--runs 60] [--gap-ms 50] [--big]

Each side runs in its own worker process (its sandbox probed and its caches warm there, as in a session);
the driver asks the workers in turn, one command each, rotating who goes first, so load on the machine falls
on every side alike. Between two commands it waits --gap-ms (a session waits longer: a model round trip),
which leaves the kernel's teardown of the last sandbox's namespaces off the next command's path, as in use;
--gap-ms 0 runs them back to back. Printed: the median wall time per command (ms) and what each sandbox
adds to the no-sandbox median (target: at most 15 ms). Then the cost of finding the workspace's secret and
control files: the first scan and a rescan of the bench workspace, and with --big of the generated
100k-file repository (bench/repo_common.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.core.sandbox import Sandbox, SandboxSettings  # noqa: E402
from workbench.core.sandbox.scan import WorkspaceScan  # noqa: E402

COMMAND = "sleep 0.005"


def make_workspace(root: Path) -> Path:
    """A small project: 200 folders of 10 files, a .env, a .claude folder, a git repository."""
    ws = root / "proj"
    for d in range(200):
        folder = ws / f"pkg{d // 20}" / f"mod{d}"
        folder.mkdir(parents=True)
        for f in range(10):
            (folder / f"file{f}.py").write_text("x = 1\n")
    (ws / ".env").write_text("API_KEY=x\n")
    (ws / ".claude").mkdir()
    (ws / ".claude" / "settings.json").write_text("{}\n")
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    return ws


def worker(kind: str, workspace: Path) -> None:
    """Serve one command per line read from stdin; answer with its wall time in ms."""
    from workbench.core.tools.bash import Bash
    from workbench.core.tools.context import ToolContext, ToolSettings

    ctx = ToolContext(workspace, settings=ToolSettings(sandbox=SandboxSettings(mode=kind)))
    if ctx.sandbox.choice.refused:
        print(f"unavailable {ctx.sandbox.choice.why}", flush=True)
        return
    print(f"ready {ctx.sandbox.kind}", flush=True)
    bash = Bash()
    loop = asyncio.new_event_loop()
    for _ in sys.stdin:
        started = time.perf_counter()
        result = loop.run_until_complete(bash.run({"command": COMMAND}, ctx))
        elapsed = (time.perf_counter() - started) * 1000
        assert result.exit_code == 0, result.content
        print(f"{elapsed:.3f}", flush=True)
    ctx.sandbox.close()


def start(kind: str, workspace: Path) -> tuple[subprocess.Popen[str], str] | None:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", kind, "--workspace", str(workspace)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    if not first.startswith("ready"):
        print(f"{kind:>9}: not measured ({first.removeprefix('unavailable ')})")
        proc.wait()
        return None
    return proc, first.split()[1]


def ask(proc: subprocess.Popen[str]) -> float:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("run\n")
    proc.stdin.flush()
    return float(proc.stdout.readline())


def scan_cost(workspace: Path, label: str, runs: int) -> None:
    started = time.perf_counter()
    scanner = WorkspaceScan(str(workspace))
    found = scanner.scan()
    first = (time.perf_counter() - started) * 1000
    again = []
    for _ in range(runs):
        started = time.perf_counter()
        scanner.scan()
        again.append((time.perf_counter() - started) * 1000)
    sandbox = Sandbox(workspace, SandboxSettings())
    plans = []
    for _ in range(runs):
        started = time.perf_counter()
        sandbox.plan(network=False)
        plans.append((time.perf_counter() - started) * 1000)
    sandbox.close()
    rescan, plan = statistics.median(again), statistics.median(plans)
    print(f"{label:>24}: {found.folders:>6,} folders  first scan {first:8.1f} ms  rescan {rescan:6.2f} ms  "
          f"whole plan {plan:6.2f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--gap-ms", type=float, default=50.0, help="pause between two commands (default 50)")
    parser.add_argument("--big", action="store_true", help="also scan the generated 100k-file repository")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.workspace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        workspace = make_workspace(Path(tmp))
        workers = {}
        for kind in ("off", "bwrap", "landlock"):
            started = start(kind, workspace)
            if started is not None:
                workers[kind] = started[0]
        times: dict[str, list[float]] = {kind: [] for kind in workers}
        order = list(workers)
        for _ in range(3):  # warm-up: first spawns, the first scan
            for kind in order:
                ask(workers[kind])
        for r in range(args.runs):
            for kind in order[r % len(order) :] + order[: r % len(order)]:
                time.sleep(args.gap_ms / 1000)
                times[kind].append(ask(workers[kind]))
        for proc in workers.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
        base = statistics.median(times["off"]) if "off" in times else 0.0
        print(f"`{COMMAND}` through the Bash tool, {args.runs} runs per side, {args.gap_ms:g} ms apart, medians:")
        for kind, values in times.items():
            med = statistics.median(values)
            label = "no sandbox" if kind == "off" else kind
            added = "" if kind == "off" else f"  (+{med - base:.1f} ms)"
            print(f"{label:>12}: {med:7.2f} ms{added}")
        print("finding secret and control files before each command (medians):")
        scan_cost(workspace, "bench workspace", args.runs)
        scan_cost(ROOT, "this repository", args.runs)
        if args.big:
            from bench.repo_common import ensure_repo

            scan_cost(ensure_repo(), "100k-file repository", max(5, args.runs // 6))


if __name__ == "__main__":
    main()
