"""MCP tool names as the model sees them: ``mcp__<server>__<tool>``, normalised as Claude Code does."""

from __future__ import annotations

import re

PREFIX = "mcp__"
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")


def normalize(part: str) -> str:
    """Server and tool names keep ``[a-zA-Z0-9_-]``; every other character becomes ``_``."""
    return _UNSAFE.sub("_", part)


def full_name(server: str, tool: str) -> str:
    return f"{PREFIX}{normalize(server)}__{normalize(tool)}"


def split_name(name: str) -> tuple[str, str | None] | None:
    """``mcp__srv__tool`` -> (srv, tool); ``mcp__srv`` -> (srv, None); anything else -> None.

    The server part ends at the first ``__`` (a server name containing ``__`` can't be split unambiguously,
    which is Claude Code's known limitation too).
    """
    if not name.startswith(PREFIX):
        return None
    rest = name[len(PREFIX) :]
    server, sep, tool = rest.partition("__")
    if not server:
        return None
    return (server, tool) if sep else (server, None)
