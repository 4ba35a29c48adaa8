"""Test support that ships with the package: a local Messages API peer and its script builders.

`workbench.testing.peer` documents the whole API; everything public is re-exported here.
"""

from __future__ import annotations

from workbench.testing.cache import CacheUsage, PromptCache, breakpoint_locations, prompt_blocks
from workbench.testing.peer import NO_TURN_MESSAGE, MessagesPeer, PeerRequest
from workbench.testing.script import (
    Cut,
    Reply,
    SseError,
    Stall,
    Status,
    Turn,
    approx_tokens,
    cut,
    reply,
    sse_error,
    stall,
    status,
    text,
    thinking,
    tool_use,
)

__all__ = [
    "NO_TURN_MESSAGE",
    "CacheUsage",
    "Cut",
    "MessagesPeer",
    "PeerRequest",
    "PromptCache",
    "Reply",
    "SseError",
    "Stall",
    "Status",
    "Turn",
    "approx_tokens",
    "breakpoint_locations",
    "cut",
    "prompt_blocks",
    "reply",
    "sse_error",
    "stall",
    "status",
    "text",
    "thinking",
    "tool_use",
]
