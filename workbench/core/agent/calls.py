"""One tool call through the gate: preview -> policy -> (approver) -> run, as events.

A tool whose `run` takes a keyword parameter `network` is told whether this call may reach the network: only
when the policy's evaluation granted it (a `Network(...)` rule) or the user approved a request that asked
for it; never because the model's arguments say so.

A tool may offer `run_stream(args, ctx) -> AsyncIterator[Event | ToolResult]` instead of relying on `run`:
its events (a subagent's, with their `agent_path`) are passed on while it runs, and the last ToolResult
it yields is the call's result. A `run_stream` with a keyword parameter `call_id` gets the call's id.

Several read-only calls in one response that the policy allows outright run concurrently; their results
come back in the order the model wrote the calls. Everything else runs one call at a time, in order.

Refusals of every kind (unknown tool, invalid input, a deny rule, the mode, a user's or headless denial)
end as a ToolCallFinished with `is_error` and a reason the model can act on. A tool that crashes is an
error result too: one bad tool never ends the turn.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from workbench.core.approvals import ApprovalRequest, Approver, Decision, Verdict
from workbench.core.events import ApprovalDecided, ApprovalRequested, Event, ToolCallFinished
from workbench.core.safe_text import visible_bytes
from workbench.core.secrets import redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult

if TYPE_CHECKING:
    from workbench.core.agent.expand import TurnCheck
    from workbench.core.hooks.session import SessionHooks


class Evaluation(Protocol):
    @property
    def verdict(self) -> Verdict: ...

    @property
    def reason(self) -> str: ...

    @property
    def request(self) -> ApprovalRequest | None: ...


class Policy(Protocol):
    def evaluate(
        self, tool: str, kind: ToolKind, args: dict[str, Any], preview: CallPreview, *, call_id: str
    ) -> Evaluation: ...

    def apply(self, request: ApprovalRequest, decision: Decision) -> Any: ...


AuditHook = Callable[..., None]


class CallCheckpoints(Protocol):
    """Checkpoints of the workspace around each call that may change files (workbench.core.checkpoint)."""

    async def before_call(self, call_id: str, tool: str, kind: str, paths: Sequence[str]) -> list[Event]: ...

    async def after_call(
        self, call_id: str, tool: str, kind: str, paths: Sequence[str]
    ) -> tuple[list[Event], Sequence[Any]]: ...


@dataclass
class _Call:
    call_id: str
    name: str
    args: dict[str, Any]
    started: float  # perf_counter, for the duration
    wall: float  # epoch seconds, for the audit log
    tool: Tool | None = None
    preview: CallPreview | None = None
    evaluation: Evaluation | None = None
    refused: ToolCallFinished | None = None  # set when the call ends before it could run
    events: list[Event] = field(default_factory=list)  # what ran before it (its PreToolUse hooks)


@dataclass
class _HookAsk:
    """A call the policy allowed, which a PreToolUse hook wants the user to approve."""

    verdict: Verdict
    reason: str
    request: ApprovalRequest | None
    rule: str | None = "hook:PreToolUse"
    matched: tuple[str, ...] = ("hook:PreToolUse",)


def with_changes(finished: ToolCallFinished, changes: Sequence[Any]) -> ToolCallFinished:
    """The finished call with the files the checkpoint diff saw change while it ran (shell changes included)."""
    if not changes:
        return finished
    paths = tuple(dict.fromkeys([*finished.files_changed, *(c.path for c in changes)]))
    meta = {**finished.meta, "workspace_changes": [{"path": c.path, "status": c.status} for c in changes]}
    return dataclasses.replace(finished, files_changed=paths, meta=meta)


def _network(call: _Call, decision: Decision | None) -> bool:
    """Network for this call: granted by a rule in the evaluation, or by the user approving a request that
    showed it would get the network."""
    evaluation = call.evaluation
    if getattr(evaluation, "network", False) is True:
        return True
    request = getattr(evaluation, "request", None)
    return bool(decision is not None and decision.allow and request is not None and request.network)


class CallGate:
    """Runs the calls of one session: the offered tools, the policy, the approver, and the audit hook."""

    def __init__(
        self,
        tools: dict[str, Tool],
        *,
        policy: Policy,
        approver: Approver,
        context: Any,
        audit: AuditHook | None = None,
        on_decision: Callable[[ApprovalRequest, Decision], None] | None = None,
        checkpoints: CallCheckpoints | None = None,
    ) -> None:
        self.tools = tools
        self.checkpoints = checkpoints
        self.policy = policy
        self.approver = approver
        self.context = context
        self.audit = audit
        self.on_decision = on_decision
        self.hooks: SessionHooks | None = None  # PreToolUse, PostToolUse and Notification hooks
        self.turn_check: TurnCheck | None = None  # this turn's narrowing (a command's allowed-tools)
        self._notifying: set[asyncio.Task[Any]] = set()

    def _finished(
        self, call: _Call, output: str, *, is_error: bool, decision: str, result: ToolResult | None = None
    ) -> ToolCallFinished:
        # The one place every result passes, refusals included, on its way to the model, the screen and the
        # transcript: secrets are redacted here whatever the tool did (the policy's reasons quote commands), and
        # bytes that are not UTF-8 (a file named caf\xe9.txt) become visible escapes the API request can carry.
        diff = result.diff if result else None
        return ToolCallFinished(
            call_id=call.call_id,
            tool=call.name,
            input=call.args,
            output=redact(visible_bytes(output)),
            is_error=is_error,
            duration_ms=round((time.perf_counter() - call.started) * 1000, 3),
            decision=decision,
            exit_code=result.exit_code if result else None,
            diff=redact(visible_bytes(diff)) if diff else None,
            files_read=tuple(result.files_read) if result else (),
            files_changed=tuple(result.files_changed) if result else (),
            meta=dict(result.meta) if result else {},
            media=result.media if result else (),
        )

    async def _prepare(self, call_id: str, name: str, args: dict[str, Any]) -> _Call:
        """Find the tool, preview the call and ask the policy; a refusal is decided here, without side effects."""
        if name not in self.tools:
            name, args = self._adapt(name, args)
        call = _Call(call_id, name, args, time.perf_counter(), time.time(), self.tools.get(name))
        if call.tool is None:
            offered = ", ".join(self.tools) or "none"
            msg = f"Unknown tool {name!r}: it is not available in this session. Available tools: {offered}."
            call.refused = self._finished(call, msg, is_error=True, decision="invalid")
            return call
        narrowed = self.turn_check(name, args) if self.turn_check is not None else None
        if narrowed is not None:
            call.refused = self._finished(call, f"Denied: {narrowed}", is_error=True, decision="deny")
            return call
        try:
            preview = await call.tool.preview(args, self.context)
        except ToolError as exc:
            call.refused = self._finished(call, str(exc), is_error=True, decision="invalid")
            return call
        call.preview = preview
        # off the event loop: judging a command can ask git or rg about the repository (core.policy.repofacts)
        evaluate = functools.partial(self.policy.evaluate, name, call.tool.kind, args, preview, call_id=call_id)
        call.evaluation = await asyncio.to_thread(evaluate)
        if call.evaluation.verdict is Verdict.DENY:
            msg = f"Denied by policy: {call.evaluation.reason}"
            call.refused = self._finished(call, msg, is_error=True, decision="deny")
        elif self.hooks is not None and self.hooks.has("PreToolUse"):
            await self._pre_tool_use(call, preview)
        return call

    async def _pre_tool_use(self, call: _Call, preview: CallPreview) -> None:
        """PreToolUse hooks on a call the policy let through: they may refuse it, or make it ask."""
        assert self.hooks is not None and call.evaluation is not None
        payload = {"tool_name": call.name, "tool_input": call.args, "tool_use_id": call.call_id}
        outcome, events = await self.hooks.run("PreToolUse", payload, target=call.name, call_id=call.call_id)
        call.events += events
        if outcome.blocked or outcome.stop or outcome.permission == "deny":
            msg = f"Blocked by a PreToolUse hook: {outcome.stop_reason if outcome.stop else outcome.reason}"
            call.refused = self._finished(call, msg, is_error=True, decision="hook")
        elif outcome.permission == "ask" and call.evaluation.verdict is Verdict.ALLOW:
            from workbench.core.policy.engine import request_id

            why = f"a PreToolUse hook asks: {outcome.reason}" if outcome.reasons else "a PreToolUse hook asks"
            request = ApprovalRequest(
                id=request_id(call.name, call.args, call.call_id), call_id=call.call_id, tool=call.name,
                input=call.args, summary=preview.summary, reason=why, rule="hook:PreToolUse",
                diff=preview.diff, command=preview.command, rememberable=False,
                persona_id=str(getattr(self.policy, "persona_id", "")), url=preview.url,
            )  # fmt: skip
            call.evaluation = _HookAsk(Verdict.ASK, why, request)

    def _adapt(self, name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A foreign name the model used anyway (`read_file`, `run_shell_command`, ...) maps to the offered
        canonical tool with its arguments adapted; anything else is left for the unknown-tool refusal."""
        from workbench.core.tools.adapters import adapt_call

        try:
            canonical, adapted, _notes = adapt_call(name, args)
        except ToolError:
            return name, args
        return (canonical, adapted) if canonical in self.tools else (name, args)

    async def execute(self, call_id: str, name: str, args: dict[str, Any]) -> AsyncIterator[Event]:
        """One call: preview, policy, approval when it asks, run."""
        async for event in self._gate(await self._prepare(call_id, name, args)):
            yield event

    async def execute_all(self, calls: Sequence[tuple[str, str, dict[str, Any]]]) -> AsyncIterator[Event]:
        """A response's calls in order; consecutive read-only calls the policy allows run concurrently."""
        batch: list[_Call] = []
        hooked = self.hooks is not None and (self.hooks.has("PreToolUse") or self.hooks.has("PostToolUse"))
        for call_id, name, args in calls:
            tool = self.tools.get(name)
            plain = tool is not None and getattr(tool, "run_stream", None) is None and not hooked
            if tool is not None and tool.kind is ToolKind.READ and plain:
                call = await self._prepare(call_id, name, args)
                evaluation = call.evaluation
                if call.refused is None and evaluation is not None and evaluation.verdict is Verdict.ALLOW:
                    batch.append(call)
                    continue
                async for event in self._flush(batch):
                    yield event
                batch = []
                async for event in self._gate(call):
                    yield event
                continue
            async for event in self._flush(batch):
                yield event
            batch = []
            async for event in self.execute(call_id, name, args):  # prepared only now: earlier calls ran first
                yield event
        async for event in self._flush(batch):
            yield event

    async def _flush(self, batch: list[_Call]) -> AsyncIterator[Event]:
        if len(batch) == 1:
            async for event in self._gate(batch[0]):
                yield event
        elif batch:
            for finished in await asyncio.gather(*(self._run_plain(call) for call in batch)):
                yield finished

    async def _run_plain(self, call: _Call) -> ToolCallFinished:
        events = [event async for event in self._run(call, None)]
        last = events[-1]
        assert isinstance(last, ToolCallFinished)
        return last

    async def _gate(self, call: _Call) -> AsyncIterator[Event]:
        for event in call.events:
            yield event
        if call.refused is not None:
            self._audit(call, call.refused, None, error=call.refused.output)
            yield call.refused
            return
        evaluation = call.evaluation
        request = evaluation.request if evaluation is not None else None
        decision: Decision | None = None
        if evaluation is not None and evaluation.verdict is Verdict.ASK and request is not None:
            yield ApprovalRequested(request=request)
            notify = self._notify(request)
            decision = await self.approver.decide(request)
            if notify is not None and notify.done() and not notify.cancelled() and notify.exception() is None:
                for event in notify.result():
                    yield event
            self.policy.apply(request, decision)
            if self.on_decision is not None:
                self.on_decision(request, decision)
            yield ApprovalDecided(request_id=request.id, call_id=call.call_id, decision=decision)
            if not decision.allow:
                reason = decision.reason or "the user declined it"
                msg = f"This {call.name} call was not run: {reason}"
                denied = self._finished(call, msg, is_error=True, decision="denied")
                self._audit(call, denied, decision, error=denied.output)
                yield denied
                return
        if self.checkpoints is None:
            async for event in self._run(call, decision):
                yield event
            return
        assert call.tool is not None
        kind, paths = str(call.tool.kind), call.preview.paths if call.preview else ()
        for event in await self.checkpoints.before_call(call.call_id, call.name, kind, paths):
            yield event
        finished: ToolCallFinished | None = None
        async for event in self._run(call, decision):
            if isinstance(event, ToolCallFinished) and event.call_id == call.call_id and not event.agent_path:
                finished = event
                continue
            yield event
        assert finished is not None
        marks, changes = await self.checkpoints.after_call(call.call_id, call.name, kind, paths)
        for event in marks:
            yield event
        yield with_changes(finished, changes)

    async def _run(self, call: _Call, decision: Decision | None) -> AsyncIterator[Event]:
        tool = call.tool
        assert tool is not None
        verdict = "approved" if decision else "allow"
        result: ToolResult | None = None
        try:
            streaming = getattr(tool, "run_stream", None)
            selected = getattr(tool, "run_selected", None)
            if decision is not None and decision.hunks is not None and selected is not None:
                request = call.evaluation.request if call.evaluation is not None else None
                approved = request.diff if request is not None else None
                result = await selected(call.args, self.context, tuple(decision.hunks), approved)
            elif streaming is None and "network" in inspect.signature(tool.run).parameters:
                run: Callable[..., Awaitable[ToolResult]] = tool.run
                result = await run(call.args, self.context, network=_network(call, decision))
            elif streaming is None:
                result = await tool.run(call.args, self.context)
            else:  # a tool with events of its own (a subagent's): pass them on as they come
                if "call_id" in inspect.signature(streaming).parameters:
                    items = streaming(call.args, self.context, call_id=call.call_id)
                else:
                    items = streaming(call.args, self.context)
                async for item in items:
                    if isinstance(item, ToolResult):
                        result = item
                    elif isinstance(item, Event):
                        yield item
                if result is None:
                    raise ToolError(f"{call.name} ended without a result")
        except ToolError as exc:
            event = self._finished(call, str(exc), is_error=True, decision=verdict)
        except Exception as exc:  # a tool bug: report it to the model instead of ending the turn
            msg = f"{call.name} failed: {type(exc).__name__}: {exc}"
            event = self._finished(call, msg, is_error=True, decision=verdict)
        else:
            if self.hooks is not None and not result.is_error and self.hooks.has("PostToolUse"):
                after: list[Event] = []
                result = await self._post_tool_use(call, result, after)
                for hooked in after:
                    yield hooked
            event = self._finished(call, result.content, is_error=result.is_error, decision=verdict, result=result)
        self._audit(call, event, decision, result=result, error=None if result else event.output)
        yield event

    async def _post_tool_use(self, call: _Call, result: ToolResult, events: list[Event]) -> ToolResult:
        """PostToolUse hooks: what they block with or add reaches the model with the result."""
        assert self.hooks is not None
        response = {"content": result.content[:65536], "is_error": result.is_error, "exit_code": result.exit_code}
        payload = {
            "tool_name": call.name,
            "tool_input": call.args,
            "tool_response": response,
            "tool_use_id": call.call_id,
        }
        outcome, ran = await self.hooks.run("PostToolUse", payload, target=call.name, call_id=call.call_id)
        events += ran
        notes = ([outcome.reason] if outcome.blocked else []) + outcome.context
        if not notes:
            return result
        added = "\n".join(f"[PostToolUse hook] {note}" for note in notes)
        return dataclasses.replace(result, content=f"{result.content}\n\n{added}")

    def _notify(self, request: ApprovalRequest) -> asyncio.Task[list[Event]] | None:
        """Notification hooks for an approval the user is asked for; they run beside the question."""
        if self.hooks is None or not self.hooks.has("Notification"):
            return None
        hooks = self.hooks
        payload = {
            "message": f"The workbench needs your permission to use {request.tool}",
            "notification_type": "permission_prompt",
        }

        async def run() -> list[Event]:
            _, events = await hooks.run("Notification", payload, target="permission_prompt", call_id=request.call_id)
            return list(events)

        task = asyncio.get_running_loop().create_task(run())
        self._notifying.add(task)
        task.add_done_callback(self._notifying.discard)
        return task

    def _audit(
        self,
        call: _Call,
        event: ToolCallFinished,
        decision: Decision | None,
        *,
        result: ToolResult | None = None,
        error: str | None = None,
    ) -> None:
        if self.audit is None:
            return
        self.audit(
            event=event, started_at=call.wall, evaluation=call.evaluation, decision=decision, result=result, error=error
        )
