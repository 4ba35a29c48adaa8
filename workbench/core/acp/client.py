"""`--agent acp:COMMAND`: an external ACP agent driven as one of our sessions, under our gate.

    agent = await open_agent(AgentRequest(workspace, "acp:gemini --acp", approver=DenyAll()))
    async for event in agent.run_turn("Review src/"):     # our core events: the screen and `workbench run`
        ...                                               # render them as they render a persona's
    await agent.aclose()

The agent runs as a child process speaking ACP v1 on its stdin/stdout (its stderr goes to a log beside the
session's transcript). What it asks of us is ours to decide: permission requests become approval requests
for our approver, and `fs/*` and `terminal/*` are served by `serve.Gatekeeper`. What it runs inside its
own process is not: those calls show as `agent:KIND` cards, and the session says so at its start and, at
each turn's end, which ones the agent reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from workbench import __version__
from workbench.config import Config, load_config
from workbench.core.acp.presets import AgentCommand, AgentSpecError, resolve
from workbench.core.acp.wire import PROTOCOL_VERSION, STDIO_LIMIT
from workbench.core.approvals import Approver, Decision, PermissionMode
from workbench.core.assembly import OpenError
from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    ErrorEvent,
    Event,
    Notice,
    PlanItem,
    PlanUpdated,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.core.session_store import SessionStore, new_session_id

if TYPE_CHECKING:
    from workbench.core.checkpoint.rewind import Rewinder

log = logging.getLogger("workbench.acp")
E = TypeVar("E", bound=Event)
START_TIMEOUT_S = 60.0
SHOWN_WAIT_S = 5.0  # outside a turn nobody takes the events: ask anyway after this
STOP_REASONS = {"end_turn": "end_turn", "max_tokens": "max_tokens", "max_turn_requests": "max_turns"}


class AgentUnavailable(OpenError):
    """The agent could not be started or refused to talk ACP v1."""


@dataclass
class AgentRequest:
    workspace: Path
    agent: str  # `acp:COMMAND ARGS` or a preset name
    approver: Approver
    mode: PermissionMode | str | None = None
    allow: Sequence[str] = ()
    deny: Sequence[str] = ()
    config: Config | None = None
    trust: bool | None = None  # the project's own settings: None the stored answer, True for this run


@dataclass(frozen=True)
class AgentIdentity:
    """Stands where a persona stands on the screen and in `workbench run`'s result."""

    id: str
    name: str
    color: str | None = None
    description: str = ""


@dataclass
class _Turn:
    queue: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)


