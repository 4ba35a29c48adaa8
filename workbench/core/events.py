"""The plain events the agent loop yields.

The TUI, headless mode (`--output-format stream-json`), the session transcript and the tests all consume
these. Each event serialises to one JSON object with a `type` field (see `to_json`); the schema is
documented in docs/events.md. Events are frozen: consumers never mutate them.

`agent_path` names the chain of subagents an event came from (empty for the top-level persona), so a
child's evidence can nest inside its parent's card.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from workbench.core.approvals import ApprovalRequest, Decision


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str] = "event"
    agent_path: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):
            out[f.name] = _plain(getattr(self, f.name))
        return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_json"):
            return value.to_json()
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class TurnStarted(Event):
    type: ClassVar[str] = "turn_started"
    turn: int
    prompt: str
    persona_id: str
    model: str


@dataclass(frozen=True, kw_only=True)
class TextDelta(Event):
    type: ClassVar[str] = "text_delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class ThinkingDelta(Event):
    type: ClassVar[str] = "thinking_delta"
    text: str


@dataclass(frozen=True, kw_only=True)
class AssistantText(Event):
    """The complete text of one model response (after its deltas)."""

    type: ClassVar[str] = "assistant_text"
    text: str


@dataclass(frozen=True, kw_only=True)
class ToolCallStarted(Event):
    type: ClassVar[str] = "tool_call_started"
    call_id: str
    tool: str


@dataclass(frozen=True, kw_only=True)
class ToolInputDelta(Event):
    """The tool call's input as parsed so far (a partial dict)."""

    type: ClassVar[str] = "tool_input_delta"
    call_id: str
    snapshot: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class ToolCallReady(Event):
    """The model finished writing the call; `input` is complete. `summary` is one line for a card."""

    type: ClassVar[str] = "tool_call_ready"
    call_id: str
    tool: str
    input: dict[str, Any]
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class ApprovalRequested(Event):
    type: ClassVar[str] = "approval_requested"
    request: ApprovalRequest


@dataclass(frozen=True, kw_only=True)
class ApprovalDecided(Event):
    type: ClassVar[str] = "approval_decided"
    request_id: str
    call_id: str
    decision: Decision


@dataclass(frozen=True, kw_only=True)
class ToolCallFinished(Event):
    type: ClassVar[str] = "tool_call_finished"
    call_id: str
    tool: str
    input: dict[str, Any]
    output: str
    is_error: bool
    duration_ms: float
    exit_code: int | None = None
    diff: str | None = None
    files_read: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()
    decision: str = "allow"
    meta: dict[str, Any] = field(default_factory=dict)
    media: tuple[dict[str, Any], ...] = ()  # image blocks the model gets with `output`; JSON names them only

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        if self.media:
            out["media"] = describe_media(self.media)
        return out


def describe_media(media: Any) -> list[dict[str, Any]]:
    """Image blocks without their data (for event streams, transcripts and reports): type, media type, size."""
    out: list[dict[str, Any]] = []
    for block in media or ():
        if not isinstance(block, dict):
            continue
        source = block.get("source")
        if isinstance(source, dict) and isinstance(source.get("data"), str):
            size = len(source["data"].rstrip("=")) * 3 // 4  # the decoded size, without decoding
            out.append({"type": block.get("type"), "media_type": source.get("media_type"), "bytes": size})
        else:
            out.append(dict(block))
    return out


@dataclass(frozen=True, kw_only=True)
class ToolProgress(Event):
    """A running call's progress as its MCP server reports it (for the evidence card; not stored)."""

    type: ClassVar[str] = "tool_progress"
    call_id: str
    tool: str
    progress: float
    total: float | None = None
    message: str = ""

    def amount(self) -> str:
        """`2/3`, `40%` (a total of 100), or a bare count when the server gives no total."""
        if not self.total:
            return f"{self.progress:g}"
        return f"{self.progress:g}%" if self.total == 100 else f"{self.progress:g}/{self.total:g}"


@dataclass(frozen=True, kw_only=True)
class HookRan(Event):
    """One hook command ran (evidence). `call_id` names the tool call a PreToolUse/PostToolUse hook ran for.
    `command`, `message` and `target` are untrusted text."""

    type: ClassVar[str] = "hook_ran"
    hook_event: str  # PreToolUse, Stop, ...
    command: str
    source: str  # the settings file
    outcome: str  # ok | blocked | error | timeout
    exit_code: int | None = None
    duration_ms: int = 0
    message: str = ""
    target: str | None = None
    call_id: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanItem:
    content: str
    status: str  # pending | in_progress | completed
    active_form: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"content": self.content, "status": self.status, "active_form": self.active_form}


@dataclass(frozen=True, kw_only=True)
class PlanUpdated(Event):
    type: ClassVar[str] = "plan_updated"
    items: tuple[PlanItem, ...]
    source: str = "agent"  # agent | user


