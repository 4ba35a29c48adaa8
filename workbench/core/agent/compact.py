"""Context compaction: the history sent to the model is replaced by a structured summary of it.

Automatic when a response leaves the conversation above `[agent] compact_at` (default 0.8) of the model's
context window (checked between tool rounds and before a new prompt), and by hand (`AgentSession.compact`).
The summary request is the normal request (same system prompt, same tools, same messages with the same
cache breakpoints) plus one instruction, so it reads the conversation from the prompt cache; the compacted
history that follows keeps the system prompt and tools byte-identical, so their cached prefix stays warm.

Only the model's history changes: the transcript keeps every event (the screen still shows every turn),
the plan and the grants live on the session, and a `Compacted` event records the change. The transcript
gets a `compact` record holding the new history, so a resumed session starts from it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.core.agent.pricing import usage_from_sdk
from workbench.core.events import (
    Compacted,
    Event,
    Notice,
    PlanItem,
    RetryCountdown,
    Retrying,
    ToolCallFinished,
    UsageInfo,
    UsageUpdated,
)

if TYPE_CHECKING:
    from workbench.core.agent.loop import AgentLoop, LoopOutcome

COMPACT_AT = 0.8
MIN_COMPACT_AT, MAX_COMPACT_AT = 0.3, 0.98
FILES_LISTED = 60

SUMMARY_REQUEST = """Stop here: the conversation is about to be compacted. Do not call any tool. Write a summary \
that will replace everything above, so that work can go on from it alone. Use exactly these sections:

## Goal
What the user asked for, in their terms, and any constraints they set.
## Decisions
What was decided or found, and why (including approaches that were rejected).
## Files touched
Every file read, created or changed, with its path and one line on what matters in it.
## Open tasks
What remains to do, most important first; anything the user is waiting for.
## Plan
The current plan, step by step, with each step's status.
## Current state
Where the work stopped: the last action and its result, and the very next step.

Be specific: keep exact paths, names, commands, error messages and numbers. Leave out pleasantries."""

SUMMARY_HEADER = (
    "This conversation was compacted: the earlier turns were replaced by the summary below, written when the "
    "conversation neared the model's context window. Treat it as what happened so far."
)
CONTINUE_NOTE = (
    "Continue the task from where it stopped (see Current state), without asking the user to repeat anything "
    "the summary answers."
)


def compact_at(value: object) -> float:
    """`[agent] compact_at` as a share of the window, clamped to a sane range; 0 turns it off, None is the default."""
    if value is None:
        return COMPACT_AT
    if value is False or value == 0:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return COMPACT_AT
    share = float(value) / 100 if value > 1 else float(value)  # 80 and 0.8 both mean 80 %
    return min(MAX_COMPACT_AT, max(MIN_COMPACT_AT, share))


def summary_prompt(instructions: str = "") -> str:
    extra = instructions.strip()
    return f"{SUMMARY_REQUEST}\n\nThe user adds: {extra}" if extra else SUMMARY_REQUEST


def plan_text(plan: Sequence[PlanItem]) -> str:
    return "\n".join(f"{n}. [{i.status}] {i.content}" for n, i in enumerate(plan, 1))


def summary_message(summary: str, plan: Sequence[PlanItem], files: dict[str, list[str]], continuing: bool) -> str:
    """The one user message the compacted history starts with: the summary, then facts the session keeps
    itself (the plan, the files the tools touched), which do not depend on the model's summary."""
    parts = [SUMMARY_HEADER, f"<summary>\n{summary.strip()}\n</summary>"]
    if plan:
        parts.append("The plan as the session holds it now:\n" + plan_text(plan))
    for label, paths in (("changed", files.get("changed", [])), ("read", files.get("read", []))):
        if paths:
            shown = paths[-FILES_LISTED:]
            more = f" (and {len(paths) - len(shown)} earlier)" if len(paths) > len(shown) else ""
            parts.append(f"Files {label} by tool calls so far{more}: " + ", ".join(shown))
    if continuing:
        parts.append(CONTINUE_NOTE)
    return "\n\n".join(parts)


def files_touched(events: Sequence[Event]) -> dict[str, list[str]]:
    """Paths the session's tool calls read and changed, oldest first, each once."""
    read: dict[str, None] = {}
    changed: dict[str, None] = {}
    for event in events:
        if isinstance(event, ToolCallFinished) and not event.is_error:
            read.update(dict.fromkeys(event.files_read))
            changed.update(dict.fromkeys(event.files_changed))
    return {"changed": list(changed), "read": [p for p in read if p not in changed]}


def request_params(params: dict[str, Any], instructions: str) -> dict[str, Any]:
    """The normal request's parameters with the summary instruction added after its last (marked) block.

    Nothing before it changes, so every cached prefix the conversation wrote is read, and the instruction
    itself carries no breakpoint (it is never sent again)."""
    messages = list(params["messages"])
    block = {"type": "text", "text": summary_prompt(instructions)}
    last = messages[-1] if messages else None
    if last is not None and last.get("role") == "user":
        content = last.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        messages[-1] = {**last, "content": [*blocks, block]}
    else:
        messages.append({"role": "user", "content": [block]})
    return {**params, "messages": messages}


