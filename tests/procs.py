"""Real `workbench run` processes for the crash, signal and lock tests: start one, find its children."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_env(home: Path, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "WORKBENCH_"))}
    env.update(
        HOME=str(home),
        WORKBENCH_HOME=str(home / ".workbench"),
        ANTHROPIC_BASE_URL=base_url,
        ANTHROPIC_CONFIG_DIR=str(home / ".anthropic"),
    )
    return env


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:  # the process ended while we looked
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def group_alive(pgid: int, wait: float = 2.0) -> bool:
    """Whether a process of the group still runs (zombies waiting to be reaped do not count) after up to `wait`
    seconds: a killed group's members take a moment to go."""
    deadline = time.monotonic() + wait
    while True:
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(") ", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(stat.parent.name)
        if not members or time.monotonic() > deadline:
            return bool(members)
        time.sleep(0.05)


def start_sleeping_run(
    repo: Path, home: Path, url: str, *extra: str, seconds: int = 30
) -> tuple[subprocess.Popen[str], int]:
    """Start a run whose tool call is `sleep SECONDS`; return the process and the sleep's pid once it runs."""
    args = [sys.executable, "-m", "workbench", "run", "sleep please", "--cwd", str(repo), "--allow", "Bash(sleep:*)"]
    args += ["--output-format", "stream-json", *extra]
    proc = subprocess.Popen(
        args, env=run_env(home, url), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wanted = [b"sleep", str(seconds).encode()]
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        for pid in descendants(proc.pid):
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:2] == wanted:
                    return proc, pid
            except OSError:
                continue
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the tool call never started")
