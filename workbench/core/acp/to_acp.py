"""Our side in ACP terms: core events as `session/update`s, approval requests as permission options.

    TextDelta                -> agent_message_chunk
    ThinkingDelta            -> agent_thought_chunk
    ToolCallStarted          -> tool_call (pending; kind from the tool)
    ToolCallReady            -> tool_call_update (title, raw input, locations, diff content for edits)
    ToolCallFinished         -> tool_call_update (completed or failed, the output as content)
    ToolProgress             -> tool_call_update (in_progress, the server's progress in the title)
    HookRan                  -> tool_call of its own (execute; completed, or failed when it blocked or broke)
    PlanUpdated              -> plan
    Notice / ErrorEvent      -> agent_message_chunk, marked as the workbench's own words
    ApprovalRequest          -> session/request_permission: allow once / for this session / always / deny

A subagent's tool calls are shown too, their titles led by the subagent's path; its text stays inside the
call, as it does on our screen. Paths in locations and diffs are absolute, as the protocol asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from acp import schema

from workbench.core.approvals import ApprovalRequest, Decision, Scope
from workbench.core.events import (
    AssistantText,
    ErrorEvent,
    Event,
    HookRan,
    Notice,
    PlanItem,
    PlanUpdated,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
    ToolProgress,
    TurnStarted,
)

Update = (
    schema.AgentMessageChunk
    | schema.AgentThoughtChunk
    | schema.UserMessageChunk
    | schema.ToolCallStart
    | schema.ToolCallProgress
    | schema.AgentPlanUpdate
    | schema.AvailableCommandsUpdate
    | schema.CurrentModeUpdate
)

TOOL_KINDS: dict[str, schema.ToolKind] = {
    "Read": "read",
    "ReadManyFiles": "read",
    "LS": "read",
    "Grep": "search",
    "Glob": "search",
    "Edit": "edit",
    "MultiEdit": "edit",
    "Write": "edit",
    "Bash": "execute",
    "WebFetch": "fetch",
    "WebSearch": "fetch",
    "TodoWrite": "think",
}
STOP_REASONS: dict[str, schema.StopReason] = {
    "end_turn": "end_turn",
    "denied": "end_turn",
    "stop_sequence": "end_turn",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "max_turns": "max_turn_requests",
    "refusal": "refusal",
    "cancelled": "cancelled",
}
OPTION_IDS = {Scope.ONCE: "allow-once", Scope.SESSION: "allow-session", Scope.PROJECT: "allow-always"}
DENY_OPTION = "deny"


def tool_kind(tool: str) -> schema.ToolKind:
    return TOOL_KINDS.get(tool, "other")


def text_update(text: str) -> schema.AgentMessageChunk:
    block = schema.TextContentBlock(type="text", text=text)
    return schema.AgentMessageChunk(session_update="agent_message_chunk", content=block)


def thought_update(text: str) -> schema.AgentThoughtChunk:
    block = schema.TextContentBlock(type="text", text=text)
    return schema.AgentThoughtChunk(session_update="agent_thought_chunk", content=block)


def note_update(text: str) -> schema.AgentMessageChunk:
    """Something the workbench itself says (a notice, an error), set apart from the persona's words."""
    return text_update(f"\n\n> workbench: {text}\n\n")


