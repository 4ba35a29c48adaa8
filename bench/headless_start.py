"""Headless start: `workbench run "PROMPT"` per process against a bare SDK script doing the same request.

    .venv/bin/python bench/headless_start.py [--runs 11] [--importtime]

Both sides talk to the same `MessagesPeer` on 127.0.0.1 (one streamed text answer per process) and are timed
from spawn to exit, interleaved, each run a fresh process; both run from compiled bytecode. The bare script
imports the SDK, streams one message with the official client and prints its text: the floor for a process
that sends a request. `workbench run` does what a run needs on top (persona, policy, transcript, the system
prompt) and should pay for nothing else. Target: workbench / bare <= 1.05x. `--importtime` prints the modules
`workbench run` imports that the bare script does not, heaviest first (`python -X importtime`).

The workbench loads the SDK more cheaply than a plain `import anthropic` (without the aiohttp transport it never
uses, the garbage collector held off; see core/agent/client.py). A third side, the lean script, is the bare
script loading the SDK the same way: the ratio against it is what the workbench's own work costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = """
import os
import anthropic

client = anthropic.Anthropic(max_retries=0)
with client.messages.stream(
    model="claude-sonnet-5-5", max_tokens=16000, messages=[{"role": "user", "content": "say hello"}]
) as stream:
    print(stream.get_final_text())
"""

LEAN = """
import gc
import sys

gc.disable()
sys.modules["anthropic._vendor.httpx_aiohttp"] = None
import anthropic
gc.freeze()
gc.enable()
""" + BARE.replace("import os\nimport anthropic\n", "")


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    took = (time.perf_counter() - start) * 1000
    if done.returncode != 0 or "Hello" not in done.stdout:
        raise RuntimeError(f"{command[:3]} failed ({done.returncode}): {done.stderr[-800:]}")
    return took


def imports(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, int]:
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    found: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3:
            continue
        try:
            found[parts[2].strip()] = int(parts[0])
        except ValueError:  # the header line
            continue
    return found


def main() -> None:
    from workbench.testing import MessagesPeer, reply, text

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        script = Path(tmp) / "bare.py"
        script.write_text(BARE)
        lean_script = Path(tmp) / "lean.py"
        lean_script.write_text(LEAN)
        turns = [reply(text("Hello there.")) for _ in range(3 * args.runs + 8)]
        with MessagesPeer(turns) as peer:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "WORKBENCH_"))}
            env.update(
                ANTHROPIC_BASE_URL=peer.url,
                ANTHROPIC_API_KEY="sk-ant-bench",
                WORKBENCH_HOME=str(Path(tmp) / "home"),
                HOME=str(Path(tmp) / "home"),
                PYTHONPATH=str(ROOT),
                PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
            )
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            ours_cmd = [sys.executable, "-m", "workbench", "run", "say hello", "--cwd", str(repo)]
            bare_cmd = [sys.executable, str(script)]
            lean_cmd = [sys.executable, str(lean_script)]
            run(bare_cmd, env, repo)  # bytecode and page cache
            run(lean_cmd, env, repo)
            run(ours_cmd, env, repo)
            bare: list[float] = []
            lean: list[float] = []
            ours: list[float] = []
            for _ in range(args.runs):
                bare.append(run(bare_cmd, env, repo))
                lean.append(run(lean_cmd, env, repo))
                ours.append(run(ours_cmd, env, repo))
            extra: list[tuple[int, str]] = []
            if args.importtime:
                mine, floor = imports(ours_cmd, env, repo), imports(bare_cmd, env, repo)
                extra = sorted(((us, name) for name, us in mine.items() if name not in floor), reverse=True)
    mb, ml, mo = statistics.median(bare), statistics.median(lean), statistics.median(ours)
    print(f"{args.runs} runs each, spawn -> exit, one streamed answer from the local peer")
    print(f"bare SDK script : median {mb:7.1f} ms  [{min(bare):.0f} .. {max(bare):.0f}]")
    print(f"lean SDK script : median {ml:7.1f} ms  [{min(lean):.0f} .. {max(lean):.0f}]  (SDK loaded as ours loads it)")
    print(f"workbench run   : median {mo:7.1f} ms  [{min(ours):.0f} .. {max(ours):.0f}]")
    print(f"ratio workbench / bare: {mo / mb:.2f}x ({mo - mb:+.0f} ms; target <= 1.05x)")
    print(f"ratio workbench / lean: {mo / ml:.2f}x ({mo - ml:+.0f} ms: the workbench's own work)")
    if extra:
        total = sum(us for us, _ in extra)
        print(f"modules only workbench run imports: {len(extra)}, {total / 1000:.0f} ms of own import time; heaviest:")
        for us, name in extra[:25]:
            print(f"  {us / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
