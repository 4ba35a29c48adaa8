"""First paint of the workbench screen against a bare Textual app, in fresh processes.

    .venv/bin/python bench/tui_first_paint.py [--runs 9]

Each run starts a new interpreter that builds the app, runs it headless at 160x48 and writes the wall-clock
time as soon as the screen's compositor has drawn its first complete frame (for the workbench: top bar, the
explorer, chat and plan frames with their titles, the prompt and the status bar), then exits. The figure is
spawn -> first paint. The peer is a
bare Textual app (Header, Static, Footer) run the same way, interleaved with the workbench runs so both see the
same machine noise. Target: workbench / bare <= 1.3x. The workbench opens the sample repository with no API
key (the usual first run); the explorer, persona discovery and credential checks start after the frame.
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

# Shared by both sides: the figure is taken when the active screen's compositor has drawn a frame that shows
# everything `complete` asks for, so a cheaper placeholder frame never counts.
PROBE = """
import sys, time
from textual.screen import Screen

def watch_first_frame(complete):
    draw = Screen._compositor_refresh
    def refresh(self):
        draw(self)
        app = self.app
        if self is app.screen and complete(self, self._compositor.visible_widgets):
            Screen._compositor_refresh = draw
            print(time.time(), flush=True)
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

watch_first_frame(lambda screen, shown: {"Header", "Static", "Footer"} <= {type(w).__name__ for w in shown})
Bare().run(headless=True, size=(160, 48))
"""
)

# The full screen: top bar, the three framed panes with their titles, the prompt and the status bar.
WORKBENCH = (
    PROBE
    + """
from pathlib import Path
from workbench.tui.app import create_app

PANES = ("explorer-pane", "chat", "plan-pane")

def complete(screen, shown):
    ids = {w.id for w in shown}
    if not {"topbar", *PANES, "prompt", "status"} <= ids:
        return False
    return all(str(screen.query_one("#" + pane).border_title or "") for pane in PANES)

watch_first_frame(complete)
create_app(Path(sys.argv[1])).run(headless=True, size=(160, 48))
"""
)


def make_repo(root: Path) -> Path:
    repo = root / "sample"
    (repo / "src").mkdir(parents=True)
    for n in range(50):
        (repo / "src" / f"mod{n}.py").write_text(f"def f{n}():\n    return {n}\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "b"}
    env["GIT_COMMITTER_EMAIL"] = "b@e"
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, check=True, env=env)
    return repo


def one(code: str, args: list[str], env: dict[str, str]) -> float:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=60)
    lines = [line for line in out.stdout.split() if line.replace(".", "", 1).isdigit()]
    if not lines:
        raise RuntimeError(f"no paint time printed: {out.stderr[-800:]}")
    return (float(lines[0]) - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp))
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
        env["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        env["PYTHONPATH"] = str(ROOT)
        # Both sides run from compiled bytecode, as an installed package does: without this an inherited
        # PYTHONDONTWRITEBYTECODE would compile our modules from source on every run while Textual's come
        # precompiled from site-packages. The cache goes to the temp dir, never into the tree.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        one(BARE, [], env)  # warm the page cache and .pyc files
        one(WORKBENCH, [str(repo)], env)
        bare: list[float] = []
        ours: list[float] = []
        for _ in range(args.runs):
            bare.append(one(BARE, [], env))
            ours.append(one(WORKBENCH, [str(repo)], env))
    mb, mo = statistics.median(bare), statistics.median(ours)
    print(f"bare Textual app  first paint: median {mb:7.1f} ms  [{min(bare):.0f} .. {max(bare):.0f}]")
    print(f"workbench screen  first paint: median {mo:7.1f} ms  [{min(ours):.0f} .. {max(ours):.0f}]")
    print(f"ratio workbench / bare: {mo / mb:.2f}x  (target <= 1.3x)")


if __name__ == "__main__":
    main()
