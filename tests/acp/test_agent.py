"""`workbench acp` as a real subprocess, driven by the SDK's client connection, the model played by MessagesPeer."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from acp import text_block

from tests.acp.helpers import RecordingClient, workbench_acp
from tests.core.agent.helpers import git_repo
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, stall, text, thinking, tool_use

OLD = "def greet(name):\n    return f'hello {name}'\n"
NEW = "def greet(name):\n    return f'Hello, {name}!'\n"


@pytest.fixture
def repo(tmp_path: Path, isolated_env: Path) -> Path:
    config = isolated_env / ".workbench" / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[agent]\nretry_base_s = 0.01\nretry_max = 1\n")
    return git_repo(tmp_path / "repo")


def edit_script() -> list[object]:
    edit = {"file_path": "app.py", "old_string": "hello {name}", "new_string": "Hello, {name}!"}
    return [
        reply(text("Let me look at the greeting."), tool_use("Read", {"file_path": "app.py"})),
        reply(text("I will capitalise it."), tool_use("Edit", edit)),
        reply(text("Done: the greeting is capitalised.")),
    ]


async def _prompt(conn: object, session_id: str, words: str) -> str:
    response = await asyncio.wait_for(conn.prompt(session_id=session_id, prompt=[text_block(words)]), 60)  # type: ignore[attr-defined]
    return str(response.stop_reason)


@pytest.mark.parametrize(("answer", "changed"), [("allow-once", True), ("deny", False)])
async def test_edit_asks_the_client_and_its_answer_decides(repo: Path, answer: str, changed: bool) -> None:
    client = RecordingClient(answers=[answer])
    with MessagesPeer(edit_script()) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            assert session.modes is not None and session.modes.current_mode_id == "default"
            assert "acceptEdits" in [m.id for m in session.modes.available_modes]
            stop = await _prompt(conn, session.session_id, "Capitalise the greeting")
    assert stop == "end_turn"
    assert (repo / "app.py").read_text() == (NEW if changed else OLD)
    kinds = client.kinds()
    assert "agent_message_chunk" in kinds and "available_commands_update" in kinds
    assert "Let me look at the greeting." in client.text() and "Done: the greeting is capitalised." in client.text()
    starts = [u for u in client.updates if u.session_update == "tool_call"]
    assert [u.kind for u in starts] == ["read", "edit"]
    edit_id = starts[1].tool_call_id
    ready = [u for u in client.updates if u.session_update == "tool_call_update" and u.tool_call_id == edit_id]
    diffs = [c for u in ready for c in (u.content or []) if c.type == "diff"]
    assert diffs and diffs[0].path == str(repo / "app.py") and diffs[0].new_text == "Hello, {name}!"
    assert ready[-1].status == ("completed" if changed else "failed")
    # One permission request, for the edit, with our proposals as options.
    [(call, options)] = client.permissions
    assert call.tool_call_id == edit_id and call.kind == "edit"
    assert [o.option_id for o in options] == ["allow-once", "allow-session", "allow-always", "deny"]
    assert [o.kind for o in options] == ["allow_once", "allow_always", "allow_always", "reject_once"]
    assert "Edit(" in options[1].name
    assert wire.problems() == []
    saved = SessionStore(repo).load(session.session_id)
    assert saved.events[-1].type == "turn_done"


async def test_cancel_during_a_slow_turn_ends_cancelled(repo: Path) -> None:
    client = RecordingClient()
    with MessagesPeer([stall(1500, 30, reply(text("A long answer " * 40)))]) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            turn = asyncio.create_task(_prompt(conn, session.session_id, "Tell me a long story"))
            await asyncio.wait_for(client.text_seen.wait(), 30)
            await conn.cancel(session_id=session.session_id)
            stop = await asyncio.wait_for(turn, 30)
    assert stop == "cancelled"
    assert wire.problems() == []
    saved = SessionStore(repo).load(session.session_id)
    assert saved.events[-1].type == "turn_done" and saved.events[-1].stop_reason == "cancelled"  # type: ignore[attr-defined]


async def test_load_replays_a_finished_session(repo: Path) -> None:
    first = RecordingClient(answers=["allow-once"])
    with MessagesPeer(edit_script()) as peer:
        async with workbench_acp(first, repo, peer.url) as (conn, _wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            assert await _prompt(conn, session.session_id, "Capitalise the greeting") == "end_turn"
        again = RecordingClient()
        async with workbench_acp(again, repo, peer.url) as (conn, wire):
            await asyncio.wait_for(conn.load_session(cwd=str(repo), session_id=session.session_id, mcp_servers=[]), 60)
            replayed = list(again.updates)  # everything before the answer
    kinds = [u.session_update for u in replayed]
    assert kinds[0] == "user_message_chunk" and replayed[0].content.text == "Capitalise the greeting"
    assert "Done: the greeting is capitalised." in "".join(
        u.content.text for u in replayed if u.session_update == "agent_message_chunk"
    )
    calls = [u for u in replayed if u.session_update == "tool_call"]
    assert [(c.kind, c.status) for c in calls] == [("read", "completed"), ("edit", "completed")]
    assert wire.problems() == []


async def test_reads_and_writes_go_through_the_editors_buffers(repo: Path) -> None:
    """With fs capabilities, the Read sees the unsaved buffer and the approved Edit lands in the editor."""
    unsaved = "def greet(name):\n    return f'hello {name}'  # unsaved change\n"
    client = RecordingClient(answers=["allow-once"], buffers={str(repo / "app.py"): unsaved})
    with MessagesPeer(edit_script()) as peer:
        async with workbench_acp(client, repo, peer.url, fs=True) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            assert await _prompt(conn, session.session_id, "Capitalise the greeting") == "end_turn"
    read_done = next(u for u in client.updates if u.session_update == "tool_call_update" and u.status == "completed")
    assert "# unsaved change" in read_done.content[0].content.text
    assert client.writes == [(str(repo / "app.py"), unsaved.replace("hello {name}", "Hello, {name}!"))]
    assert (repo / "app.py").read_text() == OLD  # the editor owns the file now; the disk is its business
    assert wire.problems() == []


async def test_modes_are_session_modes(repo: Path) -> None:
    client = RecordingClient()
    with MessagesPeer(edit_script()) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            await conn.set_session_mode(session_id=session.session_id, mode_id="acceptEdits")
            assert await _prompt(conn, session.session_id, "Capitalise the greeting") == "end_turn"
            assert await _prompt(conn, session.session_id, "/mode plan") == "end_turn"
            with pytest.raises(Exception, match="Invalid params"):
                await conn.set_session_mode(session_id=session.session_id, mode_id="bypassPermissions")
    assert client.permissions == [] and (repo / "app.py").read_text() == NEW
    modes = [u.current_mode_id for u in client.updates if u.session_update == "current_mode_update"]
    assert modes == ["plan"]
    assert wire.problems() == []


class ExampleStyleClient(RecordingClient):
    """Like the SDK's example client: no fs capability, and every permission request answered with an error."""

    async def request_permission(self, session_id: str, tool_call: object, options: object, **kwargs: object) -> object:
        from acp import RequestError

        raise RequestError.method_not_found("session/request_permission")


