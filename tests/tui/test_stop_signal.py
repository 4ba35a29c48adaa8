"""SIGTERM and SIGHUP to the screen, as a real process on a pseudo-terminal: the running command is killed, the turn
ends cancelled in the transcript, and the process exits 143 / 129."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, sessions_folder
from tests.procs import ROOT, alive, descendants, run_env
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, text, tool_use


def _drain(fd: int, seen: bytearray) -> None:
    """Read the screen's output so it never blocks on a full terminal."""
    with contextlib.suppress(OSError):
        while chunk := os.read(fd, 65536):
            seen.extend(chunk)


def _wait(check: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_the_screen_stops_like_ctrl_c(tmp_path: Path, sig: int, code: int) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(json.dumps({"permissions": {"allow": ["Bash(sleep:*)"]}}))
    first = reply(text("Sleeping now."), tool_use("Bash", {"command": "sleep 60"}, id="toolu_sleep"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = bytearray()
    with MessagesPeer([first]) as peer:
        env = {**run_env(home, peer.url), "TERM": "xterm-256color"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench", str(repo)],
            env=env,
            cwd=ROOT,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master, seen), daemon=True)
        reader.start()
        sleeper: list[int] = []

        def sleeping() -> bool:
            for pid in descendants(proc.pid):
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"60"]:
                        sleeper[:] = [pid]
            return bool(sleeper)

        try:
            _wait(lambda: b"workbench" in seen or len(seen) > 2000, "the first frame")
            time.sleep(1.0)  # the prompt takes focus once the screen is mounted
            os.write(master, b"sleep please\r")
            _wait(sleeping, "the command to start")
            proc.send_signal(sig)
            proc.wait(timeout=20)
        finally:
            for pid in [*sleeper, *descendants(proc.pid)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            os.close(master)
    assert proc.returncode == code, seen[-2000:].decode(errors="replace")
    assert not alive(sleeper[0])
    session = SessionStore(repo, root=sessions_folder(home)).load("latest")
    assert session.events[-1].type == "turn_done" and session.events[-1].to_json()["stop_reason"] == "cancelled"
    result = session.messages[-1]["content"][0]
    assert result["tool_use_id"] == "toolu_sleep" and result["is_error"] is True
    assert not (sessions_folder(home) / f"{session.id}.lock").exists()
