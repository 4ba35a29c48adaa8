"""One writer per session, with real processes: a second `workbench run --resume` of a session another run is
writing stops with exit 2 and the holder's pid; reading the session still works; the lock dies with its holder."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path

from tests.core.agent.helpers import git_repo, run_cli, sessions_folder
from tests.procs import descendants, start_sleeping_run
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, text, tool_use


def test_a_second_writer_is_refused_and_readers_still_work(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    first = reply(text("Sleeping now."), tool_use("Bash", {"command": "sleep 30"}, id="toolu_sleep"))
    with MessagesPeer([first]) as peer:
        holder, sleeper = start_sleeping_run(repo, home, peer.url)
        session_id = next(sessions_folder(home).glob("*[0-9a-f].jsonl")).stem
        before = (sessions_folder(home) / f"{session_id}.jsonl").read_text()
        try:
            second = run_cli(
                ["run", "me too", "--cwd", str(repo), "--resume", session_id], base_url=peer.url, home=home
            )
            again = run_cli(["run", "me too", "--cwd", str(repo), "--continue"], base_url=peer.url, home=home)
            shown = run_cli(["sessions", "--cwd", str(repo), "show", session_id], base_url=None, home=home)
            listed = run_cli(["sessions", "--cwd", str(repo), "list"], base_url=None, home=home)
            assert len(peer.message_requests) == 1  # the refused runs never reached the API
        finally:
            holder.send_signal(signal.SIGKILL)  # a kill -9: the kernel frees the lock
            holder.communicate(timeout=10)
            for pid in [sleeper, *descendants(sleeper)]:  # orphaned by the kill: clean up what this test started
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for refused in (second, again):
            assert refused.returncode == 2, refused.stderr
            assert f"session {session_id} is open in another workbench (pid {holder.pid})" in refused.stderr
        transcript = (sessions_folder(home) / f"{session_id}.jsonl").read_text()
        assert transcript == before  # nothing of the refused runs was written
        assert shown.returncode == 0 and f"# Session {session_id}" in shown.stdout
        assert listed.returncode == 0 and session_id in listed.stdout

        peer.push(reply(text("Resumed after the kill.")))
        resumed = run_cli(
            ["run", "go on", "--cwd", str(repo), "--resume", session_id, "--output-format", "json"],
            base_url=peer.url,
            home=home,
        )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["final_text"] == "Resumed after the kill."
    assert not (sessions_folder(home) / f"{session_id}.lock").exists()  # released when the run ended
    loaded = SessionStore(repo, root=sessions_folder(home)).load(session_id)
    assert [m["role"] for m in loaded.messages] == ["user", "assistant", "user", "assistant"]