class EventMapper:
    """Turns the events of one session into ACP updates; remembers which calls the client already knows."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.announced: set[str] = set()
        self.inputs: dict[str, dict[str, Any]] = {}
        self.titles: dict[str, str] = {}  # call id -> the title the client shows
        self.hooks = 0

    def updates(self, event: Event) -> Iterator[Update]:
        if isinstance(event, TextDelta) and not event.agent_path:
            yield text_update(event.text)
        elif isinstance(event, ThinkingDelta) and not event.agent_path:
            yield thought_update(event.text)
        elif isinstance(event, ToolCallStarted):
            self.announced.add(event.call_id)
            title = self.titles[event.call_id] = self._title(event.tool, event.agent_path)
            yield schema.ToolCallStart(
                session_update="tool_call",
                tool_call_id=event.call_id,
                title=title,
                kind=tool_kind(event.tool),
                status="pending",
            )
        elif isinstance(event, ToolProgress) and event.call_id in self.announced:
            yield schema.ToolCallProgress(
                session_update="tool_call_update",
                tool_call_id=event.call_id,
                status="in_progress",
                title=f"{self.titles.get(event.call_id, event.tool)} · {progress_text(event)}",
            )
        elif isinstance(event, HookRan):
            yield self._hook(event)
        elif isinstance(event, ToolCallReady):
            yield from self._ready(event)
        elif isinstance(event, ToolCallFinished):
            yield from self._finished(event)
        elif isinstance(event, PlanUpdated) and not event.agent_path:
            yield plan_update(event.items)
        elif isinstance(event, Notice) and not event.agent_path:
            yield note_update(f"{event.level}: {event.message}")
        elif isinstance(event, ErrorEvent) and not event.agent_path:
            yield note_update(f"error ({event.kind}): {event.message}" + (f" · {event.hint}" if event.hint else ""))

    def replay(self, event: Event) -> Iterator[Update]:
        """The updates that rebuild a saved conversation (`session/load`): complete events only."""
        if isinstance(event, TurnStarted):
            block = schema.TextContentBlock(type="text", text=event.prompt)
            yield schema.UserMessageChunk(session_update="user_message_chunk", content=block)
        elif isinstance(event, AssistantText) and not event.agent_path and event.text:
            yield text_update(event.text)
        elif isinstance(event, ThinkingDelta) and not event.agent_path:
            yield thought_update(event.text)
        elif isinstance(event, ToolCallFinished):
            yield from self._finished(event)
        elif isinstance(event, (PlanUpdated, Notice, ErrorEvent, HookRan)):
            yield from self.updates(event)

    def _title(self, tool: str, agent_path: tuple[str, ...], summary: str = "") -> str:
        lead = " › ".join(agent_path) + " › " if agent_path else ""
        return lead + (summary or tool)

    def _hook(self, event: HookRan) -> schema.ToolCallStart:
        """A hook run is evidence of its own: a finished `execute` call the client lists beside the tool calls."""
        self.hooks += 1
        title = f"{event.hook_event} hook: {event.command}"
        lead = f"{event.outcome}" + (f", exit {event.exit_code}" if event.exit_code is not None else "")
        body = f"{lead} · {event.duration_ms} ms" + (f"\n{event.message}" if event.message else "")
        return schema.ToolCallStart(
            session_update="tool_call",
            tool_call_id=f"hook-{self.hooks}",
            title=self._title(title, event.agent_path),
            kind="execute",
            status="completed" if event.outcome == "ok" else "failed",
            content=[_text_content(body)],
            raw_input={"command": event.command, "source": event.source, "call_id": event.call_id or None},
            raw_output={"outcome": event.outcome, "exit_code": event.exit_code, "message": event.message},
        )

    def _ready(self, event: ToolCallReady) -> Iterator[Update]:
        self.inputs[event.call_id] = dict(event.input)
        title = self.titles[event.call_id] = self._title(event.tool, event.agent_path, event.summary)
        fields: dict[str, Any] = {
            "tool_call_id": event.call_id,
            "title": title,
            "kind": tool_kind(event.tool),
            "status": "pending",
            "raw_input": dict(event.input),
            "locations": self.locations(event.input),
            "content": edit_content(event.tool, event.input, self.workspace) or None,
        }
        if event.call_id in self.announced:
            yield schema.ToolCallProgress(session_update="tool_call_update", **fields)
        else:
            self.announced.add(event.call_id)
            yield schema.ToolCallStart(session_update="tool_call", **fields)

    def _finished(self, event: ToolCallFinished) -> Iterator[Update]:
        content: list[Any] = edit_content(event.tool, event.input, self.workspace) if not event.is_error else []
        if event.output:
            content.append(_text_content(event.output))
        paths = [*event.files_changed, *event.files_read] or None
        fields: dict[str, Any] = {
            "tool_call_id": event.call_id,
            "status": "failed" if event.is_error else "completed",
            "content": content or None,
            "locations": [self._location(p) for p in paths] if paths else self.locations(event.input),
            "raw_output": {"output": event.output, "exit_code": event.exit_code, "decision": event.decision},
        }
        if event.call_id in self.announced:
            yield schema.ToolCallProgress(session_update="tool_call_update", **fields)
        else:  # a call the client never saw start (a replay, or a refusal before the stream named it)
            self.announced.add(event.call_id)
            title = self._title(event.tool, event.agent_path, _summary(event.tool, event.input))
            yield schema.ToolCallStart(
                session_update="tool_call", title=title, kind=tool_kind(event.tool), raw_input=event.input, **fields
            )

    def _location(self, path: str) -> schema.ToolCallLocation:
        return schema.ToolCallLocation(path=str(self.workspace / path))

    def locations(self, args: dict[str, Any]) -> list[schema.ToolCallLocation] | None:
        path = args.get("file_path") or args.get("path")
        if not isinstance(path, str) or not path:
            return None
        return [schema.ToolCallLocation(path=str(self.workspace / path))]


def progress_text(event: ToolProgress) -> str:
    """`3/10 indexing`, `40% ...`: what an MCP server reported of a running call."""
    return f"{event.amount()} {event.message}".strip()


def _text_content(text: str) -> schema.ContentToolCallContent:
    return schema.ContentToolCallContent(type="content", content=schema.TextContentBlock(type="text", text=text))


def _summary(tool: str, args: dict[str, Any]) -> str:
    for key in ("command", "file_path", "pattern", "path", "url", "description"):
        value = args.get(key)
        if isinstance(value, str) and value:
            return f"{tool} {value.splitlines()[0][:120]}"
    return tool


def edit_content(tool: str, args: dict[str, Any], workspace: Path) -> list[Any]:
    """Diff content for an edit, from the call's own input (the protocol wants texts, not a patch)."""
    path = args.get("file_path")
    if not isinstance(path, str) or not path:
        return []
    where = str(workspace / path)
    if tool == "Write" and isinstance(args.get("content"), str):
        return [schema.FileEditToolCallContent(type="diff", path=where, old_text=None, new_text=args["content"])]
    if tool == "Edit":
        old, new = args.get("old_string"), args.get("new_string")
        if isinstance(old, str) and isinstance(new, str):
            return [schema.FileEditToolCallContent(type="diff", path=where, old_text=old or None, new_text=new)]
    if tool == "MultiEdit" and isinstance(args.get("edits"), list):
        out: list[Any] = []
        for edit in args["edits"]:
            if isinstance(edit, dict) and isinstance(edit.get("old_string"), str):
                new = edit["new_string"] if isinstance(edit.get("new_string"), str) else ""
                diff = schema.FileEditToolCallContent(
                    type="diff", path=where, old_text=edit["old_string"], new_text=new
                )
                out.append(diff)
        return out
    return []


