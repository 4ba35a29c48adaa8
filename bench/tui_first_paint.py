"""First paint and the full first screen of the workbench against a bare Textual app, in fresh processes.

    .venv/bin/python bench/tui_first_paint.py [--runs 9] [--tmux] [--files 5]

Each run starts a new interpreter that builds the app at 160x48 and records, from inside the compositor (the
app's own signal: right after a frame is drawn), two times since the process was spawned:
- first paint: the first frame showing the whole layout (top bar, the explorer, chat and plan frames with
  their titles, the prompt and the status bar), placeholders allowed;
- full first screen: the first frame with nothing left to fill in: the file tree with its git letters (the
  explorer's placeholder gone, git status applied), the persona and its model resolved in the status bar
  (from the previous start's discovery when nothing it read has changed; `--cold` forgets it before each
  run, as on a first start in a repository; `--no-tables` deletes the start-up tables the workbench keeps
  beside its bytecode, as on the first start after an install or upgrade).
The peer is a bare Textual app (Header, Static, Footer): its first frame is both. The two apps run
interleaved, each run in its own process, so both see the same machine noise; a run starts once the previous
process has exited (the workbench's work after its first screen, the SDK import among it, does not spill into
the next run). `--tmux` runs each process in a real terminal (a detached tmux window, so the frames are written
to a tty); without it they run headless.
In a terminal the workbench side is `workbench DIR` from its entry point (workbench.cli.main), as a user starts it;
headless, the app is built as that entry point builds it. The probe loads nothing itself: it wraps the screen's
refresh as Textual's screen module loads, so each side loads its modules in its own order. The first run of
each side is not counted: it writes the start-up tables a user's second start reads (see the README) and warms
the page cache; all runs share one bytecode folder of their own.
The workbench opens a git repository of `--files` Python files (one staged, one untracked: letters to show)
with no API key, as a first run does. Targets: full first screen <= 1.3x the bare app's.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Shared by both sides: the times go to a file (in tmux, stdout is the terminal). `marks` is checked after each
# drawn frame of the active screen; the app exits once both are taken. The probe does not load Textual itself: it
# wraps the screen's refresh as `textual.screen` loads, so each side loads its modules in its own order (the
# workbench's entry point sets the process up before Textual loads, as it does for a user).
PROBE = """
import json, os, sys, time
from importlib.machinery import PathFinder

SPAWNED = float(os.environ["BENCH_SPAWNED"])

class OnLoad:
    def __init__(self, name, then):
        self.name, self.then = name, then

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(name, path)
        run, then = spec.loader.exec_module, self.then

        def exec_module(module):
            run(module)
            then(module)

        spec.loader.exec_module = exec_module
        return spec

def watch_frames(first, full):
    if "textual.screen" in sys.modules:  # loaded already (the bare app's script imports Textual first)
        wrap(sys.modules["textual.screen"].Screen, first, full)
    else:
        sys.meta_path.insert(0, OnLoad("textual.screen", lambda module: wrap(module.Screen, first, full)))

def wrap(Screen, first, full):
    draw = Screen._compositor_refresh
    marks = {}
    def refresh(self):
        draw(self)
        app = self.app
        if self is not app.screen:
            return
        shown = self._compositor.visible_widgets
        now = time.time()
        spent = os.times()
        cpu = spent.user + spent.system + spent.children_user + spent.children_system
        if "paint" not in marks and first(self, shown):
            marks["paint"], marks["paint_cpu"] = now - SPAWNED, cpu
        if "paint" in marks and "full" not in marks and full(self, shown):
            marks["full"], marks["full_cpu"] = now - SPAWNED, cpu
            Screen._compositor_refresh = draw
            with open(os.environ["BENCH_OUT"], "w") as fh:
                json.dump(marks, fh)
            app.exit()
    Screen._compositor_refresh = refresh
"""

BARE = (
    PROBE
    + """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()

def whole(screen, shown):
    return {"Header", "Static", "Footer"} <= {type(w).__name__ for w in shown}

watch_frames(whole, whole)
Bare().run(headless=os.environ.get("BENCH_TTY") != "1", size=(160, 48))
"""
)

WORKBENCH = (
    PROBE
    + """
from pathlib import Path

PANES = ("explorer-pane", "chat", "plan-pane")

def layout(screen, shown):
    ids = {w.id for w in shown}
    if not {"topbar", *PANES, "prompt", "status"} <= ids:
        return False
    return all(str(screen.query_one("#" + pane).border_title or "") for pane in PANES)

def full(screen, shown):
    explorer = screen.query("#explorer")
    if not explorer or screen.query("#explorer-placeholder") or explorer.first() not in shown:
        return False
    if explorer.first().status is None:  # the git letters are not in yet
        return False
    info = screen.status.info  # what the status bar shows: the persona and its model, resolved
    return bool(info.model) and info.persona not in ("", "default persona")

watch_frames(layout, full)
if os.environ.get("BENCH_TTY") == "1":  # in a terminal: what `workbench DIR` runs, as its script runs it
    from workbench.cli import main

    sys.argv[:] = ["workbench", sys.argv[1]]
    main()
else:  # headless needs the size given: the app is built as the entry point builds it
    from workbench.cli.tui import start
    from workbench.core import dataclass_code
    from workbench.tui import css_table

    dataclass_code.install("tui")  # as `workbench` does for itself (workbench.cli.main)
    css_table.install()

    start(Path(sys.argv[1]))
    from workbench.tui.app import create_app

    create_app(Path(sys.argv[1])).run(headless=True, size=(160, 48))
