"""A model of the Messages API prompt cache, used by `MessagesPeer` to report realistic cache usage.

A request's prompt is the sequence tools -> system -> messages, cut into blocks (each tool definition, each
system text block, each content block of each message). A block's bytes are its canonical JSON without its
`cache_control` field (plus the role at each message start), so moving a breakpoint never changes the bytes.

Rules (the documented behaviour of the API, simplified):
- a block carrying `cache_control` is a breakpoint; the prefix ending at it is *marked* (written to the cache);
- at each breakpoint the cache looks back up to `LOOKBACK` block boundaries for the longest prefix that an
  earlier request marked and that is byte-identical here: that part is served from cache (cache read);
- the part between the longest hit and the last breakpoint is written (cache creation); the rest is plain input;
- the cache is per model; a change of `tool_choice` or `thinking` keeps the tools and system cached but not the
  messages; tokens are approximated as bytes / 4;
- with `min_tokens` (the API's minimum cacheable prompt, e.g. 1024 for Sonnet), shorter prefixes are not cached.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

LOOKBACK = 20


def _tokens(size: int) -> int:
    return (size + 3) // 4


@dataclass(frozen=True)
class CacheUsage:
    """How one request's input splits into cached, written and plain tokens."""

    total_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    breakpoints: int

    @property
    def input_tokens(self) -> int:
        return self.total_tokens - self.cache_read_tokens - self.cache_creation_tokens

    @property
    def cached_share(self) -> float:
        return self.cache_read_tokens / self.total_tokens if self.total_tokens else 0.0

    def usage_fields(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "cache_read_input_tokens": self.cache_read_tokens,
            "cache_creation_input_tokens": self.cache_creation_tokens,
        }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _strip(block: Any) -> tuple[Any, bool]:
    if isinstance(block, dict):
        marked = "cache_control" in block
        return {k: v for k, v in block.items() if k != "cache_control"}, marked
    return block, False


def prompt_blocks(body: dict[str, Any]) -> list[tuple[bytes, bool, str]]:
    """The request's prompt as (bytes, has_breakpoint, location) triples, in cache order."""
    out: list[tuple[bytes, bool, str]] = []
    for i, tool in enumerate(body.get("tools") or []):
        data, marked = _strip(tool)
        out.append((b"tool:" + _canonical(data), marked, f"tools[{i}]"))
    system = body.get("system")
    if isinstance(system, str):
        out.append((b"system:" + _canonical(system), False, "system"))
    elif isinstance(system, list):
        for i, block in enumerate(system):
            data, marked = _strip(block)
            out.append((b"system:" + _canonical(data), marked, f"system[{i}]"))
    for m, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict):
            continue
        role = str(message.get("role", "")).encode()
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for c, block in enumerate(blocks):
            data, marked = _strip(block)
            head = b"\x00" + role + b":" if c == 0 else b""
            out.append((head + _canonical(data), marked, f"messages[{m}].content[{c}]"))
    return out


def breakpoint_locations(body: dict[str, Any]) -> list[str]:
    """Where the request puts `cache_control`, e.g. ['tools[5]', 'system[1]', 'messages[3].content[0]']."""
    found = [loc for _, marked, loc in prompt_blocks(body) if marked]
    if isinstance(body.get("cache_control"), dict):
        found.append("top-level")
    return found


class PromptCache:
    """The set of prefixes earlier requests marked, keyed by model. Not thread-safe: the peer locks around it."""

    def __init__(self, min_tokens: int = 0) -> None:
        self.min_tokens = min_tokens
        self._marked: set[str] = set()

    def clear(self) -> None:
        self._marked.clear()

    def account(self, body: dict[str, Any]) -> CacheUsage:
        """Split this request's input into cache read / creation / plain, then mark its breakpoints."""
        blocks = prompt_blocks(body)
        if isinstance(body.get("cache_control"), dict) and blocks:
            last, _, loc = blocks[-1]
            blocks[-1] = (last, True, loc)  # the top-level marker applies to the last cacheable block
        digest = hashlib.sha256(str(body.get("model", "")).encode())
        hashes: list[str] = []
        sizes: list[int] = []
        running = 0
        settings = _canonical({"tool_choice": body.get("tool_choice"), "thinking": body.get("thinking")})
        mixed = False
        for data, _, loc in blocks:
            if not mixed and loc.startswith("messages["):
                digest.update(settings)  # these settings only invalidate the messages part of the cache
                mixed = True
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
            hashes.append(digest.copy().hexdigest())
            running += len(data)
            sizes.append(running)
        points = [i for i, (_, marked, _) in enumerate(blocks) if marked and _tokens(sizes[i]) >= self.min_tokens]
        hit = -1
        for point in points:
            for j in range(point, max(-1, point - LOOKBACK), -1):
                if hashes[j] in self._marked:
                    hit = max(hit, j)
                    break
        total = _tokens(running)
        read = _tokens(sizes[hit]) if hit >= 0 else 0
        written = 0
        if points and points[-1] > hit:
            written = _tokens(sizes[points[-1]]) - read
        for point in points:
            self._marked.add(hashes[point])
        return CacheUsage(total, read, max(0, written), len(points))