def _size(params: dict[str, Any]) -> int:
    keys = ("system", "tools", "messages")
    return len(json.dumps({k: params.get(k) for k in keys}, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class ContextGauge:
    """How full the model's context window is, for the status bar's gauge."""

    window: int  # tokens
    context_tokens: int  # what the conversation filled after the last response
    compact_at: float  # the share of the window at which the history is compacted


class Compactor:
    """Decides when the session's history is compacted, and does it through the session's loop."""

    def __init__(
        self,
        loop: AgentLoop,
        *,
        window: int,
        threshold: float,
        plan: Callable[[], Sequence[PlanItem]],
        files: Callable[[], dict[str, list[str]]],
        on_compacted: Callable[[list[dict[str, Any]]], None],
    ) -> None:
        self.loop = loop
        self.window = window
        self.threshold = threshold
        self.context_tokens = 0  # what the conversation filled after the last response
        self.plan = plan
        self.files = files
        self.on_compacted = on_compacted
        self.held = False  # a compaction failed: no automatic retry until the next prompt

    def gauge(self) -> ContextGauge | None:
        """None while the model's window is unknown."""
        return ContextGauge(self.window, self.context_tokens, self.threshold) if self.window > 0 else None

    def observe(self, usage: UsageInfo) -> None:
        self.context_tokens = usage.context_tokens

    def due(self, history: Sequence[dict[str, Any]], *, at_prompt: bool = False) -> bool:
        """Over the threshold, before a new prompt or between tool rounds (the history then ends with the
        tool results; never after a paused response, which must be continued as it is)."""
        if self.held or self.threshold <= 0 or self.window <= 0 or len(history) < 2:
            return False
        if not at_prompt and history[-1].get("role") != "user":
            return False
        return self.context_tokens >= self.threshold * self.window

    async def run(
        self,
        history: list[dict[str, Any]],
        *,
        trigger: str,
        instructions: str = "",
        continuing: bool = False,
        outcome: LoopOutcome | None = None,
    ) -> AsyncIterator[Event]:
        """Ask for the summary and swap it in (in place: `history` is the session's own list).

        Yields the retry events of the summary request, its usage, then `Compacted`, or a warning when the
        request failed (the history is then left as it was)."""
        from workbench.core.agent.loop import Attempt

        loop = self.loop
        params = request_params(loop.params(history), instructions)
        attempt = Attempt()
        async for event in loop.request(params, attempt):
            if isinstance(event, (Retrying, RetryCountdown)):  # the summary's own text is not an answer
                yield event
        message = attempt.message
        summary = "".join(b.text for b in message.content if b.type == "text").strip() if message else ""
        if message is None or not summary:
            self.held = True
            why = attempt.failure.message if attempt.failure is not None else "the model wrote no summary"
            yield Notice(level="warning", message=f"could not compact the conversation ({why}); it goes on in full")
            return
        usage = usage_from_sdk(message.usage, loop.settings.model, loop.settings.pricing)
        if outcome is not None:
            outcome.usage = outcome.usage + usage
        yield UsageUpdated(turn=usage, session=loop.session_usage(usage), model=loop.settings.model, window=self.window)
        # The conversation's size as the summary request measured it (its prompt: the history and the
        # instruction); a server that reports no usage leaves the last response's figure.
        before = (usage.context_tokens - usage.output_tokens) or self.context_tokens
        text = summary_message(summary, self.plan(), self.files(), continuing)
        compacted = [{"role": "user", "content": [{"type": "text", "text": text}]}]
        after, estimated = await self._count(compacted, loop.params(history), before)
        messages_before = len(history)
        history[:] = compacted
        self.on_compacted(compacted)
        self.context_tokens = after
        yield Compacted(
            trigger=trigger,
            tokens_before=before,
            tokens_after=after,
            messages_before=messages_before,
            messages_after=len(compacted),
            window=self.window,
            summary=summary,
            usage=usage,
            estimated=estimated,
        )

    async def _count(self, compacted: list[dict[str, Any]], old: dict[str, Any], before: int) -> tuple[int, bool]:
        """Tokens of the compacted request from the server's count_tokens; without one (Ollama), estimated
        from its size relative to the request before."""
        params = self.loop.params(compacted)
        counted = {k: params[k] for k in ("model", "system", "messages", "tools") if k in params}
        try:
            result = await self.loop.client.messages.count_tokens(**counted)
            return int(result.input_tokens), False
        except Exception:  # not offered (404), or any other failure: the estimate is good enough for a gauge
            share = _size(params) / max(1, _size(old))
            return max(1, round(before * share)), True