"""
)


def make_repo(root: Path, files: int) -> Path:
    repo = root / "sample"
    (repo / "src").mkdir(parents=True)
    for n in range(files):
        (repo / "src" / f"mod{n}.py").write_text(f"def f{n}():\n    return {n}\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "b"}
    env["GIT_COMMITTER_EMAIL"] = "b@e"
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, check=True, env=env)
    (repo / "src" / "mod0.py").write_text("def f0():\n    return 'changed'\n")  # M
    (repo / "NOTES.txt").write_text("scratch\n")  # ?
    return repo


def one(code: str, args: list[str], env: dict[str, str], tmux: bool, out: Path) -> dict[str, float]:
    out.unlink(missing_ok=True)
    run_env = {**env, "BENCH_OUT": str(out), "BENCH_TTY": "1" if tmux else "0"}
    run_env["BENCH_SPAWNED"] = repr(time.time())
    script = out.with_name(f"side{abs(hash(code))}.py")
    if not script.exists():
        script.write_text(code)
    command = [sys.executable, str(script), *args]
    if tmux:
        name = f"fp{os.getpid()}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in run_env.items() if k.startswith(("BENCH_", "PYTHON")))
        exports += f" WORKBENCH_HOME={shlex.quote(run_env['WORKBENCH_HOME'])} TERM=xterm-256color"
        # -u: the tmux server's environment is the one it started with, which may forbid writing bytecode
        shell = f"env -u PYTHONDONTWRITEBYTECODE {exports} {shlex.join(command)}"
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "48", shell], check=True)
        pane = subprocess.run(["tmux", "list-panes", "-t", name, "-F", "#{pane_pid}"], capture_output=True, text=True)
        deadline = time.time() + 60
        while not out.exists() and time.time() < deadline:
            time.sleep(0.05)
        for pid in pane.stdout.split():  # the app quits by itself once the marks are taken, as a user's does
            gone(int(pid), timeout=10)
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        for pid in pane.stdout.split():  # the next run starts once this one has exited (its workers ended)
            gone(int(pid))
    else:
        subprocess.run(command, capture_output=True, text=True, env=run_env, timeout=60)
    for _ in range(100):
        if out.exists() and out.stat().st_size:
            break
        time.sleep(0.02)
    if not out.exists():
        raise RuntimeError("no times written (the screen never reached the condition)")
    marks: dict[str, float] = json.loads(out.read_text())
    return {k: v * 1000 for k, v in marks.items()}  # ms


def gone(pid: int, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


def describe(values: list[float]) -> str:
    return f"median {statistics.median(values):7.1f} ms  [{min(values):.0f} .. {max(values):.0f}]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--tmux", action="store_true", help="run each process in a real terminal (tmux)")
    parser.add_argument(
        "--cold", action="store_true", help="forget the persona hint before each run (a first start in the repository)"
    )
    parser.add_argument(
        "--no-tables",
        action="store_true",
        help="delete the start-up tables before each run (the first start after an install or upgrade)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp), args.files)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
        env["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        env["PYTHONPATH"] = str(ROOT)
        # Both sides run from compiled bytecode, as an installed package does. The cache goes to the temp dir.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        out = Path(tmp) / "marks.json"
        keeper = f"fpkeep{os.getpid()}"
        if args.tmux:  # a session that outlives the runs, so no run pays for starting the tmux server
            subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep 3600"], check=True, env=env)
        try:
            bare, ours = measure(repo, env, args, out)
        finally:
            if args.tmux:
                subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)
    report(bare, ours, args)


def measure(
    repo: Path, env: dict[str, str], args: argparse.Namespace, out: Path
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    one(BARE, [], env, args.tmux, out)  # warm the page cache and .pyc files
    one(WORKBENCH, [str(repo)], env, args.tmux, out)
    bare: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    for _ in range(args.runs):
        bare.append(one(BARE, [], env, args.tmux, out))
        if args.cold:
            for hint in Path(env["WORKBENCH_HOME"]).rglob("persona-hint.json"):
                hint.unlink()
        if args.no_tables:  # the .pyc files stay: only what the workbench keeps beside them goes
            for table in Path(env["PYTHONPYCACHEPREFIX"]).rglob("*.bin"):
                table.unlink()
        ours.append(one(WORKBENCH, [str(repo)], env, args.tmux, out))
    return bare, ours


def report(bare: list[dict[str, float]], ours: list[dict[str, float]], args: argparse.Namespace) -> None:
    where = "tmux (a real terminal)" if args.tmux else "headless"
    where += ", no persona hint (first start)" if args.cold else ", persona hint from the previous start"
    where += ", no start-up tables" if args.no_tables else ""
    print(f"{args.runs} runs each, {where}, 160x48, a {args.files}-file repository, spawn -> frame:")
    bare_full = [b["full"] for b in bare]
    print(f"bare Textual app           first frame:        {describe(bare_full)}")
    print(f"workbench                  first paint:        {describe([o['paint'] for o in ours])}")
    print(f"workbench                  full first screen:  {describe([o['full'] for o in ours])}")
    mb = statistics.median(bare_full)
    paint = statistics.median([o["paint"] for o in ours])
    full = statistics.median([o["full"] for o in ours])
    print(f"ratio first paint / bare: {paint / mb:.2f}x;  full first screen / bare: {full / mb:.2f}x  (target <= 1.3x)")
    # CPU time (this process's threads and the git processes it waited for) up to the same frames: what the
    # app itself spent, which other processes on a busy machine do not inflate.
    cb = statistics.median([b["full_cpu"] for b in bare])
    cp = statistics.median([o["paint_cpu"] for o in ours])
    cf = statistics.median([o["full_cpu"] for o in ours])
    print(f"CPU to the frame: bare {cb:.0f} ms; workbench first paint {cp:.0f} ms ({cp / cb:.2f}x), "
          f"full first screen {cf:.0f} ms ({cf / cb:.2f}x)")


if __name__ == "__main__":
    main()
