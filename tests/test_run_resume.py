"""Crash safety: `kill -9` of `workbench run` in the middle of a tool call, then `--continue`; and Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

from tests.core.agent.helpers import git_repo, run_cli, sessions_folder
from tests.procs import alive, descendants, start_sleeping_run
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, text, tool_use


def test_kill_9_mid_tool_call_then_continue_keeps_every_completed_event(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    first = reply(text("Sleeping now."), tool_use("Bash", {"command": "sleep 30"}, id="toolu_sleep"))
    with MessagesPeer([first]) as peer:
        proc, sleeper = start_sleeping_run(repo, home, peer.url)
        transcript = next(sessions_folder(home).glob("*[0-9a-f].jsonl"))
        before = transcript.read_text().splitlines()
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        for pid in [sleeper, *descendants(sleeper)]:  # orphaned unless the sandbox ended it with its parent
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with open(transcript, "a", encoding="utf-8") as fh:
            fh.write('{"k":"event","e":{"type":"tool_call_fini')  # as if the kill landed mid-write

        peer.push(reply(text("Resumed fine.")))
        done = run_cli(
            ["run", "go on", "--cwd", str(repo), "--continue", "--output-format", "json"], base_url=peer.url, home=home
        )
        sent = peer.message_requests[-1].messages
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["final_text"] == "Resumed fine." and transcript.name.startswith(result["session_id"])
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"][-1]["id"] == "toolu_sleep"
    tool_result, prompt = sent[2]["content"][0], sent[2]["content"][-1]
    assert tool_result["tool_use_id"] == "toolu_sleep" and tool_result["is_error"] is True
    assert "Interrupted" in tool_result["content"] and prompt["text"] == "go on"
    after = transcript.read_text().splitlines()
    assert after[: len(before)] == before  # every completed record is still there, in order
    loaded = SessionStore(repo, root=sessions_folder(home)).load(result["session_id"])
    types = [e.type for e in loaded.events if e.type != "checkpoint"]
    assert types[:2] == ["turn_started", "tool_call_started"] and "assistant_text" in types
    assert types.count("turn_started") == 2 and types[-1] == "turn_done"


def test_ctrl_c_cancels_cleanly_and_kills_the_tool(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    first = reply(text("Sleeping now."), tool_use("Bash", {"command": "sleep 30"}, id="toolu_sleep"))
    with MessagesPeer([first]) as peer:
        proc, sleeper = start_sleeping_run(repo, home, peer.url)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        elapsed = time.monotonic() - began
    assert proc.returncode == 130, err
    assert elapsed < 5 and not alive(sleeper)
    assert "interrupted; session" in err and "Traceback" not in err
    events = [json.loads(line) for line in out.splitlines()]
    assert events[-1]["type"] == "result" and events[-1]["stop_reason"] == "cancelled"
    assert events[-1]["exit_code"] == 130
    session = SessionStore(repo, root=sessions_folder(home)).load("latest")
    assert session.events[-1].type == "turn_done" and session.events[-1].to_json()["stop_reason"] == "cancelled"
    assert session.messages[-1]["content"][0]["tool_use_id"] == "toolu_sleep"