class AcpAgentSession:
    """One external agent session. Made by `open_agent`; `run_turn` and `aclose` as an AgentSession's."""

    def __init__(self, request: AgentRequest, command: AgentCommand, config: Config, trusted: bool = False) -> None:
        from workbench.core.acp.from_acp import UpdateMapper
        from workbench.core.acp.serve import Gatekeeper

        self.workspace = request.workspace.resolve()
        self.command = command
        self.approver = GuardedApprover(request.approver, self._shown)
        self.id = new_session_id()
        self.persona = AgentIdentity(id=f"acp:{command.name}", name=f"{command.name} (ACP)")
        self.model = "ACP v1"  # the agent's own name and version once it has told them
        self.usage = UsageInfo()
        self.plan: list[PlanItem] = []
        self.events: list[Event] = []
        self.agent_session_id = ""
        self.store = SessionStore(self.workspace)
        self.transcript = self.store.create(
            self.id,
            {
                "workspace": str(self.workspace),
                "persona": {"id": self.persona.id},
                "model": command.name,
                "acp_agent": list(command.argv),
            },
        )
        self.mapper = UpdateMapper(self.workspace)
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.gate = Gatekeeper(
            self.workspace,
            self.approver,
            config,
            self._emit,
            self.id,
            self.store.audit_path(self.id),
            command.name,
            mode=str(PermissionMode.parse(request.mode)) if request.mode else "default",
            allow=tuple(request.allow),
            deny=tuple(request.deny),
            project_trusted=trusted,
        )
        self.mapper.terminal_output = self.gate.seen_output
        self.mode = str(self.gate.policy.mode)
        self.ledger = self.gate.policy.ledger
        self._stack = contextlib.AsyncExitStack()
        self.conn: Any = None
        self._turn = 0
        self.notices = [
            Notice(
                level="warning",
                message=(
                    f"{command.name} is an external ACP agent: its file and terminal requests and its permission "
                    "questions go through the workbench's policy and approvals; the tools it runs inside its own "
                    "process are outside our gate (their cards say agent:KIND · outside our gate)."
                ),
            )
        ]

    # -- start and stop --------------------------------------------------------------------------------

    async def start(self) -> None:
        from acp import spawn_agent_process
        from acp.schema import ClientCapabilities, FileSystemCapabilities, Implementation

        stderr = self._stack.enter_context(self.store.path(self.id).with_suffix(".agent.log").open("ab"))
        try:
            self.conn, _proc = await self._stack.enter_async_context(
                spawn_agent_process(
                    cast(Any, _ClientSide(self)),  # routed by method name
                    *self.command.argv,
                    env=dict(os.environ),
                    cwd=self.workspace,
                    transport_kwargs={"stderr": stderr.fileno(), "limit": STDIO_LIMIT},
                )
            )
            files = FileSystemCapabilities(read_text_file=True, write_text_file=True)
            caps = ClientCapabilities(fs=files, terminal=True)
            info = Implementation(name="workbench", title="workbench", version=__version__)
            reply = await asyncio.wait_for(
                self.conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=caps, client_info=info),
                START_TIMEOUT_S,
            )
            if reply.protocol_version != PROTOCOL_VERSION:
                raise AgentUnavailable(
                    f"{self.command.shown} speaks ACP version {reply.protocol_version}; the workbench speaks 1"
                )
            if reply.agent_info is not None:
                self.model = f"{reply.agent_info.name} {reply.agent_info.version}"
            made = await asyncio.wait_for(
                self.conn.new_session(cwd=str(self.workspace), mcp_servers=[]), START_TIMEOUT_S
            )
            self.agent_session_id = made.session_id
        except AgentUnavailable:
            await self.aclose()
            raise
        except (OSError, ConnectionError, TimeoutError, Exception) as exc:
            await self.aclose()
            why = "did not answer in time" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            raise AgentUnavailable(
                f"{self.command.shown} could not be started as an ACP agent: {why} "
                f"(its stderr: {self.store.path(self.id).with_suffix('.agent.log')})"
            ) from None

    def sandbox_warning(self) -> str | None:
        """One line when the commands we run for the agent (terminal/*) have no OS sandbox, else None."""
        return self.gate.context.sandbox.warning()

    def context_gauge(self) -> None:
        """The agent's context window is its own business: no gauge."""
        return None

    # What the screen asks of every session (workbench.tui.host.SessionLike), answered for an external agent.
    checkpoints: None = None  # its edits happen in its own process: nothing to rewind
    audit_off: str | None = None
    mode_notice: Notice | None = None
    memory: None = None  # it reads its own instruction files
    system_prompt = ""  # and keeps its own prompt

    @property
    def history(self) -> list[dict[str, Any]]:
        return []  # the agent keeps its own conversation

    def rewinder(self) -> Rewinder:
        from workbench.core.checkpoint.plan import RewindError

        raise RewindError("an external agent's session has no checkpoints to rewind")

    def set_model(self, model: str) -> str:
        raise ValueError(f"{self.command.name} chooses its own model; /model does not reach an ACP agent")

    async def compact(self, instructions: str = "") -> AsyncIterator[Event]:
        """An external agent keeps (and compacts) its own conversation: nothing to do here."""
        message = f"{self.command.name} keeps its own conversation; /compact does not reach it"
        yield Notice(level="info", message=message)

    def set_mode(self, mode: PermissionMode | str) -> PermissionMode:
        """The mode our policy applies to the agent's file and terminal requests and its permission questions."""
        in_force = self.gate.policy.set_mode(mode)
        self.mode = str(in_force)
        return in_force

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.gate.aclose()
        self.gate.context.sandbox.close()
        with contextlib.suppress(Exception):
            await self._stack.aclose()
        self.transcript.close()

    # -- events ----------------------------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        self.queue.put_nowait(event)

    async def _shown(self) -> None:
        """Wait until the screen has taken every event so far, so an approval card comes after them."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.queue.join(), SHOWN_WAIT_S)

    def _record(self, event: E) -> E:
        from workbench.core.session_store import TRANSIENT_EVENTS

        if not isinstance(event, TRANSIENT_EVENTS):
            self.events.append(event)
            self.transcript.event(event)
        if isinstance(event, PlanUpdated):
            self.plan = list(event.items)
        return event

    def set_plan(self, items: Sequence[PlanItem]) -> PlanUpdated:
        """A user's plan edit: kept on our side; the protocol has no way to hand it to the agent."""
        self.plan = list(items)
        self.notices.append(Notice(level="info", message="plan edits stay on this screen: ACP cannot send them"))
        return PlanUpdated(items=tuple(self.plan), source="user")

    # -- a turn ----------------------------------------------------------------------------------------

    def run_turn(self, prompt: str) -> AsyncIterator[Event]:
        return self._run_turn(prompt)

    async def _run_turn(self, prompt: str) -> AsyncIterator[Event]:
        from acp import text_block

        self._turn += 1
        yield self._record(TurnStarted(turn=self._turn, prompt=prompt, persona_id=self.persona.id, model=self.model))
        while self.notices:
            yield self._record(self.notices.pop(0))
        task = asyncio.get_running_loop().create_task(
            self.conn.prompt(session_id=self.agent_session_id, prompt=[text_block(prompt)])
        )
        finished = False
        try:
            while not task.done() or not self.queue.empty():
                getter = asyncio.ensure_future(self.queue.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield self._record(getter.result())
                    self.queue.task_done()
                else:
                    getter.cancel()
            for event in self.mapper.end_message():
                yield self._record(event)
            stop = self._stop(task)
            if stop == "error":
                yield self._record(ErrorEvent(kind="agent", message=f"the agent failed: {task.exception()}"))
            reported = self.mapper.reported_notice()
            if reported is not None:
                yield self._record(reported)
            finished = True
            yield self._done(stop)
        finally:
            if not finished:  # cancelled by our user: tell the agent, and give it a moment to stop
                if not task.done():
                    with contextlib.suppress(Exception):
                        await self.conn.cancel(session_id=self.agent_session_id)
                    with contextlib.suppress(BaseException):
                        await asyncio.wait_for(asyncio.shield(task), 2.0)
                self._done("cancelled")
            self.transcript.sync_soon()

    def _done(self, stop: str) -> TurnDone:
        final = self.mapper.final_text()
        return self._record(TurnDone(stop_reason=stop, final_text=final, usage=UsageInfo(), session_id=self.id))

    @staticmethod
    def _stop(task: asyncio.Task[Any]) -> str:
        if task.cancelled():
            return "cancelled"
        if task.exception() is not None:
            return "error"
        reason = str(task.result().stop_reason)
        return STOP_REASONS.get(reason, reason)

    # -- the agent's requests --------------------------------------------------------------------------

    async def permission(self, tool_call: Any, options: list[Any]) -> Any:
        from acp.schema import AllowedOutcome, DeniedOutcome, RequestPermissionResponse

        from workbench.core.acp.from_acp import choose_option

        request = self.mapper.approval_request(tool_call)
        self._emit(ApprovalRequested(request=request))
        decision = await self.approver.decide(request)
        choice = choose_option(options, decision)
        if decision.allow and choice is None:
            decision = Decision(allow=False, reason="the agent offered no one-time approval", by="user")
            choice = choose_option(options, decision)
        self._emit(ApprovalDecided(request_id=request.id, call_id=request.call_id, decision=decision))
        self._audit(request, decision)
        if not decision.allow:
            for event in self.mapper.denied(request, decision):
                self._emit(event)
        if choice is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=choice))

    def _audit(self, request: Any, decision: Decision) -> None:
        import time

        from workbench.core.agent.wiring import write_audit

        asked = _Asked(reason=request.reason)
        write_audit(
            self.gate.audit, tool=request.tool, args=request.input, started_at=time.time(), duration_ms=0,
            evaluation=asked, decision=decision, result=None, error=None if decision.allow else decision.reason,
        )  # fmt: skip


