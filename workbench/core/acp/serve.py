"""What an external agent asks the client to do, done by our own tools behind our own gate.

`fs/read_text_file` is our Read (the workspace fence, secret files refused, output redacted),
`fs/write_text_file` our Write (the fence, protected folders, a diff and an approval in the default mode),
`terminal/*` our Bash (its policy segment by segment, its execution path and whatever sandbox that path
has, its timeout). Each goes through the same CallGate as a persona's calls: the policy, the approver (an
approval card, or a denial with a reason headless), the audit log, and evidence events for the screen.
A refusal answers the agent with a JSON-RPC error carrying our reason.

A terminal's command runs to its end (or its timeout) as one Bash call: `terminal/output` has the output
once it has exited, `terminal/kill` and `terminal/release` stop it (the whole process group).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from acp import RequestError

from workbench.config import Config
from workbench.core.agent import wiring
from workbench.core.agent.calls import CallGate
from workbench.core.approvals import Approver
from workbench.core.events import ApprovalDecided, ApprovalRequested, Event, ToolCallFinished
from workbench.core.policy.audit import AuditLog
from workbench.core.secrets import redact
from workbench.core.tools.base import ToolError, ToolResult
from workbench.core.tools.bash import Bash
from workbench.core.tools.common import ctx_of
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.edit import Write
from workbench.core.tools.read import Read, load_text

ADMIT_WAIT_S = 0.25  # a call that asks says so at once; one that says nothing by then is running
REFUSED = ("deny", "denied", "invalid")
SHELLS = frozenset({"bash", "sh", "dash", "zsh"})


class RawRead(Read):
    """Read for an agent: the file's text itself (a line window when asked), not numbered lines."""

    input_schema: ClassVar[dict[str, Any]] = Read.input_schema

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        res, offset, limit = self._resolve(args, c)
        data, text = await asyncio.to_thread(load_text, c, res)
        if args.get("offset") is not None or args.get("limit") is not None:
            lines = text.splitlines(keepends=True)
            text = "".join(lines[offset - 1 : offset - 1 + limit])
        return ToolResult(content=redact(text), files_read=(res.rel,), output_bytes=len(data))


@dataclass
class _Terminal:
    task: asyncio.Task[None]
    limit: int | None
    call: dict[str, Any]
    finished: ToolCallFinished | None = None
    killed: bool = False


