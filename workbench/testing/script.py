"""Scripted turns for `MessagesPeer`: content builders, replies, faults, and their rendering to SSE / JSON.

A *turn* is what the peer answers to one POST /v1/messages: a `Reply` (a normal model answer), a fault
(`Status`, `Cut`, `SseError`, `Stall`), or a callable taking the parsed request body and returning one of those.
See `workbench.testing.peer` for the whole API.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

# -- content blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBlock:
    text: str


@dataclass(frozen=True)
class ThinkingBlock:
    thinking: str
    signature: str


@dataclass(frozen=True)
class ToolUseBlock:
    name: str
    input: dict[str, Any]
    id: str | None = None


Block = TextBlock | ThinkingBlock | ToolUseBlock


def text(value: str) -> TextBlock:
    """A text block; streamed as several `text_delta`s."""
    return TextBlock(value)


def thinking(value: str, signature: str | None = None) -> ThinkingBlock:
    """A thinking block with a signature (derived from the text when not given)."""
    if signature is None:
        digest = hashlib.sha256(value.encode()).digest()
        signature = "sig-" + base64.b64encode(digest).decode()
    return ThinkingBlock(value, signature)


def tool_use(name: str, input: dict[str, Any], id: str | None = None) -> ToolUseBlock:
    """A tool call; its input streams as `input_json_delta` pieces. The peer assigns `toolu_...` ids when None."""
    return ToolUseBlock(name, dict(input), id)


# -- turns --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A complete model answer."""

    blocks: tuple[Block, ...]
    stop_reason: str | None = None
    usage: dict[str, int] | None = None
    chunk_size: int | None = None
    delay: float = 0.0
    ping: bool = False
    model: str | None = None
    piece: int = 12

    @property
    def resolved_stop_reason(self) -> str:
        if self.stop_reason is not None:
            return self.stop_reason
        return "tool_use" if any(isinstance(b, ToolUseBlock) for b in self.blocks) else "end_turn"


def reply(
    *blocks: Block | str,
    stop_reason: str | None = None,
    usage: dict[str, int] | None = None,
    chunk_size: int | None = None,
    delay: float = 0.0,
    ping: bool = False,
    model: str | None = None,
    piece: int = 12,
) -> Reply:
    """A model answer made of `blocks` (a plain str is a text block).

    Args:
        stop_reason: None picks `tool_use` when any block is a tool call, else `end_turn`.
        usage: overrides for the computed usage fields (input_tokens, output_tokens, cache_*).
        chunk_size: write the SSE body in pieces of this many bytes (None: one write per event).
        delay: seconds to sleep between writes.
        ping: send a `ping` event after `message_start`.
        model: the model echoed back (default: the request's model).
        piece: characters per text/thinking/JSON delta.
    """
    made = tuple(TextBlock(b) if isinstance(b, str) else b for b in blocks)
    return Reply(made, stop_reason, usage, chunk_size, delay, ping, model, piece)


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class Status:
    """An HTTP error answer (JSON error body)."""

    code: int
    retry_after: float | str | None = None
    body: str | dict[str, Any] | None = None
    error_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, str):
            return self.body.encode()
        if isinstance(self.body, dict):
            return json.dumps(self.body).encode()
        kind = self.error_type or _ERROR_TYPES.get(self.code, "api_error")
        message = f"peer: scripted {self.code} {kind}"
        return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


def status(
    code: int,
    retry_after: float | str | None = None,
    body: str | dict[str, Any] | None = None,
    error_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> Status:
    """An HTTP error. `retry_after` goes out as the `retry-after` header (seconds or an HTTP date)."""
    return Status(code, retry_after, body, error_type, dict(headers or {}))


def _default_partial() -> Reply:
    return reply(text("This answer is being written and will be cut off before it ends, mid-sentence."))


@dataclass(frozen=True)
class Cut:
    """The reply's body stops after `after_bytes` bytes and the connection closes.

    chunked: the chunked body never ends, so the client raises a protocol error.
    close: the body is framed by connection close, so the client sees a silent, truncated stream.
    """

    after_bytes: int
    framing: Literal["chunked", "close"] = "chunked"
    reply: Reply = field(default_factory=_default_partial)


def cut(after_bytes: int, framing: Literal["chunked", "close"] = "chunked", reply: Reply | None = None) -> Cut:
    if framing not in ("chunked", "close"):
        raise ValueError(f"framing must be 'chunked' or 'close', not {framing!r}")
    return Cut(after_bytes, framing, reply or _default_partial())


@dataclass(frozen=True)
class SseError:
    """HTTP 200, `after_events` events of the reply, then `event: error` and a clean end of body."""

    after_events: int
    type: str = "overloaded_error"
    message: str = "Overloaded"
    reply: Reply = field(default_factory=_default_partial)


def sse_error(
    after_events: int, type: str = "overloaded_error", message: str = "Overloaded", reply: Reply | None = None
) -> SseError:
    return SseError(after_events, type, message, reply or _default_partial())


@dataclass(frozen=True)
class Stall:
    """The reply's body pauses for `seconds` after `after_bytes` bytes, then continues (if the client stayed)."""

    after_bytes: int
    seconds: float
    reply: Reply = field(default_factory=_default_partial)


def stall(after_bytes: int, seconds: float, reply: Reply | None = None) -> Stall:
    return Stall(after_bytes, seconds, reply or _default_partial())


Fault = Status | Cut | SseError | Stall
Turn = Reply | Fault | Callable[[dict[str, Any]], "Reply | Fault"]


# -- rendering ----------------------------------------------------------------------------------------


def _pieces(value: str, size: int) -> Iterator[str]:
    size = max(1, size)
    for start in range(0, len(value), size):
        yield value[start : start + size]


def _json_bytes(data: dict[str, Any]) -> bytes:
    """UTF-8 JSON; text holding half a surrogate pair goes out as a JSON `\\ud83d` escape, as a server may send it."""
    try:
        return json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True).encode()