def plan_update(items: tuple[PlanItem, ...] | list[PlanItem]) -> schema.AgentPlanUpdate:
    entries = [
        schema.PlanEntry(content=item.content, priority="medium", status=_plan_status(item.status)) for item in items
    ]
    return schema.AgentPlanUpdate(session_update="plan", entries=entries)


def _plan_status(status: str) -> schema.PlanEntryStatus:
    return "completed" if status == "completed" else "in_progress" if status == "in_progress" else "pending"


# -- approvals -------------------------------------------------------------------------------------


def permission_options(request: ApprovalRequest) -> list[schema.PermissionOption]:
    """Our proposals as the client's choices: once, this session, always (the exact pattern), deny."""
    options = [schema.PermissionOption(option_id=OPTION_IDS[Scope.ONCE], name="Allow once", kind="allow_once")]
    if request.rememberable:
        for scope, label in ((Scope.SESSION, "Allow for this session"), (Scope.PROJECT, "Always allow")):
            pattern = request.proposals.get(scope.value)
            if pattern:
                name = f"{label}: {pattern}"
                options.append(schema.PermissionOption(option_id=OPTION_IDS[scope], name=name, kind="allow_always"))
    options.append(schema.PermissionOption(option_id=DENY_OPTION, name="Deny", kind="reject_once"))
    return options


def permission_call(request: ApprovalRequest, workspace: Path) -> schema.ToolCallUpdate:
    """The call the client is asked about: what will happen and why it asks."""
    content: list[Any] = edit_content(request.tool, request.input, workspace)
    if request.command is not None:
        shown = request.command_visible if request.command_visible is not None else request.command
        content.append(_text_content(f"$ {shown}"))
        for segment in request.segments:
            shown = segment.visible or segment.text
            content.append(_text_content(f"{segment.verdict.value}: {shown} ({segment.reason})"))
    why = f"asks because: {request.reason}" + (f" (rule {request.rule})" if request.rule else "")
    if not request.rememberable:
        why += "; a persona rule guards it, so it cannot be remembered"
    content.append(_text_content(why))
    lead = " › ".join(request.agent_path) + " › " if request.agent_path else ""
    path = request.input.get("file_path")
    return schema.ToolCallUpdate(
        tool_call_id=request.call_id,
        title=lead + (request.summary or request.tool),
        kind=tool_kind(request.tool),
        status="pending",
        content=content,
        raw_input=request.input,
        locations=[schema.ToolCallLocation(path=str(workspace / path))] if isinstance(path, str) and path else None,
    )


def decision_from(outcome: Any, request: ApprovalRequest) -> Decision:
    """The client's answer as our Decision; anything but a known allow option denies."""
    option = getattr(outcome, "option_id", None)
    if getattr(outcome, "outcome", None) != "selected" or not isinstance(option, str):
        return Decision(allow=False, reason="the turn was cancelled before anyone answered", by="user")
    for scope, known in OPTION_IDS.items():
        if option == known:
            pattern = request.proposals.get(scope.value) if scope is not Scope.ONCE else None
            if scope is not Scope.ONCE and (not pattern or not request.rememberable):
                break  # an option we never offered: fail closed
            return Decision(allow=True, scope=scope, pattern=pattern, by="user")
    return Decision(allow=False, reason="the user declined it in the editor", by="user")