async def test_a_client_that_cannot_ask_gets_denials_not_a_hang(repo: Path) -> None:
    client = ExampleStyleClient()
    with MessagesPeer(edit_script()) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            assert await _prompt(conn, session.session_id, "Capitalise the greeting") == "end_turn"
    assert (repo / "app.py").read_text() == OLD
    failed = [u for u in client.updates if u.session_update == "tool_call_update" and u.status == "failed"]
    assert "could not ask the user" in failed[0].content[0].content.text
    assert wire.problems() == []


@pytest.mark.parametrize("trusted", [True, False])
async def test_mcp_servers_from_the_client_start_only_in_a_trusted_project(repo: Path, trusted: bool) -> None:
    from acp.schema import McpServerStdio

    from workbench.core.mcp.trust import set_trusted

    set_trusted(repo, trusted)
    server = Path(__file__).resolve().parents[1] / "core" / "mcp" / "servers" / "basic.py"
    passed = McpServerStdio(name="editor", command=sys.executable, args=[str(server)], env=[])
    client = RecordingClient()
    with MessagesPeer([reply(text("Looked."))]) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[passed])
            assert await _prompt(conn, session.session_id, "What tools do you have?") == "end_turn"
        offered = peer.message_requests[0].tool_names()
    assert ("mcp__editor__echo" in offered) is trusted
    assert ("start only in a trusted project" in client.text()) is not trusted
    assert wire.problems() == []


