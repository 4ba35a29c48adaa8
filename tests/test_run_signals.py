"""SIGTERM and SIGHUP end `workbench run` like Ctrl-C: the running command's process group is killed, the tool call
gets its result, the transcript is complete, and the exit code says which signal (143, 129)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, sessions_folder
from tests.procs import alive, descendants, group_alive, start_sleeping_run
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, text, tool_use


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_cancels_the_turn_and_kills_the_command(tmp_path: Path, sig: int, code: int) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    first = reply(text("Sleeping now."), tool_use("Bash", {"command": "sleep 60"}, id="toolu_sleep"))
    with MessagesPeer([first]) as peer:
        proc, sleeper = start_sleeping_run(repo, home, peer.url, seconds=60)
        group = os.getpgid(sleeper)
        began = time.monotonic()
        proc.send_signal(sig)
        try:
            out, err = proc.communicate(timeout=15)
        finally:
            for pid in [sleeper, *descendants(sleeper)]:  # on failure: leave nothing behind
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    elapsed = time.monotonic() - began
    assert proc.returncode == code, err
    assert elapsed < 5 and not alive(sleeper)
    assert not group_alive(group)  # nothing of the command's group is left
    assert "Traceback" not in err and "session" in err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[-1]["type"] == "result" and events[-1]["stop_reason"] == "cancelled"
    assert events[-1]["exit_code"] == code
    session = SessionStore(repo, root=sessions_folder(home)).load("latest")
    assert session.skipped_lines == 0
    assert session.events[-1].type == "turn_done" and session.events[-1].to_json()["stop_reason"] == "cancelled"
    result = session.messages[-1]["content"][0]
    assert result["tool_use_id"] == "toolu_sleep" and result["is_error"] is True
    assert not (sessions_folder(home) / f"{session.id}.lock").exists()
