"""The real app in tmux, driven by keys alone, as an SSH user meets it: at 80x24 and 160x48, with TERM
xterm-256color, screen-256color and linux. tmux sends alt+digit as ESC and the digit, F1 and the arrows as its
own sequences: every key goes through Textual's real input parser, unlike a test pilot.

One app per TERM (resized from 80x24 to 160x48 half way) against a Messages API peer on 127.0.0.1: from the
prompt, the remapped palette key opens the palette, F1 the help, alt+1/2/3 reach the files, chat and plan panes,
an edit asks for approval and `y` lets it through; ctrl+q quits.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.testing import MessagesPeer, reply, text, tool_use

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")

TERMS = ["xterm-256color", "screen-256color", "linux"]
CONFIG = '[keys]\n"app.palette" = "ctrl+k"\n'


class Pane:
    """One tmux session on a private server, running one command."""

    def __init__(self, socket: str, name: str) -> None:
        self.socket = socket
        self.name = name

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", self.name, key)
            # After Escape, more than Textual's escape delay: ESC then a key would read as alt+key.
            time.sleep(0.3 if key == "Escape" else 0.05)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def wait_for(self, *texts: str, timeout: float = 20.0, gone: bool = False) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if all((t in shown) != gone for t in texts):
                return shown
            if time.monotonic() > deadline:
                what = "gone" if gone else "shown"
                raise AssertionError(f"never {what}: {texts!r}\n--- the screen ---\n{shown}")
            time.sleep(0.1)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))
        time.sleep(0.5)


@pytest.fixture
def tmux_server() -> Iterator[str]:
    socket = f"workbench-test-{os.getpid()}"
    yield socket
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


def repo_with_a_file(root: Path) -> Path:
    repo = root / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "app.py").write_text("print(1)\n")
    (repo / "src" / "tool.py").write_text("def tool():\n    return 1\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=30)
    return repo


def edit(old: str, new: str, call: str) -> list[object]:
    """A turn that reads app.py (no question), then edits it (a question)."""
    return [
        reply(tool_use("Read", {"file_path": "app.py"}, id=f"{call}_read")),
        reply(tool_use("Edit", {"file_path": "app.py", "old_string": old, "new_string": new}, id=call)),
        reply(text(f"Done: app.py now prints {new[6]}.")),
    ]


def start(socket: str, term: str, tmp: Path, url: str) -> tuple[Pane, Path]:
    repo = repo_with_a_file(tmp)
    home = tmp / "home"
    home.mkdir()
    (home / "config.toml").write_text(CONFIG)
    env = {
        "TERM": term,
        "WORKBENCH_HOME": str(home),
        "WORKBENCH_CONFIG": str(home / "config.toml"),
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_API_KEY": "test-key",
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
    }
    app = [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main())", str(repo)]
    command = f"env -i {' '.join(f'{k}={shlex.quote(v)}' for k, v in env.items())} {shlex.join(app)}"
    pane = Pane(socket, "wb")
    shell = f"{command}; echo EXITED $?; sleep 60"  # the exit code stays on screen
    pane.tmux("-f", "/dev/null", "new-session", "-d", "-s", "wb", "-x", "80", "-y", "24", shell)
    pane.wait_for("Ask the persona", "^k palette")
    return pane, repo


def from_the_prompt(pane: Pane, repo: Path, wide: bool, turn: int) -> None:
    """Palette, help, the three panes and an approval, starting with the focus in the prompt."""
    pane.keys("C-k")
    pane.wait_for("Help: keys and commands")
    pane.keys("Escape")
    pane.wait_for("Help: keys and commands", gone=True)
    pane.keys("F1")
    pane.wait_for("Keys and commands", "alt+1 files")
    pane.keys("Escape")
    pane.wait_for("Keys and commands", gone=True)

    pane.keys("M-1")  # the files pane, focus in the tree: the src folder opens, then closes
    pane.wait_for("Explorer")
    if not wide:
        pane.keys("Down", "Enter")
        pane.wait_for("tool.py")
    else:
        pane.keys("Enter")
        pane.wait_for("tool.py", gone=True)
    pane.keys("M-3")  # the plan pane, focus in its list: `a` adds a step
    pane.wait_for("a add · e edit")
    pane.keys("a")
    pane.wait_for("Enter saves")
    pane.keys("Escape")
    pane.wait_for("Enter saves", gone=True)
    pane.keys("M-2")  # the chat, focus in the prompt
    pane.type("what now")
    pane.wait_for("what now")
    pane.keys("C-u")
    pane.wait_for("what now", gone=True)
    if not wide:
        assert "Explorer" not in pane.screen()  # one pane at a time at 80 columns

    pane.type(f"edit app.py ({turn})")
    pane.keys("Enter")
    pane.wait_for("Approval needed", "waiting for your answer")
    time.sleep(0.4)  # the card ignores keys for its first moments
    pane.keys("y")
    shown = pane.wait_for(f"Done: app.py now prints {turn + 1}.")
    assert f"print({turn + 1})" in (repo / "app.py").read_text()
    assert "Approval · Edit" in shown or "allowed once" in shown


@pytest.mark.timeout(180)
@pytest.mark.parametrize("term", TERMS)
def test_keys_alone_in_tmux(tmux_server: str, tmp_path: Path, term: str) -> None:
    with MessagesPeer([*edit("print(1)", "print(2)", "toolu_1"), *edit("print(2)", "print(3)", "toolu_2")]) as peer:
        pane, repo = start(tmux_server, term, tmp_path, peer.url)
        from_the_prompt(pane, repo, wide=False, turn=1)
        pane.resize(160, 48)
        pane.wait_for("Explorer", "Plan")  # every pane at once
        from_the_prompt(pane, repo, wide=True, turn=2)
        pane.keys("C-q")
        pane.wait_for("EXITED 0")
    assert len(peer.message_requests) == 6
