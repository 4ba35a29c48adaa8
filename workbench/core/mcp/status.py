"""One MCP server's state as `workbench mcp list`, the MCP screen and the session notices show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["not_started", "starting", "started", "failed", "stopped"]


@dataclass
class ServerStatus:
    """What `workbench mcp list` and the TUI show for one server."""

    name: str
    scope: str
    source: str
    transport: str
    target: str  # the command line or the URL
    status: Status
    reason: str = ""  # why it was not started or failed
    tools: list[str] = field(default_factory=list)  # full names, mcp__srv__tool
    errors: list[str] = field(default_factory=list)  # per-tool problems (bad schemas), config warnings
    pid: int | None = None
    descriptions: dict[str, str] = field(default_factory=dict)  # tool name -> the server's description
    log: str | None = None  # the file holding the server's stderr

    @property
    def label(self) -> str:
        if self.status == "started":
            return "started"
        if self.status == "not_started":
            return f"not started: {self.reason}" if self.reason else "not started"
        if self.status == "failed":
            return f"failed: {self.reason}"
        return self.status

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "source": self.source,
            "transport": self.transport,
            "target": self.target,
            "status": self.status,
            "label": self.label,
            "reason": self.reason,
            "tools": list(self.tools),
            "errors": list(self.errors),
            "pid": self.pid,
            "descriptions": dict(self.descriptions),
            "log": self.log,
        }