class GuardedApprover:
    """An approver that fails denies; one whose request is being cancelled (the screen closing) lets the
    cancellation through, so nothing answers the agent over a connection that is closing."""

    def __init__(self, inner: Approver, before: Callable[[], Awaitable[None]]) -> None:
        self.inner = inner
        self.before = before

    async def decide(self, request: Any) -> Decision:
        await self.before()
        try:
            return await self.inner.decide(request)
        except Exception as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError from exc
            return Decision(allow=False, reason=f"the approval failed: {exc}", by="user")


@dataclass(frozen=True)
class _Asked:
    """The policy side of an agent's permission request in the audit log: it asked."""

    reason: str
    verdict: str = "ask"


class _ClientSide:
    """The ACP `Client` interface for one agent session; each method is served under our gate."""

    def __init__(self, owner: AcpAgentSession) -> None:
        self.owner = owner

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        for event in self.owner.mapper.events(update):
            self.owner._emit(event)

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any) -> Any:
        return await self.owner.permission(tool_call, options)

    async def read_text_file(
        self, session_id: str, path: str, line: int | None = None, limit: int | None = None, **kwargs: Any
    ) -> Any:
        from acp.schema import ReadTextFileResponse

        return ReadTextFileResponse(content=await self.owner.gate.read_text_file(path, line, limit))

    async def write_text_file(self, session_id: str, path: str, content: str, **kwargs: Any) -> Any:
        from acp.schema import WriteTextFileResponse

        await self.owner.gate.write_text_file(path, content)
        return WriteTextFileResponse()

    async def create_terminal(
        self,
        session_id: str,
        command: str,
        args: list[str] | None = None,
        env: list[Any] | None = None,
        cwd: str | None = None,
        output_byte_limit: int | None = None,
        **kwargs: Any,
    ) -> Any:
        from acp.schema import CreateTerminalResponse

        terminal_id = await self.owner.gate.create_terminal(command, args, env, cwd, output_byte_limit)
        return CreateTerminalResponse(terminal_id=terminal_id)

    async def terminal_output(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        from acp.schema import TerminalExitStatus, TerminalOutputResponse

        text, truncated, code, signal, exited = self.owner.gate.output(terminal_id)
        status = TerminalExitStatus(exit_code=code, signal=signal) if exited else None
        return TerminalOutputResponse(output=text, truncated=truncated, exit_status=status)

    async def wait_for_terminal_exit(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        from acp.schema import WaitForTerminalExitResponse

        code, signal = await self.owner.gate.wait_for_exit(terminal_id)
        return WaitForTerminalExitResponse(exit_code=code, signal=signal)

    async def kill_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        from acp.schema import KillTerminalResponse

        await self.owner.gate.kill(terminal_id)
        return KillTerminalResponse()

    async def release_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        from acp.schema import ReleaseTerminalResponse

        await self.owner.gate.release(terminal_id)
        return ReleaseTerminalResponse()


async def open_agent(request: AgentRequest) -> AcpAgentSession:
    """Start the agent named by `request.agent` and open an ACP session in the workspace. Raises OpenError."""
    if not request.workspace.is_dir():
        raise OpenError(f"{request.workspace}: not a folder")
    if request.mode is not None and not PermissionMode.known(request.mode):
        raise OpenError(f"unknown permission mode {request.mode!r}; choose one of {', '.join(PermissionMode)}")
    config = request.config if request.config is not None else load_config()
    try:
        command = resolve(request.agent, config)
    except AgentSpecError as exc:
        raise AgentUnavailable(str(exc)) from None
    from workbench.core.trust import assess

    trusted = assess(request.workspace, config=config, override=request.trust).trusted
    try:
        session = AcpAgentSession(request, command, config, trusted)
    except ValueError as exc:  # a mode the settings forbid
        raise OpenError(str(exc)) from None
    await session.start()
    return session
