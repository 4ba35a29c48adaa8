"""`workbench acp`: a persona as an ACP agent, for Zed, Toad or any ACP client.

Each ACP session is one of our sessions, opened through `workbench.core.assembly.open_session` (the same
persona rule, policy, grants, audit and transcript as the screen and `workbench run`), so a session made in
an editor can be resumed on our screen and the other way round (`session/load` takes our session ids).
Approvals go to the client as `session/request_permission` with our proposals as its options; the client's
answer is our Decision. The permission modes are the session modes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from acp import RequestError, schema
from acp.interfaces import Client

from workbench import __version__
from workbench.config import load_config
from workbench.core.acp import to_acp
from workbench.core.acp.mcp import ClientServers, start_servers
from workbench.core.acp.wire import PROTOCOL_VERSION
from workbench.core.agent.client import import_sdk_in_background
from workbench.core.approvals import ApprovalRequest, Decision, PermissionMode
from workbench.core.assembly import OpenError, OpenRequest, open_session
from workbench.core.events import Notice

if TYPE_CHECKING:
    from workbench.core.assembly import Opened
    from workbench.core.project import SlashEntry

log = logging.getLogger("workbench.acp")

# Bypass needs the user's own flag on our command line; an editor's mode menu cannot grant it.
MODES = [m for m in PermissionMode if m is not PermissionMode.BYPASS]
COMMANDS = {
    "mode": ("Switch the permission mode: " + ", ".join(MODES), "a mode"),
    "grants": ("List the approvals remembered for this session and project", None),
    "model": ("Switch the model for the following turns", "an alias or a model id"),
}


@dataclass
class Options:
    """`workbench acp`'s command line."""

    persona: str | None = None
    model: str | None = None
    agents: list[str] = field(default_factory=list)


class ClientApprover:
    """The core's Approver, answered by the client's `session/request_permission`."""

    def __init__(self, conn: Client, workspace: Path) -> None:
        self.conn = conn
        self.workspace = workspace
        self.session_id = ""

    async def decide(self, request: ApprovalRequest) -> Decision:
        try:
            response = await self.conn.request_permission(
                session_id=self.session_id,
                tool_call=to_acp.permission_call(request, self.workspace),
                options=to_acp.permission_options(request),
            )
        except RequestError as exc:
            return Decision(allow=False, reason=f"the editor could not ask the user ({exc})", by="user")
        except ConnectionError:
            return Decision(allow=False, reason="the editor went away before answering", by="user")
        return to_acp.decision_from(response.outcome, request)


@dataclass
class _Live:
    """One open session and its running turn."""

    opened: Opened
    approver: ClientApprover
    mapper: to_acp.EventMapper
    servers: ClientServers
    turn: asyncio.Task[str] | None = None


