"""Prompt-cache breakpoints: the last tool definition, the system block, and the newest messages.

The stored history is never mutated: markers go on shallow copies made per request. Besides the newest
message, the previous request's newest message (the latest earlier user message) keeps its marker, so
the prefix the last request wrote is found even when a turn added more blocks than the API looks back over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
_UNMARKABLE = {"thinking", "redacted_thinking"}


def system_blocks(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text, "cache_control": dict(EPHEMERAL)}]


def tool_specs(specs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [dict(s) for s in specs]
    if out:
        out[-1]["cache_control"] = dict(EPHEMERAL)
    return out


def _marked(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, str):
        blocks: list[Any] = [{"type": "text", "text": content}]
    elif isinstance(content, list):
        blocks = list(content)
    else:
        return message
    for i in range(len(blocks) - 1, -1, -1):
        block = blocks[i]
        if isinstance(block, dict) and block.get("type") not in _UNMARKABLE:
            blocks[i] = {**block, "cache_control": dict(EPHEMERAL)}
            return {**message, "content": blocks}
    return message


def with_message_breakpoints(history: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages to send: the newest one marked, and the latest earlier user message marked too."""
    out = list(history)
    if not out:
        return out
    last = len(out) - 1
    out[last] = _marked(out[last])
    for i in range(last - 1, -1, -1):
        if out[i].get("role") == "user":
            out[i] = _marked(out[i])
            break
    return out
