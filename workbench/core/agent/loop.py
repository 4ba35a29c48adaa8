"""The streaming loop: one user turn = model requests and tool calls until the model ends its turn.

It yields plain events and appends complete messages to the history it is given (through `commit`, so the
session can write them to its transcript). A message is appended only once its stream is complete, so a
retry never sees half a message; tool results are appended together after the calls ran. Cancelling the
consuming task stops at once: running tools are cancelled and every `tool_use` gets a `tool_result`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from workbench.core.agent import caching
from workbench.core.agent.client import LazyClient
from workbench.core.agent.pricing import usage_from_sdk
from workbench.core.agent.retry import Failure, RetryPolicy, TruncatedStream, classify, paced, within
from workbench.core.events import (
    AssistantText,
    ErrorEvent,
    Event,
    Notice,
    RetryCountdown,
    Retrying,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
    ToolInputDelta,
    UsageInfo,
    UsageUpdated,
)

if TYPE_CHECKING:
    import anthropic

    from workbench.core.agent.compact import Compactor

CANCELLED_RESULT = "Cancelled by the user before this tool call finished."
UNFINISHED_RESULT = "Not run: the response ended (stop reason {stop}) before this tool call was complete."


class CallExecutor(Protocol):
    """Runs a response's tool calls (preview, policy, approval, run) and yields their events: one
    ToolCallFinished per call, in the order the calls were written."""

    def execute_all(self, calls: Sequence[tuple[str, str, dict[str, Any]]]) -> AsyncIterator[Event]: ...


@dataclass
class LoopSettings:
    model: str
    max_tokens: int = 16000
    max_turns: int = 50
    thinking: dict[str, Any] | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    pricing: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoopOutcome:
    """Filled in while the loop runs; read after it ends."""

    stop_reason: str = ""
    final_text: str = ""
    usage: UsageInfo = field(default_factory=UsageInfo)
    denied_calls: int = 0
    tool_calls: list[ToolCallFinished] = field(default_factory=list)
    error: ErrorEvent | None = None
    requests: int = 0


@dataclass
class Attempt:
    message: anthropic.types.Message | None = None
    failure: Failure | None = None


def summary_of(name: str, args: dict[str, Any]) -> str:
    """One line for a tool card before the preview exists."""
    for key in ("command", "file_path", "pattern", "path", "url", "query", "description"):
        value = args.get(key)
        if isinstance(value, str) and value:
            line = value.splitlines()[0] if value.strip() else value
            return f"{name}: {line[:200]}"
    return name


def _snapshot(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _block_dicts(message: anthropic.types.Message) -> list[dict[str, Any]]:
    return [block.to_dict(mode="json", exclude_none=True) for block in message.content]


class AgentLoop:
    def __init__(
        self,
        client: anthropic.AsyncAnthropic | LazyClient,
        settings: LoopSettings,
        *,
        system: str,
        tools: list[dict[str, Any]],
        executor: CallExecutor,
        commit: Callable[[dict[str, Any]], None],
        session_usage: Callable[[UsageInfo], UsageInfo],
    ) -> None:
        self.lazy_client = LazyClient.of(client)
        self.settings = settings
        self.system = caching.system_blocks(system)
        self.tools = caching.tool_specs(tools)
        self.executor = executor
        self.commit = commit  # appends a message to the history and the transcript
        self.session_usage = session_usage  # adds a request's usage to the session total, returns it
        self.compactor: Compactor | None = None  # replaces the history with a summary when it nears the window

    @property
    def client(self) -> anthropic.AsyncAnthropic:
        return self.lazy_client.get()

    def set_prompt(self, system: str, tools: list[dict[str, Any]]) -> None:
        self.system = caching.system_blocks(system)
        self.tools = caching.tool_specs(tools)

    def params(self, history: list[dict[str, Any]]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.settings.model,
            "max_tokens": self.settings.max_tokens,
            "system": self.system,
            "messages": caching.with_message_breakpoints(history),
        }
        if self.tools:
            params["tools"] = self.tools
        if self.settings.thinking:
            params["thinking"] = self.settings.thinking
        return params

    async def run(self, history: list[dict[str, Any]], outcome: LoopOutcome) -> AsyncGenerator[Event, None]:
        """Drive requests and tool calls until the model ends its turn; `history` already ends with the prompt."""
        pending: dict[str, ToolCallFinished | None] = {}
        try:
            while True:
                if outcome.requests >= self.settings.max_turns:
                    outcome.stop_reason = "max_turns"
                    yield Notice(
                        level="warning",
                        message=f"stopped after {outcome.requests} model requests "
                        f"(max turns {self.settings.max_turns}); send a prompt to continue",
                    )
                    return
                compactor = self.compactor
                if outcome.requests and compactor is not None and compactor.due(history):  # between tool rounds
                    async for event in compactor.run(history, trigger="auto", continuing=True, outcome=outcome):
                        yield event
                outcome.requests += 1
                attempt = Attempt()
                async for event in self.request(self.params(history), attempt):
                    yield event
                if attempt.message is None:
                    failure = attempt.failure
                    assert failure is not None
                    error = ErrorEvent(
                        kind=failure.kind,
                        message=failure.message,
                        hint=failure.hint,
                        retryable=failure.retryable,
                        status_code=failure.status_code,
                    )
                    outcome.error = error
                    outcome.stop_reason = "error"
                    yield error
                    return
                message = attempt.message
                usage = usage_from_sdk(message.usage, self.settings.model, self.settings.pricing)
                outcome.usage = outcome.usage + usage
                window = 0
                if compactor is not None:
                    compactor.observe(usage)
                    window = compactor.window
                yield UsageUpdated(
                    turn=usage, session=self.session_usage(usage), model=self.settings.model, window=window
                )
                text = "".join(b.text for b in message.content if b.type == "text")
                if text:
                    outcome.final_text = text
                    yield AssistantText(text=text)
                if message.content:
                    calls = [b for b in message.content if b.type == "tool_use"]
                    pending = {b.id: None for b in calls}
                    self.commit({"role": "assistant", "content": _block_dicts(message)})
                stop = message.stop_reason or "end_turn"
                if stop == "pause_turn":
                    continue
                if stop != "tool_use" or not pending:
                    if pending:  # e.g. max_tokens cut a call short: it was never run
                        self.commit(
                            {"role": "user", "content": self._results(pending, UNFINISHED_RESULT.format(stop=stop))}
                        )
                        pending = {}
                    outcome.stop_reason = stop
                    return
                requested = [(b.id, b.name, dict(b.input)) for b in message.content if b.type == "tool_use"]
                async for event in self.executor.execute_all(requested):
                    if isinstance(event, ToolCallFinished) and event.call_id in pending:
                        pending[event.call_id] = event
                        outcome.tool_calls.append(event)
                        if event.decision in ("deny", "denied"):
                            outcome.denied_calls += 1
                    yield event
                self.commit({"role": "user", "content": self._results(pending)})
                pending = {}
        finally:
            if pending:  # cancelled (or closed) between a tool_use and its results
                self.commit({"role": "user", "content": self._results(pending)})

    @staticmethod
    def _results(pending: dict[str, ToolCallFinished | None], missing: str = CANCELLED_RESULT) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for call_id, finished in pending.items():
            if finished is None:
                out.append({"type": "tool_result", "tool_use_id": call_id, "content": missing, "is_error": True})
            else:
                content: str | list[dict[str, Any]] = finished.output or "(no output)"
                if finished.media:  # images from an MCP tool go with its text
                    content = [{"type": "text", "text": content}, *finished.media]
                block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
                if finished.is_error:
                    block["is_error"] = True
                out.append(block)
        return out

    async def request(self, params: dict[str, Any], attempt: Attempt) -> AsyncIterator[Event]:
        """One request with the app-level retry policy; sets `attempt.message` or `attempt.failure`."""
        self.lazy_client.get()  # built (the SDK imported) here: a client that cannot be built is no failed request
        policy = self.settings.retry
        retries = 0
        while True:
            try:
                async for event in self._stream_once(params, attempt):
                    yield event
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise
            if not failure.retryable or retries >= policy.max_retries:
                attempt.failure = failure
                return
            retries += 1
            delay = policy.delay(retries, failure)
            yield Retrying(attempt=retries, delay_s=round(delay, 3), reason=failure.message)
            deadline = time.monotonic() + delay
            while (left := deadline - time.monotonic()) > 0:
                yield RetryCountdown(seconds_left=round(left, 1))
                await asyncio.sleep(min(1.0, left))

    async def _stream_once(self, params: dict[str, Any], attempt: Attempt) -> AsyncIterator[Event]:
        current_tool = ""
        seconds = self.settings.retry.response_deadline_s  # the whole response, however slowly it drips
        deadline = self.settings.retry.deadline()
        async with contextlib.AsyncExitStack() as stack:
            opening = stack.enter_async_context(self.client.messages.stream(**params))
            stream = await within(deadline, seconds, opening)
            async for ev in paced(stream, deadline, seconds):
                if ev.type == "text":
                    yield TextDelta(text=ev.text)
                elif ev.type == "thinking":
                    yield ThinkingDelta(text=ev.thinking)
                elif ev.type == "input_json":
                    if current_tool:
                        yield ToolInputDelta(call_id=current_tool, snapshot=_snapshot(ev.snapshot))
                elif ev.type == "content_block_start":
                    block = ev.content_block
                    if block.type == "tool_use":
                        current_tool = block.id
                        yield ToolCallStarted(call_id=block.id, tool=block.name)
                elif ev.type == "content_block_stop":
                    done = ev.content_block
                    if done.type == "tool_use":
                        current_tool = ""
                        args = dict(done.input) if isinstance(done.input, dict) else {}
                        yield ToolCallReady(
                            call_id=done.id, tool=done.name, input=args, summary=summary_of(done.name, args)
                        )
            try:
                message = await within(deadline, seconds, stream.get_final_message())
            except AssertionError as exc:  # the SDK asserts when no message_start arrived
                raise TruncatedStream("no message in the stream") from exc
        if message.stop_reason is None:
            raise TruncatedStream("the stream ended before message_stop")
        attempt.message = message