@dataclass(frozen=True, kw_only=True)
class UsageInfo:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cost_usd: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def context_tokens(self) -> int:
        """For one response: how much of the context window the conversation fills after it."""
        return self.input_tokens + self.cache_read_input_tokens + self.cache_creation_input_tokens + self.output_tokens

    def __add__(self, other: UsageInfo) -> UsageInfo:
        return UsageInfo(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
        )


@dataclass(frozen=True, kw_only=True)
class UsageUpdated(Event):
    type: ClassVar[str] = "usage"
    turn: UsageInfo
    session: UsageInfo
    model: str = ""
    window: int = 0  # the model's context window in tokens (0: unknown)


@dataclass(frozen=True, kw_only=True)
class Retrying(Event):
    """An app-level retry of the whole request is scheduled; countdown events follow each second."""

    type: ClassVar[str] = "retrying"
    attempt: int
    delay_s: float
    reason: str


@dataclass(frozen=True, kw_only=True)
class RetryCountdown(Event):
    type: ClassVar[str] = "retry_countdown"
    seconds_left: float


@dataclass(frozen=True, kw_only=True)
class ErrorEvent(Event):
    type: ClassVar[str] = "error"
    kind: str  # auth | bad_request | rate_limit | overloaded | server | connection | timeout | truncated | ...
    message: str
    hint: str = ""
    retryable: bool = False
    status_code: int | None = None


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    type: ClassVar[str] = "notice"
    level: str  # info | warning
    message: str


@dataclass(frozen=True, kw_only=True)
class ContractReport(Event):
    """Seed 002's output contract: which mandated headings the final answer lacks."""

    type: ClassVar[str] = "contract_report"
    required: tuple[str, ...]
    missing: tuple[str, ...]
    in_order: bool = True


@dataclass(frozen=True, kw_only=True)
class SubagentStarted(Event):
    """An Agent call started a child persona. `agent_path` is the child's own path (it ends with
    `persona_id`); `call_id` is the parent's Agent call, so a UI can nest the child's events in that card."""

    type: ClassVar[str] = "subagent_started"
    call_id: str
    persona_id: str
    description: str
    prompt: str
    model: str
    color: str | None = None
    tools: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SubagentFinished(Event):
    """The child persona ended; `final_text` goes back to the parent as the Agent call's result."""

    type: ClassVar[str] = "subagent_finished"
    call_id: str
    persona_id: str
    stop_reason: str  # end_turn | error | max_turns | ...
    final_text: str
    usage: UsageInfo
    tool_calls: int = 0


@dataclass(frozen=True, kw_only=True)
class Compacted(Event):
    """The history sent to the model was replaced by a summary (the transcript keeps every original turn).

    `tokens_before` is the context the last response used; `tokens_after` what the compacted history
    takes (counted by the server's count_tokens, or estimated from its size when the server has none:
    `estimated`). `usage` is what the summary request cost."""

    type: ClassVar[str] = "compacted"
    trigger: str  # auto | manual
    tokens_before: int
    tokens_after: int
    messages_before: int
    messages_after: int
    window: int
    summary: str
    usage: UsageInfo = field(default_factory=UsageInfo)
    estimated: bool = False


@dataclass(frozen=True, kw_only=True)
class TurnDone(Event):
    type: ClassVar[str] = "turn_done"
    stop_reason: str  # end_turn | max_tokens | refusal | cancelled | error | max_turns | denied | ...
    final_text: str
    usage: UsageInfo
    session_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckpointSaved(Event):
    """The workspace was snapshotted into the private checkpoint store (see docs/rewind.md).

    `kind`: turn (before the turn's prompt), before_call / after_call (around a tool call that may change
    files), before_rewind / after_rewind. `messages` and `blocks` (turn checkpoints only) say how long the
    history was before the prompt, so a conversation rewind knows where to cut. `unkept` names files too
    large to keep (path -> "size:mtime_ns")."""

    type: ClassVar[str] = "checkpoint"
    kind: str
    turn: int
    commit: str
    tree: str
    call_id: str = ""
    tool: str = ""
    messages: int = -1
    blocks: int = -1
    unkept: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Rewound(Event):
    """Files and/or the conversation went back to before turn `to_turn` (or an earlier rewind was undone).

    `checkpoint` is the snapshot taken just before the rewind changed anything: an undo restores it."""

    type: ClassVar[str] = "rewound"
    to_turn: int
    files: bool
    conversation: bool
    checkpoint: str = ""
    restored: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    forced: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (path, why): files it could not write back
    messages_kept: int = -1
    blocks_kept: int = -1
    undo: bool = False


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        TurnStarted,
        TextDelta,
        ThinkingDelta,
        AssistantText,
        ToolCallStarted,
        ToolInputDelta,
        ToolCallReady,
        ApprovalRequested,
        ApprovalDecided,
        ToolCallFinished,
        ToolProgress,
        HookRan,
        PlanUpdated,
        UsageUpdated,
        Retrying,
        RetryCountdown,
        ErrorEvent,
        Notice,
        ContractReport,
        SubagentStarted,
        SubagentFinished,
        Compacted,
        TurnDone,
        CheckpointSaved,
        Rewound,
    )
}
