"""Bytes that are not UTF-8 and half surrogate pairs: carried, shown as visible escapes, never an error.

A file named with a Latin-1 byte used to fail LS/Glob/Grep turns with a UnicodeEncodeError reported as the server's
`bad_response`; a lone `\\ud83d` in streamed text did the same and stopped the transcript.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, run_cli, sessions_folder
from workbench import headless
from workbench.core.agent.builtin import builtin_persona
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import DenyAll
from workbench.core.events import AssistantText, Notice, TurnDone
from workbench.core.session_store import SessionStore
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use


def _latin1_file(repo: Path) -> None:
    with open(os.fsencode(repo) + b"/caf\xe9.txt", "wb") as handle:
        handle.write(b"hello from the caf\xe9\n")


async def test_a_latin1_file_name_through_ls_glob_and_grep(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    _latin1_file(repo)
    calls = [
        tool_use("LS", {"path": "."}),
        tool_use("Glob", {"pattern": "*.txt"}),
        tool_use("Grep", {"pattern": "hello", "output_mode": "content"}),
    ]
    with MessagesPeer([reply(*calls), reply(text("Found it."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out, err = io.StringIO(), io.StringIO()
        code = await headless.run(RunOptions(prompt="list it", cwd=repo, output_format="json"), out, err)
        sent = peer.message_requests[-1].messages[-1]["content"]
    result = json.loads(out.getvalue())
    assert code == 0, (result["errors"], err.getvalue())
    assert result["final_text"] == "Found it." and not any(c["is_error"] for c in result["tool_calls"])
    for block in sent:  # what the model gets: the bad byte as a visible escape
        assert "caf\\xe9.txt" in block["content"], block
    assert "caf\\xe9" in sent[2]["content"]  # Grep's line: the file's own Latin-1 byte
    loaded = SessionStore(repo).load(result["session_id"])
    assert loaded.skipped_lines == 0 and loaded.events[-1].type == "turn_done"
    assert not [e for e in loaded.events if isinstance(e, Notice)]


def test_a_lone_surrogate_in_streamed_text(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    with MessagesPeer([reply(text("Half a pair: \ud83d, then more."), piece=5), reply(text("Still here."))]) as peer:
        first = run_cli(["run", "say it", "--cwd", str(repo)], base_url=peer.url, home=home)
        second = run_cli(["run", "again", "--cwd", str(repo), "--continue"], base_url=peer.url, home=home)
        history = peer.message_requests[-1].messages
    assert first.returncode == 0, first.stderr
    assert first.stdout == "Half a pair: \\ud83d, then more.\n" and "Traceback" not in first.stderr
    assert second.returncode == 0, second.stderr
    assert history[1]["content"][0]["text"] == "Half a pair: \\ud83d, then more."  # sent back, encodable
    loaded = SessionStore(repo, root=sessions_folder(home)).load("latest")
    assert loaded.skipped_lines == 0
    said = [e.text for e in loaded.events if isinstance(e, AssistantText)]
    assert said == ["Half a pair: \ud83d, then more.", "Still here."]  # the transcript kept every event
    assert [e.type for e in loaded.events].count("turn_done") == 2


async def test_a_failed_transcript_write_is_a_visible_warning(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills after the answer: the end of the turn cannot be written, and the turn says so."""
    repo = git_repo(tmp_path / "repo")
    with MessagesPeer([reply(text("An answer."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        session = AgentSession.create(repo, builtin_persona(), approver=DenyAll())
        events = []
        async for event in session.run_turn("go"):
            events.append(event)
            if isinstance(event, AssistantText):  # from here on, every write is ENOSPC
                full = os.open("/dev/full", os.O_WRONLY)
                os.dup2(full, session.transcript._fh.fileno())
                os.close(full)
        await session.aclose()
    done = next(i for i, e in enumerate(events) if isinstance(e, TurnDone))
    warnings = [e for e in events[done:] if isinstance(e, Notice) and e.level == "warning"]
    assert warnings and "could not be written" in warnings[0].message and "not being saved" in warnings[0].message