async def test_thoughts_and_the_plan_reach_the_client_and_a_load(repo: Path) -> None:
    todos = [
        {"content": "Read the code", "status": "completed"},
        {"content": "Fix the greeting", "status": "in_progress", "activeForm": "Fixing the greeting"},
    ]
    client = RecordingClient()
    with MessagesPeer(
        [reply(thinking("Two steps."), tool_use("TodoWrite", {"todos": todos})), reply(text("Planned."))]
    ) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            assert await _prompt(conn, session.session_id, "Plan it") == "end_turn"
        assert wire.problems() == []
        again = RecordingClient()
        async with workbench_acp(again, repo, peer.url) as (conn, wire):
            await conn.load_session(cwd=str(repo), session_id=session.session_id, mcp_servers=[])
            assert wire.problems() == []
    for seen in (client, again):
        thoughts = "".join(u.content.text for u in seen.updates if u.session_update == "agent_thought_chunk")
        assert thoughts == "Two steps."
        [plan] = [u for u in seen.updates if u.session_update == "plan"]
        assert [(e.content, e.status) for e in plan.entries] == [
            ("Read the code", "completed"),
            ("Fix the greeting", "in_progress"),
        ]
        think = [u for u in seen.updates if u.session_update == "tool_call" and u.kind == "think"]
        assert think, seen.kinds()


def test_stdout_carries_only_frames(tmp_path: Path) -> None:
    """A stray print and a child process writing to stdout, once `workbench acp` has begun, land on stderr."""
    import json
    import subprocess

    stray = (
        "import os, sys\n"
        "import workbench.core.acp.wire as wire\n"
        "from workbench.cli import main\n"
        "claim = wire.claim_stdout\n"
        "def noisy():\n"
        "    frames = claim()\n"
        "    print('stray print', flush=True)\n"
        "    os.system('echo stray child')\n"
        "    return frames\n"
        "wire.claim_stdout = noisy\n"
        "sys.exit(main(['acp']))\n"
    )
    frames = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": 1}},
        {"jsonrpc": "2.0", "id": 1, "method": "session/list", "params": {}},
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", stray],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdin is not None
    proc.stdin.write(b"".join(json.dumps(frame).encode() + b"\n" for frame in frames))
    proc.stdin.flush()
    out, err = proc.communicate(timeout=60)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert [frame["id"] for frame in lines] == [0, 1] and lines[0]["result"]["protocolVersion"] == 1
    assert lines[1]["error"]["code"] == -32601  # session/list is not offered
    assert b"stray print" in err and b"stray child" in err