def sse_event(name: str, data: dict[str, Any]) -> bytes:
    """One SSE event with its `event:` line (the SDK drops events without one)."""
    return b"event: " + name.encode() + b"\ndata: " + _json_bytes(data) + b"\n\n"


def approx_tokens(data: bytes | str) -> int:
    """The peer's token model: one token per four bytes, at least one for non-empty input."""
    size = len(data.encode() if isinstance(data, str) else data)
    return (size + 3) // 4 if size else 0


def _block_json(block: Block, block_id: str) -> dict[str, Any]:
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, ThinkingBlock):
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    return {"type": "tool_use", "id": block.id or block_id, "name": block.name, "input": block.input}


def output_tokens(r: Reply) -> int:
    return max(1, sum(approx_tokens(json.dumps(_block_json(b, ""))) for b in r.blocks))


def render_events(r: Reply, *, message_id: str, model: str, usage: dict[str, int], ids: Iterator[str]) -> list[bytes]:
    """The reply as a list of SSE events (bytes), in stream order."""
    start_usage = {**usage, "output_tokens": 1}
    message: dict[str, Any] = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    out = [sse_event("message_start", {"type": "message_start", "message": message})]
    if r.ping:
        out.append(sse_event("ping", {"type": "ping"}))
    for index, block in enumerate(r.blocks):
        out.extend(_render_block(index, block, r.piece, ids))
    delta_usage = {k: v for k, v in usage.items() if k != "input_tokens"}
    delta_usage["output_tokens"] = usage["output_tokens"]
    delta = {"stop_reason": r.resolved_stop_reason, "stop_sequence": None}
    out.append(sse_event("message_delta", {"type": "message_delta", "delta": delta, "usage": delta_usage}))
    out.append(sse_event("message_stop", {"type": "message_stop"}))
    return out


def _render_block(index: int, block: Block, piece: int, ids: Iterator[str]) -> list[bytes]:
    def delta(d: dict[str, Any]) -> bytes:
        return sse_event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})

    def begin(content_block: dict[str, Any]) -> bytes:
        data = {"type": "content_block_start", "index": index, "content_block": content_block}
        return sse_event("content_block_start", data)

    out: list[bytes] = []
    if isinstance(block, TextBlock):
        start: dict[str, Any] = {"type": "text", "text": ""}
        out.append(begin(start))
        out.extend(delta({"type": "text_delta", "text": p}) for p in _pieces(block.text, piece))
    elif isinstance(block, ThinkingBlock):
        start = {"type": "thinking", "thinking": "", "signature": ""}
        out.append(begin(start))
        out.extend(delta({"type": "thinking_delta", "thinking": p}) for p in _pieces(block.thinking, piece))
        out.append(delta({"type": "signature_delta", "signature": block.signature}))
    else:
        start = {"type": "tool_use", "id": block.id or next(ids), "name": block.name, "input": {}}
        out.append(begin(start))
        encoded = json.dumps(block.input, ensure_ascii=False)
        out.extend(delta({"type": "input_json_delta", "partial_json": p}) for p in _pieces(encoded, piece))
    out.append(sse_event("content_block_stop", {"type": "content_block_stop", "index": index}))
    return out


def render_message(r: Reply, *, message_id: str, model: str, usage: dict[str, int], ids: Iterator[str]) -> bytes:
    """The reply as one non-streaming JSON Message."""
    content = [_block_json(b, next(ids) if isinstance(b, ToolUseBlock) and b.id is None else "") for b in r.blocks]
    body = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": r.resolved_stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }
    return _json_bytes(body)
