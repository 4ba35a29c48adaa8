"""Headless runs: one prompt, no terminal UI, output as text, one JSON object, or a JSON event stream.

Anything that would ask for approval is denied with a reason (DenyAll): a headless run never waits for a
human. Exit codes (also in `workbench run --help` and docs/events.md):

    0  the turn completed
    1  the API failed (after retries) or rejected the request; the error says what to do
    2  bad input: unknown persona, missing folder, no credentials, a session that cannot be resumed or that
       another workbench process is writing (the message names its pid)
    3  the turn completed but tool calls were denied (a deny rule, the mode, or approval nobody could give)
    4  stopped by the max-turns limit
  130  interrupted (Ctrl-C); the transcript is saved and `--continue` resumes it
  143  stopped by SIGTERM, 129 by SIGHUP: as Ctrl-C, the running command is killed and the transcript saved
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from workbench.core.approvals import DenyAll, PermissionMode
from workbench.core.assembly import OpenError, OpenRequest, open_session
from workbench.core.events import (
    ApprovalDecided,
    AssistantText,
    Compacted,
    ErrorEvent,
    Event,
    HookRan,
    Notice,
    Retrying,
    TextDelta,
    ToolCallFinished,
    TurnDone,
)
from workbench.core.safe_text import terminal_safe as terminal_safe  # also for the CLI commands that print
from workbench.core.secrets import redact
from workbench.core.session_store import scrub
from workbench.core.stop_signals import StopSignals

if TYPE_CHECKING:  # the SDK is imported only once the input has been checked (it takes seconds)
    import httpx2

    from workbench.core.acp.client import AcpAgentSession
    from workbench.core.agent.session import AgentSession

EXIT_OK, EXIT_API, EXIT_INPUT, EXIT_DENIED, EXIT_MAX_TURNS, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
OUTPUT_FORMATS = ("text", "json", "stream-json")


@dataclass
class RunOptions:
    prompt: str
    cwd: Path
    persona: str | None = None
    mode: PermissionMode | str | None = None  # None: the settings' defaultMode, else default
    allow: Sequence[str] = ()
    deny: Sequence[str] = ()
    model: str | None = None
    max_turns: int = 50
    output_format: str = "text"
    resume: str | None = None
    record: Path | None = None
    trust_project: bool = False  # trust the repository's own settings, servers and personas for this run
    agent: str | None = None  # an external ACP agent (`acp:COMMAND ARGS` or a preset) instead of a persona
    transport: httpx2.AsyncBaseTransport | None = None  # tests and the demo inject one
    extra: dict[str, Any] = field(default_factory=dict)


def open_request(opts: RunOptions) -> OpenRequest:
    """The run's options as the core's session request: headless, so nothing can be approved."""
    return OpenRequest(
        workspace=opts.cwd,
        approver=DenyAll(hint="allow it with --allow RULE, or choose --mode"),
        persona=opts.persona,
        model=opts.model,
        mode=opts.mode,  # None: a new session's settings default, a resumed session's own mode
        allow=opts.allow,
        deny=opts.deny,
        max_turns=opts.max_turns,
        resume=opts.resume,
        trust=True if opts.trust_project else None,  # else the answer `workbench trust` stored
        mcp=True,
        transport=opts.transport,
        record=opts.record,
        require_credentials=True,
    )


def exit_code(done: TurnDone | None, denied: int) -> int:
    if done is None or done.stop_reason == "cancelled":
        return EXIT_INTERRUPTED
    if done.stop_reason == "error":
        return EXIT_API
    if done.stop_reason == "max_turns":
        return EXIT_MAX_TURNS
    if done.stop_reason == "invalid":  # a slash command that could not expand: nothing was sent
        return EXIT_INPUT
    if done.stop_reason == "blocked":  # a UserPromptSubmit hook refused the prompt
        return EXIT_DENIED
    return EXIT_DENIED if denied else EXIT_OK


class Printer:
    """Writes events in the chosen format; text goes to `out`, progress notes to `err`.

    Text streams as it arrives only on a terminal; into a pipe or file each response is written once it is
    complete, so a retried request never leaves a half answer in a script's output.
    """

    def __init__(self, fmt: str, out: TextIO, err: TextIO, *, stream: bool | None = None) -> None:
        self.fmt = fmt
        self.stream = out.isatty() if stream is None else stream
        self.out = out
        self.err = err
        self.calls: list[ToolCallFinished] = []
        self.hooks: list[HookRan] = []
        self.errors: list[ErrorEvent] = []
        self.notices: list[Notice] = []
        self.denied = 0
        self.done: TurnDone | None = None
        self._open_line = False

    def event(self, event: Event) -> None:
        if isinstance(event, ToolCallFinished):
            self.calls.append(event)
            if event.decision in ("deny", "denied"):
                self.denied += 1
        elif isinstance(event, ErrorEvent):
            self.errors.append(event)
        elif isinstance(event, HookRan):
            self.hooks.append(event)
        elif isinstance(event, Notice) and not event.agent_path:
            self.notices.append(event)
            if self.fmt == "json":  # stdout holds one object at the end: warnings go to stderr as they come
                self._note(f"· {event.level}: {event.message}")
        elif isinstance(event, TurnDone) and not event.agent_path:  # a subagent's turn is not the run's
            self.done = event
        if self.fmt == "stream-json":
            self.out.write(json.dumps(scrub(event.to_json()), ensure_ascii=True) + "\n")  # CI logs keep it
            self.out.flush()
        elif self.fmt == "text":
            self._text(event)

    def _note(self, line: str) -> None:
        if self._open_line:
            self.out.write("\n")
            self.out.flush()
            self._open_line = False
        self.err.write(terminal_safe(redact(line)) + "\n")
        self.err.flush()

    def _text(self, event: Event) -> None:
        if event.agent_path:
            self._child_text(event)
            return
        if isinstance(event, TextDelta) and self.stream:
            self.out.write(terminal_safe(event.text))
            self.out.flush()
            self._open_line = not event.text.endswith("\n")
        elif isinstance(event, AssistantText):
            if not self.stream:
                self.out.write(terminal_safe(event.text))
                self._open_line = not event.text.endswith("\n")
            if self._open_line:
                self.out.write("\n")
                self.out.flush()
                self._open_line = False
        elif isinstance(event, ToolCallFinished):
            status = "error" if event.is_error else "ok"
            first = event.output.splitlines()[0][:160] if event.is_error and event.output.strip() else ""
            self._note(f"· {event.tool} {json.dumps(event.input, ensure_ascii=True)[:160]} [{status}] {first}".rstrip())
        elif isinstance(event, ApprovalDecided) and not event.decision.allow:
            self._note(f"· denied: {event.decision.reason}")
        elif isinstance(event, Retrying):
            self._note(f"· retrying in {event.delay_s:.1f}s (attempt {event.attempt}): {event.reason}")
        elif isinstance(event, HookRan):
            code = f", exit {event.exit_code}" if event.exit_code is not None else ""
            why = f": {event.message.splitlines()[0][:200]}" if event.message.strip() else ""
            self._note(f"· hook {event.hook_event} {event.command[:120]!r} [{event.outcome}{code}]{why}")
        elif isinstance(event, ErrorEvent):
            self._note(f"error ({event.kind}): {event.message}" + (f"\n  {event.hint}" if event.hint else ""))
        elif isinstance(event, Notice):
            self._note(f"· {event.level}: {event.message}")
        elif isinstance(event, Compacted):
            self._note(f"· compacted the conversation: {event.tokens_before:,} -> {event.tokens_after:,} tokens")
        elif isinstance(event, TurnDone) and self._open_line:
            self.out.write("\n")
            self._open_line = False

    def _child_text(self, event: Event) -> None:
        """A subagent's work goes to the notes, named by its path; its answer reaches stdout only through the
        parent, which receives it as the Agent call's result."""
        who = " › ".join(event.agent_path)
        if isinstance(event, ToolCallFinished):
            status = "error" if event.is_error else "ok"
            self._note(f"· {who} › {event.tool} {json.dumps(event.input, ensure_ascii=True)[:160]} [{status}]")
        elif isinstance(event, ApprovalDecided) and not event.decision.allow:
            self._note(f"· {who} › denied: {event.decision.reason}")
        elif isinstance(event, ErrorEvent):
            self._note(f"{who} › error ({event.kind}): {event.message}")

    def summary(
        self, session: AgentSession | AcpAgentSession, code: int, project: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        done = self.done
        return {
            "type": "result",
            "session_id": session.id,
            "persona_id": session.persona.id,
            "model": session.model,
            "stop_reason": done.stop_reason if done else "cancelled",
            "final_text": done.final_text if done else "",
            "usage": (done.usage if done else session.usage).to_json(),
            "cost_usd": (done.usage if done else session.usage).cost_usd,
            "session_usage": session.usage.to_json(),
            "tool_calls": [
                {
                    "call_id": c.call_id,
                    "tool": c.tool,
                    "input": c.input,
                    "is_error": c.is_error,
                    "decision": c.decision,
                    "duration_ms": c.duration_ms,
                    "exit_code": c.exit_code,
                }
                for c in self.calls
            ],
            "hooks": [
                {
                    "event": h.hook_event,
                    "command": h.command,
                    "outcome": h.outcome,
                    "exit_code": h.exit_code,
                    "call_id": h.call_id,
                    "agent_path": list(h.agent_path),
                }
                for h in self.hooks
            ],
            "denied_calls": self.denied,
            "errors": [e.to_json() for e in self.errors],
            "notices": [{"level": n.level, "message": n.message} for n in self.notices],
            "project": project or {},
            "exit_code": code,
        }


async def run(opts: RunOptions, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one prompt; returns the exit code. Cancelling the task (Ctrl-C) saves the transcript first."""
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    if opts.output_format not in OUTPUT_FORMATS:
        stderr.write(f"--output-format must be one of {', '.join(OUTPUT_FORMATS)}\n")
        return EXIT_INPUT
    session: AgentSession | AcpAgentSession
    try:
        if opts.agent:
            session = await _open_agent(opts)
            close, project = session.aclose, _no_project
        else:
            opened = await open_session(open_request(opts))
            session, close, project = opened.session, opened.aclose, opened.project_json
    except OpenError as exc:
        stderr.write(f"workbench run: {terminal_safe(str(exc))}\n")
        return EXIT_INPUT
    warning = session.sandbox_warning()
    if warning:
        stderr.write(f"workbench run: {terminal_safe(warning)}\n")
    printer = Printer(opts.output_format, stdout, stderr)
    mode_notice = getattr(session, "mode_notice", None)  # a resumed session: which mode is in force and why
    if mode_notice is not None and opts.output_format == "stream-json":  # the others print it with the turn
        stderr.write(f"· {mode_notice.level}: {terminal_safe(mode_notice.message)}\n")
    stop = StopSignals()  # SIGTERM/SIGHUP cancel the turn as Ctrl-C does
    try:
        async with stop:
            async for event in session.run_turn(opts.prompt):
                printer.event(event)
    finally:
        code = stop.exit_code or exit_code(printer.done, printer.denied)
        try:
            if opts.output_format in ("json", "stream-json"):  # stream-json ends with the same result line
                summary = printer.summary(session, code, project())
                stdout.write(json.dumps(scrub(summary), ensure_ascii=True) + "\n")  # a CI log keeps it
                stdout.flush()
            if code == EXIT_INTERRUPTED or stop.signal:
                stderr.write(f"interrupted; session {session.id} saved (resume with --continue)\n")
        finally:  # a hung-up terminal may refuse the writes: the session is closed all the same
            await close()
    if opts.output_format == "text" and code != EXIT_INTERRUPTED and not stop.signal:
        stderr.write(f"session {session.id}\n")
    return code


def _no_project() -> dict[str, Any]:
    return {}  # an external agent brings no project settings of ours


async def _open_agent(opts: RunOptions) -> AcpAgentSession:
    """An external ACP agent instead of a persona (`--agent`): its requests are judged like a persona's calls."""
    from workbench.core.acp.client import AgentRequest, open_agent

    if opts.persona or opts.resume or opts.model:
        raise OpenError("--agent runs an external agent: --persona, --model, --resume and --continue do not apply")
    hint = "allow its file and shell requests with --allow RULE, or choose --mode"
    trust = True if opts.trust_project else None
    request = AgentRequest(opts.cwd, str(opts.agent), DenyAll(hint=hint), opts.mode, opts.allow, opts.deny, trust=trust)
    return await open_agent(request)
