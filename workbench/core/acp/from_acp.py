"""An external agent in our terms: its `session/update`s and permission requests as our core events.

    agent_message_chunk           -> TextDelta (and AssistantText when the message ends)
    agent_thought_chunk           -> ThinkingDelta
    tool_call / tool_call_update  -> ToolCallStarted + ToolCallReady, then ToolCallFinished (completed or failed)
    plan                          -> PlanUpdated
    current_mode_update           -> Notice
    session/request_permission    -> ApprovalRequest (allow once or deny: what the agent remembers is its own)

The agent's own tool calls run inside its process, outside our gate: their cards are named `agent:KIND`
and say so, and the mapper keeps count of what the agent reported. Everything here is untrusted text; the
screen and `workbench run` show it through their usual escaping.
"""

from __future__ import annotations

import difflib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.approvals import ApprovalRequest, Decision
from workbench.core.events import (
    AssistantText,
    Event,
    Notice,
    PlanItem,
    PlanUpdated,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
)
from workbench.core.policy.engine import request_id

clock = time.perf_counter  # the durations of the agent's own calls, as we saw them
OUTSIDE = "outside our gate"  # said on each card of a call the agent ran itself
TELLING = ("command", "file_path", "pattern", "path", "url", "query", "description", "prompt")
ASK_REASON = "the agent asks before it runs this itself; it runs outside the workbench's gate, only the answer is ours"


@dataclass
class _Call:
    tool: str
    title: str
    input: dict[str, Any]
    started: float
    kind: str = "other"
    status: str = "pending"
    content: list[Any] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    finished: bool = False


def label(kind: str | None) -> str:
    return f"agent:{kind or 'other'}"


