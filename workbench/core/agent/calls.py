"""One tool call through the gate: preview -> policy -> (approver) -> run, as events.

A tool may offer `run_stream(args, ctx) -> AsyncIterator[Event | ToolResult]` instead of relying on `run`:
its events (a subagent's, with their `agent_path`) are passed on while it runs, and the last ToolResult
it yields is the call's result.

Refusals of every kind (unknown tool, invalid input, a deny rule, the mode, a user's or headless denial)
end as a ToolCallFinished with `is_error` and a reason the model can act on. A tool that crashes is an
error result too: one bad tool never ends the turn.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from workbench.core.approvals import ApprovalRequest, Approver, Decision, Verdict
from workbench.core.events import ApprovalDecided, ApprovalRequested, Event, ToolCallFinished
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult


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
    ) -> None:
        self.tools = tools
        self.policy = policy
        self.approver = approver
        self.context = context
        self.audit = audit
        self.on_decision = on_decision

    def _finished(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        started: float,
        output: str,
        *,
        is_error: bool,
        decision: str,
        result: ToolResult | None = None,
    ) -> ToolCallFinished:
        return ToolCallFinished(
            call_id=call_id,
            tool=name,
            input=args,
            output=output,
            is_error=is_error,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            decision=decision,
            exit_code=result.exit_code if result else None,
            diff=result.diff if result else None,
            files_read=tuple(result.files_read) if result else (),
            files_changed=tuple(result.files_changed) if result else (),
            meta=dict(result.meta) if result else {},
        )

    async def execute(self, call_id: str, name: str, args: dict[str, Any]) -> AsyncIterator[Event]:
        started = time.perf_counter()
        wall = time.time()
        tool = self.tools.get(name)
        if tool is None:
            offered = ", ".join(self.tools) or "none"
            msg = f"Unknown tool {name!r}: it is not available in this session. Available tools: {offered}."
            event = self._finished(call_id, name, args, started, msg, is_error=True, decision="invalid")
            self._audit(event, wall, None, None, error=event.output)
            yield event
            return
        try:
            preview = await tool.preview(args, self.context)
        except ToolError as exc:
            event = self._finished(call_id, name, args, started, str(exc), is_error=True, decision="invalid")
            self._audit(event, wall, None, None, error=event.output)
            yield event
            return
        evaluation = self.policy.evaluate(name, tool.kind, args, preview, call_id=call_id)
        decision: Decision | None = None
        request = evaluation.request
        if evaluation.verdict is Verdict.DENY:
            msg = f"Denied by policy: {evaluation.reason}"
            event = self._finished(call_id, name, args, started, msg, is_error=True, decision="deny")
            self._audit(event, wall, evaluation, None, error=event.output)
            yield event
            return
        if evaluation.verdict is Verdict.ASK and request is not None:
            yield ApprovalRequested(request=request)
            decision = await self.approver.decide(request)
            self.policy.apply(request, decision)
            if self.on_decision is not None:
                self.on_decision(request, decision)
            yield ApprovalDecided(request_id=request.id, call_id=call_id, decision=decision)
            if not decision.allow:
                reason = decision.reason or "the user declined it"
                msg = f"This {name} call was not run: {reason}"
                event = self._finished(call_id, name, args, started, msg, is_error=True, decision="denied")
                self._audit(event, wall, evaluation, decision, error=event.output)
                yield event
                return
        result: ToolResult | None = None
        try:
            streaming = getattr(tool, "run_stream", None)
            if streaming is None:
                result = await tool.run(args, self.context)
            else:  # a tool with events of its own (a subagent's): pass them on as they come
                async for item in streaming(args, self.context):
                    if isinstance(item, ToolResult):
                        result = item
                    elif isinstance(item, Event):
                        yield item
                if result is None:
                    raise ToolError(f"{name} ended without a result")
        except ToolError as exc:
            event = self._finished(
                call_id, name, args, started, str(exc), is_error=True, decision="approved" if decision else "allow"
            )
        except Exception as exc:  # a tool bug: report it to the model instead of ending the turn
            msg = f"{name} failed: {type(exc).__name__}: {exc}"
            event = self._finished(
                call_id, name, args, started, msg, is_error=True, decision="approved" if decision else "allow"
            )
        else:
            event = self._finished(
                call_id,
                name,
                args,
                started,
                result.content,
                is_error=result.is_error,
                decision="approved" if decision else "allow",
                result=result,
            )
        self._audit(event, wall, evaluation, decision, result=result, error=None if result else event.output)
        yield event

    def _audit(
        self,
        event: ToolCallFinished,
        wall: float,
        evaluation: Evaluation | None,
        decision: Decision | None,
        *,
        result: ToolResult | None = None,
        error: str | None = None,
    ) -> None:
        if self.audit is None:
            return
        self.audit(event=event, started_at=wall, evaluation=evaluation, decision=decision, result=result, error=error)