class WorkbenchAgent:
    """The ACP `Agent` interface over our sessions."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.conn: Client | None = None
        self.sessions: dict[str, _Live] = {}
        self.client_caps = schema.ClientCapabilities()
        self._sending: set[asyncio.Task[None]] = set()  # updates sent after an answer; held until done

    def on_connect(self, conn: Client) -> None:
        self.conn = conn

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: schema.ClientCapabilities | None = None,
        client_info: schema.Implementation | None = None,
        **kwargs: Any,
    ) -> schema.InitializeResponse:
        if client_capabilities is not None:
            self.client_caps = client_capabilities
        who = client_info.name if client_info is not None else "an unnamed client"
        log.info("initialize from %s (protocol %s)", who, protocol_version)
        return schema.InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=schema.AgentCapabilities(
                load_session=True,
                prompt_capabilities=schema.PromptCapabilities(image=False, audio=False, embedded_context=True),
                mcp_capabilities=schema.McpCapabilities(http=False, sse=False),
            ),
            agent_info=schema.Implementation(name="workbench", title="workbench", version=__version__),
        )

    async def authenticate(self, method_id: str, **kwargs: Any) -> schema.AuthenticateResponse | None:
        return schema.AuthenticateResponse()

    # -- sessions ------------------------------------------------------------------------------------

    async def new_session(
        self, cwd: str, mcp_servers: list[Any] | None = None, **kwargs: Any
    ) -> schema.NewSessionResponse:
        live = await self._open(cwd, None, mcp_servers)
        session = live.opened.session
        self._announce(session.id, live)
        return schema.NewSessionResponse(session_id=session.id, modes=self._modes(live))

    async def load_session(
        self, cwd: str, session_id: str, mcp_servers: list[Any] | None = None, **kwargs: Any
    ) -> schema.LoadSessionResponse:
        live = await self._open(cwd, session_id, mcp_servers)
        session = live.opened.session
        for event in list(session.events):  # the whole conversation, before the answer
            for update in live.mapper.replay(event):
                await self._send(session.id, update)
        self._announce(session.id, live)
        return schema.LoadSessionResponse(modes=self._modes(live))

    async def _open(self, cwd: str, resume: str | None, mcp_servers: list[Any] | None) -> _Live:
        assert self.conn is not None
        workspace = Path(cwd)
        if not workspace.is_absolute():
            raise RequestError.invalid_params({"cwd": f"{cwd!r} must be an absolute path"})
        if not workspace.is_dir():
            raise RequestError.invalid_params({"cwd": f"{cwd!r} is not a folder"})
        if resume is not None and resume in self.sessions:
            await self._close(resume)
        import_sdk_in_background()  # a second of imports, done while the session opens and the user types
        config = load_config()
        servers = await start_servers(workspace, list(mcp_servers or []), config)
        approver = ClientApprover(self.conn, workspace)
        request = OpenRequest(
            workspace,
            approver=approver,
            persona=self.options.persona if resume is None else None,
            agents=self.options.agents,
            model=self.options.model,
            resume=resume,
            mcp=servers,
            config=config,
        )
        try:
            opened = await open_session(request)
        except OpenError as exc:
            await servers.stop()
            raise RequestError.invalid_params({"message": str(exc)}) from None
        session = opened.session
        session.notices.extend(Notice(level="warning", message=text) for text in servers.notices)
        approver.session_id = session.id
        fs = self.client_caps.fs
        if fs is not None and (fs.read_text_file or fs.write_text_file):
            from workbench.core.acp.buffers import use_editor_buffers

            use_editor_buffers(session, self.conn, fs)
        live = _Live(opened, approver, to_acp.EventMapper(session.workspace), servers)
        self.sessions[session.id] = live
        return live

    def _modes(self, live: _Live) -> schema.SessionModeState:
        current = str(live.opened.session.policy.mode)
        modes = [schema.SessionMode(id=str(m), name=str(m), description=m.help) for m in MODES]
        if current not in MODES:
            modes.append(schema.SessionMode(id=current, name=current, description=PermissionMode(current).help))
        return schema.SessionModeState(current_mode_id=current, available_modes=modes)

    def _announce(self, session_id: str, live: _Live) -> None:
        """The slash commands, sent just after the session/new (or load) answer."""
        commands = [
            schema.AvailableCommand(
                name=name,
                description=text,
                input=schema.AvailableCommandInput(root=schema.UnstructuredCommandInput(hint=hint)) if hint else None,
            )
            for name, (text, hint) in COMMANDS.items()
        ]
        commands += [
            schema.AvailableCommand(
                name=entry.name,
                description=f"{entry.description} {entry.source}".strip(),
                input=schema.AvailableCommandInput(root=schema.UnstructuredCommandInput(hint=entry.argument_hint))
                if entry.argument_hint
                else None,
            )
            for entry in self._project_commands(live)
            if entry.name not in COMMANDS
        ]
        update = schema.AvailableCommandsUpdate(session_update="available_commands_update", available_commands=commands)
        task = asyncio.get_running_loop().create_task(self._send(session_id, update))  # after the answer is queued
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def _project_commands(self, live: _Live) -> list[SlashEntry]:
        """The project's and the user's custom commands and the MCP servers' prompts, as the screen lists them:
        a prompt starting with one goes to the session, which expands it."""
        from workbench.core.project import slash_entries

        try:
            return slash_entries(live.opened.session.workspace, live.opened.mcp)
        except OSError as exc:
            log.warning("custom commands could not be listed: %s", exc)
            return []

    async def _send(self, session_id: str, update: Any) -> None:
        if self.conn is None:
            return
        try:
            await self.conn.session_update(session_id=session_id, update=update)
        except ConnectionError:
            log.info("the client went away")

    def _live(self, session_id: str) -> _Live:
        live = self.sessions.get(session_id)
        if live is None:
            raise RequestError.invalid_params({"sessionId": f"no open session {session_id!r}"})
        return live

    # -- turns ---------------------------------------------------------------------------------------

    async def prompt(self, prompt: list[Any], session_id: str, **kwargs: Any) -> schema.PromptResponse:
        live = self._live(session_id)
        if live.turn is not None and not live.turn.done():
            raise RequestError.invalid_request({"message": "a turn is already running in this session"})
        text = prompt_text(prompt)
        if text.startswith("/"):
            handled = await self._command(session_id, live, text)
            if handled:
                return schema.PromptResponse(stop_reason="end_turn")
        live.turn = asyncio.get_running_loop().create_task(self._drive(session_id, live, text))
        try:
            stop = await asyncio.shield(live.turn)
        except asyncio.CancelledError:
            if not live.turn.cancelled():  # this request itself was cancelled (the connection closed)
                live.turn.cancel()
                raise
            stop = "cancelled"
        if stop == "error":
            raise RequestError.internal_error({"message": _last_error(live)})
        return schema.PromptResponse(stop_reason=to_acp.STOP_REASONS.get(stop, "end_turn"))

    async def _drive(self, session_id: str, live: _Live, text: str) -> str:
        from workbench.core.events import TurnDone

        stop = "end_turn"
        async for event in live.opened.session.run_turn(text):
            for update in live.mapper.updates(event):
                await self._send(session_id, update)
            if isinstance(event, TurnDone) and not event.agent_path:
                stop = event.stop_reason
        return stop

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        live = self.sessions.get(session_id)
        if live is not None and live.turn is not None and not live.turn.done():
            live.turn.cancel()

    async def set_session_mode(self, mode_id: str, session_id: str, **kwargs: Any) -> schema.SetSessionModeResponse:
        live = self._live(session_id)
        if mode_id not in MODES:
            raise RequestError.invalid_params({"modeId": f"unknown mode {mode_id!r}; one of {', '.join(MODES)}"})
        self._set_mode(live, mode_id)
        return schema.SetSessionModeResponse()

    def _set_mode(self, live: _Live, mode: str) -> str:
        from workbench.core.policy.engine import tighten

        session = live.opened.session
        persona_mode = session.persona.permission_mode
        session.policy.mode = tighten(mode, persona_mode)  # a persona's own mode only ever tightens it
        session.mode = session.policy.mode
        return str(session.mode)

    async def _command(self, session_id: str, live: _Live, text: str) -> bool:
        """Our slash commands; False for any other text starting with '/', which goes to the persona."""
        name, _, arg = text[1:].partition(" ")
        arg = arg.strip()
        session = live.opened.session
        if name == "mode":
            if arg not in MODES:
                reply = f"unknown mode {arg!r}; choose one of {', '.join(MODES)}"
            else:
                mode = self._set_mode(live, arg)
                update = schema.CurrentModeUpdate(session_update="current_mode_update", current_mode_id=mode)
                await self._send(session_id, update)
                reply = f"mode: {mode} ({PermissionMode(mode).help})"
        elif name == "grants":
            grants = session.ledger.list()
            reply = "\n".join(f"- {g.pattern} ({g.scope})" for g in grants) or "no remembered approvals"
        elif name == "model" and arg:
            reply = f"model: {session.set_model(arg)}"
        else:
            return False
        await self._send(session_id, to_acp.note_update(reply))
        return True

    # -- shutdown ------------------------------------------------------------------------------------

    async def _close(self, session_id: str) -> None:
        live = self.sessions.pop(session_id, None)
        if live is None:
            return
        if live.turn is not None and not live.turn.done():
            live.turn.cancel()
            await asyncio.gather(live.turn, return_exceptions=True)
        try:
            await live.opened.aclose()
        finally:
            await live.servers.stop()

    async def aclose(self) -> None:
        for session_id in list(self.sessions):
            await self._close(session_id)


def _last_error(live: _Live) -> str:
    from workbench.core.events import ErrorEvent

    for event in reversed(live.opened.session.events):
        if isinstance(event, ErrorEvent):
            return f"{event.kind}: {event.message}" + (f" ({event.hint})" if event.hint else "")
    return "the turn failed"


def prompt_text(blocks: list[Any]) -> str:
    """The prompt as our text: text blocks as they are, embedded files as context, links as mentions."""
    parts: list[str] = []
    for block in blocks:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource":
            resource = block.resource
            body = getattr(resource, "text", None)
            if isinstance(body, str):
                parts.append(f'<context uri="{resource.uri}">\n{body}\n</context>')
        elif kind == "resource_link":
            parts.append(f"@{block.uri}")
    return "\n".join(parts)


async def serve(options: Options, frames: BinaryIO) -> int:
    """Run the agent on stdin and `frames` (the real stdout, from `wire.claim_stdout`) until the client closes."""
    from acp.agent.connection import AgentSideConnection

    from workbench.core.acp.wire import protocol_stdio

    reader, writer = await protocol_stdio(frames)
    agent = WorkbenchAgent(options)
    conn = AgentSideConnection(cast(Any, agent), writer, reader, listening=False)  # the methods it routes by name
    try:
        await conn.listen()
    finally:
        await agent.aclose()
        await asyncio.shield(conn.close())
    return 0


__all__ = ["Options", "WorkbenchAgent", "serve"]