def _plain_input(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return {str(k): v for k, v in raw.items()}
    return {} if raw is None else {"input": raw}


def content_text(block: Any) -> str:
    """A content block as text: text as it is, anything else named."""
    kind = getattr(block, "type", "")
    if kind == "text":
        return str(block.text)
    if kind == "resource_link":
        return f"[link {block.uri}]"
    if kind == "resource":
        inner = getattr(block.resource, "text", None)
        return str(inner) if isinstance(inner, str) else f"[resource {block.resource.uri}]"
    return f"[{kind or 'content'}]"


def unified(path: str, old: str | None, new: str) -> str:
    a = (old or "").splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    lines = difflib.unified_diff(a, b, "/dev/null" if old is None else f"a/{path}", f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


class UpdateMapper:
    """The events of one external agent's session; keeps what is needed to finish each call's card."""

    def __init__(self, workspace: Path, terminal_output: Any = None) -> None:
        self.workspace = workspace
        self.calls: dict[str, _Call] = {}
        self.message: list[str] = []
        self.turn_text: list[str] = []
        self.reported: Counter[str] = Counter()  # the calls the agent reported done or failed, by kind
        self.commands: list[str] = []
        self.terminal_output = terminal_output  # terminal id -> output, for terminals we served

    def events(self, update: Any) -> list[Event]:
        kind = getattr(update, "session_update", "")
        if kind == "agent_message_chunk":
            piece = content_text(update.content)
            self.message.append(piece)
            self.turn_text.append(piece)
            return [TextDelta(text=piece)]
        if kind == "agent_thought_chunk":
            return [ThinkingDelta(text=content_text(update.content))]
        if kind == "tool_call":
            return [*self.end_message(), *self._start(update)]
        if kind == "tool_call_update":
            return [*self.end_message(), *self._update(update)]
        if kind == "plan":
            items = tuple(PlanItem(content=e.content, status=e.status) for e in update.entries)
            return [PlanUpdated(items=items, source="agent")]
        if kind == "current_mode_update":
            return [Notice(level="info", message=f"the agent switched to its {update.current_mode_id!r} mode")]
        if kind == "available_commands_update":
            self.commands = [c.name for c in update.available_commands]
        return []

    def end_message(self) -> list[Event]:
        """The complete text of the message in progress, once something else begins."""
        if not self.message:
            return []
        text, self.message = "".join(self.message), []
        return [AssistantText(text=text)]

    def final_text(self) -> str:
        text, self.turn_text = "".join(self.turn_text), []
        return text

    def _start(self, update: Any) -> list[Event]:
        call_id = str(update.tool_call_id)
        call = _Call(
            tool=label(update.kind),
            title=str(update.title or ""),
            input=_plain_input(update.raw_input),
            started=clock(),
            kind=str(update.kind or "other"),
        )
        self.calls[call_id] = call
        self._merge(call, update)
        if call.title and not any(isinstance(call.input.get(k), str) for k in TELLING):
            call.input["description"] = call.title  # so the card's line says what it was once it is done
        events: list[Event] = [
            ToolCallStarted(call_id=call_id, tool=call.tool),
            ToolCallReady(call_id=call_id, tool=call.tool, input=call.input, summary=f"{call.title} · {OUTSIDE}"),
        ]
        return events + self._finish(call_id, call)

    def _update(self, update: Any) -> list[Event]:
        call_id = str(update.tool_call_id)
        call = self.calls.get(call_id)
        if call is None:  # an update for a call never started: start it now
            return self._start(update)
        self._merge(call, update)
        return self._finish(call_id, call)

    def _merge(self, call: _Call, update: Any) -> None:
        if update.title:
            call.title = str(update.title)
        if update.raw_input is not None:
            call.input = _plain_input(update.raw_input)
        if update.status:
            call.status = str(update.status)
        if update.content is not None:
            call.content = list(update.content)
        if update.locations is not None:
            call.locations = [str(loc.path) for loc in update.locations]

    def _finish(self, call_id: str, call: _Call) -> list[Event]:
        if call.finished or call.status not in ("completed", "failed"):
            return []
        call.finished = True
        self.reported[call.kind] += 1
        output: list[str] = []
        diffs: list[str] = []
        for item in call.content:
            if item.type == "content":
                output.append(content_text(item.content))
            elif item.type == "diff":
                diffs.append(unified(self._rel(item.path), item.old_text, item.new_text))
            elif item.type == "terminal":
                seen = self.terminal_output(item.terminal_id) if self.terminal_output else None
                output.append(seen if seen is not None else f"[terminal {item.terminal_id}]")
        touched = tuple(self._rel(p) for p in call.locations)
        edits = call.kind in ("edit", "delete", "move")
        return [
            ToolCallFinished(
                call_id=call_id,
                tool=call.tool,
                input=call.input,
                output="\n".join(output) or ("(failed)" if call.status == "failed" else "(done)"),
                is_error=call.status == "failed",
                duration_ms=round((clock() - call.started) * 1000, 3),
                diff="".join(diffs) or None,
                files_read=() if edits else touched,
                files_changed=touched if edits else (),
                decision="outside gate",
                meta={"outside_gate": True, "title": call.title},
            )
        ]

    def _rel(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.workspace).as_posix()
        except ValueError:
            return path

    # -- permission requests ------------------------------------------------------------------------

    def approval_request(self, tool_call: Any) -> ApprovalRequest:
        """The agent's question as one of our approval requests: once or deny, never remembered by us."""
        call_id = str(tool_call.tool_call_id)
        known = self.calls.get(call_id)
        raw = _plain_input(tool_call.raw_input) if tool_call.raw_input is not None else None
        args = raw if raw is not None else (known.input if known else {})
        kind = str(tool_call.kind or (known.kind if known else "other"))
        tool = label(kind)
        diffs = [
            unified(self._rel(c.path), c.old_text, c.new_text)
            for c in (tool_call.content or (known.content if known else []))
            if c.type == "diff"
        ]
        command = args.get("command")
        return ApprovalRequest(
            id=request_id(tool, args, call_id),
            call_id=call_id,
            tool=tool,
            input=args,
            summary=str(tool_call.title or (known.title if known else tool)),
            reason=ASK_REASON,
            diff="".join(diffs) or None,
            command=command if kind == "execute" and isinstance(command, str) else None,
            proposals={},
        )

    def denied(self, request: ApprovalRequest, decision: Decision) -> list[Event]:
        """A refused permission ends the call's card at once, whatever the agent reports later."""
        call = self.calls.get(request.call_id)
        if call is not None:
            call.finished = True
        return [
            ToolCallFinished(
                call_id=request.call_id,
                tool=request.tool,
                input=request.input,
                output=f"This call was not approved: {decision.reason or 'the user declined it'}",
                is_error=True,
                duration_ms=0.0,
                decision="denied",
                meta={"outside_gate": True},
            )
        ]

    def reported_notice(self) -> Notice | None:
        """Which tools the agent said it ran itself this turn (outside our gate); a call we refused did not run."""
        if not self.reported:
            return None
        counts = ", ".join(f"{kind} ×{n}" for kind, n in sorted(self.reported.items()))
        self.reported.clear()
        return Notice(level="info", message=f"tools the agent ran in its own process, outside our gate: {counts}")


def choose_option(options: list[Any], decision: Decision) -> str | None:
    """The agent's option that says what we decided (one-time only); None: answer `cancelled`."""
    wanted = ("allow_once",) if decision.allow else ("reject_once", "reject_always")
    for kind in wanted:
        for option in options:
            if option.kind == kind:
                return str(option.option_id)
    return None
