"""A headless session with a real stdio MCP server and the Messages API test peer over real HTTP.

The model (scripted in the peer) calls an MCP tool; the call goes through the same policy, approvals,
evidence events and audit log as any tool, and the server's answer goes back to the model.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.mcp.conftest import BASIC, stdio, write_mcp_json
from workbench.config import Config
from workbench.core.approvals import ApprovalRequest, Decision, DenyAll
from workbench.core.events import ApprovalRequested, Event, ToolCallFinished, TurnDone
from workbench.core.mcp.integration import attach_mcp, open_mcp
from workbench.core.mcp.manager import McpManager

pytestmark = pytest.mark.timeout(60)

try:
    from workbench.core.agent.client import make_client
    from workbench.core.agent.session import AgentSession
    from workbench.core.personas.loader import load_persona_file
    from workbench.testing import MessagesPeer, reply, text, tool_use
except ImportError as exc:  # pragma: no cover - only while the session or the peer is missing
    pytest.skip(
        f"needs workbench.core.agent.session.AgentSession and workbench.testing: {exc}", allow_module_level=True
    )


class Approve:
    """An approver that says yes once and keeps what it was asked."""

    def __init__(self) -> None:
        self.asked: list[ApprovalRequest] = []

    async def decide(self, request: ApprovalRequest) -> Decision:
        self.asked.append(request)
        return Decision(allow=True, reason="looks fine")


def make_workspace(root: Path) -> Path:
    workspace = root / "repo"
    workspace.mkdir()
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / "README.md").write_text("# demo\n")
    return workspace


def make_persona(folder: Path, tools: str) -> Path:
    path = folder / "mcp-user.md"
    path.write_text(
        f"---\nname: mcp-user\ndescription: uses an MCP server\ntools: {tools}\n---\nYou use the echo server.\n",
        encoding="utf-8",
    )
    return path


async def collect(events: AsyncIterator[Event]) -> list[Event]:
    return [event async for event in events]


async def start(workspace: Path, tmp_path: Path) -> McpManager:
    write_mcp_json(workspace, {"basic": stdio(BASIC)})
    return await open_mcp(workspace, trust_project=True)


def session_for(
    workspace: Path, persona_path: Path, manager: McpManager, peer: MessagesPeer, approver: Any, **kw: Any
) -> AgentSession:
    persona = load_persona_file(persona_path, mcp_servers=manager.server_tools())
    session = AgentSession.create(
        workspace,
        persona,
        approver=approver,
        model="claude-sonnet-5-5",
        config=Config(data={"audit": {"always": True}}),
        client=make_client(api_key="test-key", base_url=peer.url, timeout=10),
        **kw,
    )
    attach_mcp(session, manager)
    return session


async def test_mcp_call_allowed_by_rule_returns_result_and_is_audited(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    manager = await start(workspace, tmp_path)
    script = [
        reply(text("Asking the server."), tool_use("mcp__basic__echo", {"text": "ping from the model"}, id="toolu_m1")),
        reply(text("The server said: ping from the model")),
    ]
    try:
        with MessagesPeer(script) as peer:
            session = session_for(
                workspace,
                make_persona(tmp_path, "Read, mcp__basic"),
                manager,
                peer,
                DenyAll(),
                allow=["mcp__basic__echo"],
            )
            try:
                events = await collect(session.run_turn("use the echo tool"))
            finally:
                await session.aclose()
            first, second = peer.message_requests[0], peer.message_requests[1]
    finally:
        await manager.stop()

    offered = first.tool_names()
    assert "mcp__basic__echo" in offered and "mcp__basic__add" in offered and "Read" in offered
    spec = next(t for t in first.body["tools"] if t["name"] == "mcp__basic__echo")
    assert spec["input_schema"]["properties"]["text"]["type"] == "string"
    assert "mcp__basic__echo" in first.system_text()

    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert finished.tool == "mcp__basic__echo"
    assert (finished.output, finished.is_error) == ("ping from the model", False)
    assert not any(isinstance(e, ApprovalRequested) for e in events)  # the allow rule answered the ask
    results = [b for m in second.messages for b in m.get("content", []) if b.get("type") == "tool_result"]
    assert results and results[-1]["tool_use_id"] == "toolu_m1"
    assert "ping from the model" in json.dumps(results[-1]["content"])
    done = events[-1]
    assert isinstance(done, TurnDone) and done.stop_reason == "end_turn"

    audit = session.store.audit_path(session.id)
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    [record] = [r for r in records if r["tool"] == "mcp__basic__echo"]
    assert record["input"] == {"text": "ping from the model"}
    assert record["outcome"]["ok"] is True
    assert "mcp__basic__echo" in json.dumps(record["policy"])


async def test_mcp_call_asks_by_default(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    manager = await start(workspace, tmp_path)
    script = [
        reply(tool_use("mcp__basic__add", {"a": 2, "b": 3}, id="toolu_a")),
        reply(tool_use("mcp__basic__add", {"a": 4, "b": 5}, id="toolu_b")),
        reply(text("done")),
    ]
    approver = Approve()
    try:
        with MessagesPeer(script) as peer:
            session = session_for(workspace, make_persona(tmp_path, "mcp__basic__add"), manager, peer, approver)
            try:
                events = await collect(session.run_turn("add"))
            finally:
                await session.aclose()
    finally:
        await manager.stop()
    asked = [e for e in events if isinstance(e, ApprovalRequested)]
    assert len(asked) == 2 and asked[0].request.tool == "mcp__basic__add"
    outputs = [e.output for e in events if isinstance(e, ToolCallFinished)]
    assert outputs == ["5", "9"]


async def test_headless_denies_an_unapproved_mcp_call_and_excludes_ungranted_tools(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    manager = await start(workspace, tmp_path)
    script = [reply(tool_use("mcp__basic__echo", {"text": "x"}, id="toolu_d")), reply(text("ok"))]
    try:
        with MessagesPeer(script) as peer:
            session = session_for(workspace, make_persona(tmp_path, "Read, mcp__basic__echo"), manager, peer, DenyAll())
            try:
                events = await collect(session.run_turn("echo"))
            finally:
                await session.aclose()
            offered = peer.message_requests[0].tool_names()
    finally:
        await manager.stop()
    assert [n for n in offered if n.startswith("mcp__")] == ["mcp__basic__echo"]  # only what the persona grants
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert finished.is_error and "not approved" in finished.output


async def test_hanging_and_crashing_servers_leave_the_session_running(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    write_mcp_json(workspace, {"basic": stdio(BASIC)})
    manager = await open_mcp(workspace, trust_project=True, call_timeout=1.5)
    script = [
        reply(tool_use("mcp__basic__slow", {"seconds": 30}, id="toolu_s")),
        reply(tool_use("mcp__basic__crash", {}, id="toolu_c")),
        reply(tool_use("mcp__basic__echo", {"text": "after"}, id="toolu_e")),
        reply(text("The server is gone.")),
    ]
    try:
        with MessagesPeer(script) as peer:
            session = session_for(
                workspace, make_persona(tmp_path, "mcp__basic"), manager, peer, DenyAll(), allow=["mcp__basic"]
            )
            try:
                events = await collect(session.run_turn("try everything"))
            finally:
                await session.aclose()
    finally:
        await manager.stop()
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert [f.is_error for f in finished] == [True, True, True]
    assert "did not answer within 1.5s" in finished[0].output
    assert "stopped during the call" in finished[1].output and "exit code 3" in finished[1].output
    assert "is not running" in finished[2].output
    done = events[-1]
    assert isinstance(done, TurnDone) and done.stop_reason == "end_turn" and done.final_text == "The server is gone."