@dataclass
class Gatekeeper:
    """One external agent session's fs/* and terminal/* requests, through our tools, policy and audit."""

    workspace: Path
    approver: Approver
    config: Config
    emit: Callable[[Event], None]
    session_id: str
    audit_path: Path
    agent_name: str
    mode: str = "default"
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    project_trusted: bool = False  # an untrusted repository's own settings only tighten (workbench.core.trust)

    def __post_init__(self) -> None:
        # An agent may have read a file itself before it writes it through us: our read is not required,
        # but a file we served and that changed on disk since is still refused.
        settings = ToolSettings.from_config(self.config.tools, self.config.section("sandbox"))
        settings = dataclasses.replace(settings, require_read_before_edit=False)
        self.context = ToolContext(self.workspace, settings=settings, session_id=self.session_id)
        self.policy = wiring.policy_engine(
            self.workspace,
            None,
            mode=self.mode,
            allow=self.allow,
            deny=self.deny,
            config=self.config,
            project_trusted=self.project_trusted,
        )
        self.audit = AuditLog(self.audit_path, session=self.session_id, persona_id=f"acp:{self.agent_name}")
        self.gate = CallGate(
            {"Read": RawRead(), "Write": Write(), "Bash": Bash()},
            policy=self.policy,
            approver=self.approver,
            context=self.context,
            audit=wiring.audit_hook(self.audit),
        )
        self._ids = itertools.count(1)
        self.terminals: dict[str, _Terminal] = {}

    def _call_id(self, what: str) -> str:
        return f"wb-{what}-{next(self._ids)}"

    async def _through_gate(self, call_id: str, tool: str, args: dict[str, Any]) -> ToolCallFinished:
        finished: ToolCallFinished | None = None
        async for event in self.gate.execute(call_id, tool, args):
            self.emit(event)
            if isinstance(event, ToolCallFinished) and event.call_id == call_id:
                finished = event
        assert finished is not None
        return finished

    @staticmethod
    def _refusal(finished: ToolCallFinished) -> RequestError:
        return RequestError(-32000, finished.output, {"decision": finished.decision})

    # -- fs/* ------------------------------------------------------------------------------------------

    async def read_text_file(self, path: str, line: int | None, limit: int | None) -> str:
        args: dict[str, Any] = {"file_path": path}
        if line is not None:
            args["offset"] = line
        if limit is not None:
            args["limit"] = limit
        finished = await self._through_gate(self._call_id("read"), "Read", args)
        if finished.is_error:
            raise self._refusal(finished)
        return finished.output

    async def write_text_file(self, path: str, content: str) -> None:
        finished = await self._through_gate(self._call_id("write"), "Write", {"file_path": path, "content": content})
        if finished.is_error:
            raise self._refusal(finished)

    # -- terminal/* ------------------------------------------------------------------------------------

    async def create_terminal(
        self, command: str, args: list[str] | None, env: list[Any] | None, cwd: str | None, limit: int | None
    ) -> str:
        if Path(command).name in SHELLS and args and len(args) == 2 and args[0] in ("-c", "-lc"):
            line = args[1]  # `bash -c SCRIPT`: our Bash runs SCRIPT with bash, and the policy judges SCRIPT itself
        else:
            line = shlex.join([command, *args]) if args else command
        if env:  # as `env K=V command`: the policy sees the wrapper and judges the command inside
            line = shlex.join(["env", *(f"{v.name}={v.value}" for v in env)]) + " " + line
        call: dict[str, Any] = {"command": line}
        if cwd:
            call["cwd"] = cwd
        terminal_id = self._call_id("terminal")
        asking = asyncio.Event()
        admitted = asyncio.Event()

        async def run() -> None:
            async for event in self.gate.execute(terminal_id, "Bash", call):
                self.emit(event)
                if isinstance(event, ApprovalRequested):
                    asking.set()
                elif isinstance(event, ApprovalDecided):
                    admitted.set()
                elif isinstance(event, ToolCallFinished) and event.call_id == terminal_id:
                    self.terminals[terminal_id].finished = event
                    admitted.set()

        terminal = _Terminal(asyncio.get_running_loop().create_task(run()), limit, call)
        self.terminals[terminal_id] = terminal
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(admitted.wait(), ADMIT_WAIT_S)
        if asking.is_set():  # someone is deciding: the agent waits for the answer
            await admitted.wait()
            await asyncio.sleep(0)  # a denial's finished event follows its decision at once
        if terminal.finished is not None and terminal.finished.decision in REFUSED:
            del self.terminals[terminal_id]
            raise self._refusal(terminal.finished)
        return terminal_id

    def _terminal(self, terminal_id: str) -> _Terminal:
        terminal = self.terminals.get(terminal_id)
        if terminal is None:
            raise RequestError.invalid_params({"terminalId": f"no terminal {terminal_id!r}"})
        return terminal

    def output(self, terminal_id: str) -> tuple[str, bool, int | None, str | None, bool]:
        """(output, truncated, exit code, signal, exited) of a terminal."""
        terminal = self._terminal(terminal_id)
        done = terminal.finished
        if done is None:
            return "", False, None, ("SIGKILL" if terminal.killed else None), terminal.killed
        text = done.output
        truncated = False
        if terminal.limit is not None and len(text.encode()) > terminal.limit:
            text = text.encode()[-terminal.limit :].decode("utf-8", "ignore")
            truncated = True
        signal = "SIGKILL" if terminal.killed or done.meta.get("timed_out") else None
        return text, truncated, done.exit_code, signal, True

    def seen_output(self, terminal_id: str) -> str | None:
        terminal = self.terminals.get(terminal_id)
        return terminal.finished.output if terminal is not None and terminal.finished is not None else None

    async def wait_for_exit(self, terminal_id: str) -> tuple[int | None, str | None]:
        terminal = self._terminal(terminal_id)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(terminal.task)
        _, _, code, signal, _ = self.output(terminal_id)
        return code, signal

    async def kill(self, terminal_id: str) -> None:
        terminal = self._terminal(terminal_id)
        if not terminal.task.done():
            terminal.killed = True
            terminal.task.cancel()  # the Bash tool kills the whole process group
            with contextlib.suppress(asyncio.CancelledError):
                await terminal.task
            terminal.finished = ToolCallFinished(
                call_id=terminal_id,
                tool="Bash",
                input=terminal.call,
                output="(killed at the agent's request)",
                is_error=True,
                duration_ms=0.0,
                decision="approved",
            )
            self.emit(terminal.finished)

    async def release(self, terminal_id: str) -> None:
        await self.kill(terminal_id)
        self.terminals.pop(terminal_id, None)

    async def aclose(self) -> None:
        for terminal_id in list(self.terminals):
            with contextlib.suppress(RequestError, ToolError):
                await self.release(terminal_id)
