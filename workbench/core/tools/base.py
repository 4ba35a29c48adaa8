"""The tool contract: what every tool declares and how the agent loop calls it.

A call goes: `preview(args, ctx)` (validate, resolve paths through the workspace fence, compute the diff
an edit would make; no side effects) -> the policy decides on the preview -> `run(args, ctx)` (the fence
is checked again, since the world may have changed while the user looked at the approval).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar


class ToolKind(StrEnum):
    READ = "read"  # reads inside the workspace
    WRITE = "write"  # changes files
    EXEC = "exec"  # runs commands
    NETWORK = "network"  # reaches the network
    STATE = "state"  # session state only (the plan)
    MEMORY = "memory"  # writes outside the workspace to the workbench's memory file
    DELEGATE = "delegate"  # runs another persona
    EXTERNAL = "external"  # an MCP server's tool


class ToolError(Exception):
    """A refused or invalid call. The message goes back to the model as an `is_error` tool result."""


@dataclass(frozen=True)
class CallPreview:
    """What a call would do, for the policy and the approval card. Computing it has no side effects."""

    summary: str  # one line: "Read src/app.py 1-200", "Edit src/retry.py", "Run: pytest -q"
    paths: tuple[str, ...] = ()  # workspace-relative POSIX paths the call touches
    diff: str | None = None  # unified diff for writes
    command: str | None = None  # the exact shell command for exec tools
    url: str | None = None  # for network tools
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolResult:
    content: str  # what the model sees: capped, redacted
    is_error: bool = False
    exit_code: int | None = None
    diff: str | None = None
    files_read: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()
    output_bytes: int = 0  # size of the raw output before capping
    meta: dict[str, Any] = field(default_factory=dict)
    media: tuple[dict[str, Any], ...] = ()  # image blocks sent to the model with `content` (MCP images)


class Tool(ABC):
    """One canonical tool. The model only ever sees `name` (a Claude Code name)."""

    name: ClassVar[str]
    description: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]
    kind: ClassVar[ToolKind]

    def api_spec(self) -> dict[str, Any]:
        """The tool definition sent to the Messages API (byte-stable across turns)."""
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}

    @abstractmethod
    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        """Validate `args` and describe the call. Raises ToolError when the call is refused."""

    @abstractmethod
    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        """Do it. Raises ToolError when refused; cancellation (asyncio) must stop it at once."""


def workspace_root(path: Path) -> Path:
    """The real path the fence is measured against."""
    return path.resolve(strict=True)
