"""An ACP client made of the SDK's own connection, for driving `workbench acp` as a real subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION, spawn_agent_process
from acp.connection import StreamDirection, StreamEvent
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    DeniedOutcome,
    FileSystemCapabilities,
    Implementation,
    PermissionOption,
    ReadTextFileResponse,
    RequestPermissionResponse,
    ToolCallUpdate,
    WriteTextFileResponse,
)

from workbench.core.acp.wire import check_frames


@dataclass
class RecordingClient:
    """Answers permission requests with the option ids in `answers` (in order), records everything."""

    answers: list[str] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    permissions: list[tuple[ToolCallUpdate, list[PermissionOption]]] = field(default_factory=list)
    buffers: dict[str, str] = field(default_factory=dict)  # path -> unsaved editor text (fs capability)
    writes: list[tuple[str, str]] = field(default_factory=list)
    asked: asyncio.Event = field(default_factory=asyncio.Event)
    text_seen: asyncio.Event = field(default_factory=asyncio.Event)

    async def request_permission(
        self, session_id: str, tool_call: ToolCallUpdate, options: list[PermissionOption], **kwargs: Any
    ) -> RequestPermissionResponse:
        self.permissions.append((tool_call, options))
        self.asked.set()
        if not self.answers:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=self.answers.pop(0)))

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates.append(update)
        if getattr(update, "session_update", "") == "agent_message_chunk":
            self.text_seen.set()

    async def read_text_file(self, session_id: str, path: str, **kwargs: Any) -> ReadTextFileResponse:
        if path in self.buffers:
            return ReadTextFileResponse(content=self.buffers[path])
        return ReadTextFileResponse(content=Path(path).read_text())

    async def write_text_file(self, session_id: str, path: str, content: str, **kwargs: Any) -> WriteTextFileResponse:
        self.writes.append((path, content))
        self.buffers[path] = content
        return WriteTextFileResponse()

    def kinds(self) -> list[str]:
        return [u.session_update for u in self.updates]

    def text(self) -> str:
        return "".join(u.content.text for u in self.updates if u.session_update == "agent_message_chunk")


@dataclass
class Wire:
    """Every frame `workbench acp` sent, checked against the schema at the end."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    ours: list[dict[str, Any]] = field(default_factory=list)

    def observe(self, event: StreamEvent) -> None:
        (self.frames if event.direction is StreamDirection.INCOMING else self.ours).append(event.message)

    def problems(self) -> list[str]:
        assert self.frames, "no frames seen"
        return check_frames(self.frames, sent_by="agent", received=self.ours)


def agent_env(base_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["ANTHROPIC_BASE_URL"] = base_url
    env.pop("WORKBENCH_ACP_LOG", None)
    return env


@contextlib.asynccontextmanager
async def workbench_acp(
    client: RecordingClient, cwd: Path, base_url: str, *args: str, fs: bool = False
) -> AsyncIterator[tuple[Any, Wire]]:
    """`workbench acp ARGS` as a subprocess, initialized (protocol 1); yields (connection, wire)."""
    wire = Wire()
    stderr = (cwd.parent / "acp-stderr.log").open("ab")
    try:
        async with spawn_agent_process(
            client,
            sys.executable,
            "-m",
            "workbench",
            "acp",
            *args,
            env=agent_env(base_url),
            cwd=cwd,
            transport_kwargs={"stderr": stderr.fileno()},
            observers=[wire.observe],
        ) as (conn, _proc):
            caps = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs))
            info = Implementation(name="tests", version="1")
            response = await asyncio.wait_for(
                conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=caps, client_info=info), 60
            )
            assert response.protocol_version == 1
            assert response.agent_capabilities.load_session is True
            yield conn, wire
    finally:
        stderr.close()