async def test_allow_for_this_session_remembers_the_pattern(repo: Path) -> None:
    first = {"file_path": "app.py", "old_string": "hello {name}", "new_string": "Hello, {name}!"}
    second = {"file_path": "app.py", "old_string": "Hello, {name}!", "new_string": "Hi, {name}!"}
    script = [
        reply(tool_use("Read", {"file_path": "app.py"})),
        reply(tool_use("Edit", first)),
        reply(tool_use("Edit", second)),
        reply(text("Both edits made.")),
    ]
    client = RecordingClient(answers=["allow-session"])
    with MessagesPeer(script) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[])
            assert await _prompt(conn, session.session_id, "Edit twice") == "end_turn"
            assert await _prompt(conn, session.session_id, "/grants") == "end_turn"
    assert len(client.permissions) == 1  # the second edit matched the remembered pattern
    assert "Hi, {name}!" in (repo / "app.py").read_text()
    assert "Edit(" in client.text() and "(session)" in client.text()
    assert wire.problems() == []


def test_starting_and_initializing_loads_no_ui_and_no_model_client(tmp_path: Path) -> None:
    """`workbench acp` answers initialize without Textual, Rich or the anthropic SDK (they come with a session)."""
    import json
    import subprocess

    probe = (
        "import atexit, sys\n"
        "from workbench.cli import main\n"
        "heavy = ('textual', 'rich', 'anthropic', 'httpx2', 'mcp')\n"
        "loaded = lambda: ' '.join(sorted(m for m in heavy if m in sys.modules))\n"
        "atexit.register(lambda: sys.stderr.write('LOADED ' + loaded()))\n"
        "sys.exit(main(['acp']))\n"
    )
    frame = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": 1}}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=json.dumps(frame).encode() + b"\n",
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout)["result"]["protocolVersion"] == 1
    assert done.stderr.decode().rstrip().endswith("LOADED"), done.stderr.decode()[-300:]


async def test_project_commands_hooks_and_mcp_progress_reach_the_client(repo: Path) -> None:
    """The project's custom commands are announced with ours; a hook run shows as a call of its own (failed when it
    blocked); an MCP server's progress updates its running call."""
    from acp.schema import McpServerStdio

    from workbench.core.mcp.trust import set_trusted

    commands = repo / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "review.md").write_text(
        "---\ndescription: Review the diff\nargument-hint: [path]\n---\nReview $ARGUMENTS\n"
    )
    hook = {"matcher": "Bash", "hooks": [{"type": "command", "command": "echo 'no ls today' >&2; exit 2"}]}
    (repo / ".claude" / "settings.json").write_text(json.dumps({"hooks": {"PreToolUse": [hook]}}))
    set_trusted(repo, True)
    server = Path(__file__).resolve().parents[1] / "core" / "mcp" / "servers" / "rich.py"
    passed = McpServerStdio(name="rich", command=sys.executable, args=[str(server)], env=[])
    script = [
        reply(tool_use("Bash", {"command": "ls"}, id="toolu_ls")),
        reply(tool_use("mcp__rich__long_job", {}, id="toolu_job")),
        reply(text("Done.")),
    ]
    client = RecordingClient(answers=["allow-once"])
    with MessagesPeer(script) as peer:
        async with workbench_acp(client, repo, peer.url) as (conn, wire):
            session = await conn.new_session(cwd=str(repo), mcp_servers=[passed])
            assert await _prompt(conn, session.session_id, "List the files, then run the job") == "end_turn"
    [announced] = [u for u in client.updates if u.session_update == "available_commands_update"]
    names = {c.name: c for c in announced.available_commands}
    assert {"mode", "grants", "model", "review"} <= set(names)
    assert names["review"].description.startswith("Review the diff")
    hooks = [u for u in client.updates if u.session_update == "tool_call" and u.tool_call_id.startswith("hook-")]
    assert [(h.kind, h.status, h.title) for h in hooks] == [
        ("execute", "failed", "PreToolUse hook: echo 'no ls today' >&2; exit 2")
    ]
    assert "no ls today" in hooks[0].content[0].content.text
    progress = [u for u in client.updates if u.session_update == "tool_call_update" and u.status == "in_progress"]
    assert [p.tool_call_id for p in progress] == ["toolu_job"] * 3
    assert progress[-1].title.endswith("· 3/3 step 3 of 3")
    assert wire.problems() == []
