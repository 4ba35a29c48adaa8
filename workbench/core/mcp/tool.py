"""One MCP server tool as a workbench Tool (kind EXTERNAL), and how its results become text for the model.

Each MCP tool gets its own small subclass of `McpTool` (built by `make_tool`), because the Tool contract
declares `name`, `description` and `input_schema` as class attributes. The loop treats it like any
built-in: `preview()` checks the arguments against the server's schema, the policy decides (MCP tools ask
by default), and `run()` goes through the manager, which owns the connection and the timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import unicodedata
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.core.mcp.names import full_name
from workbench.core.secrets import redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult

if TYPE_CHECKING:
    from workbench.core.mcp.manager import McpManager

MAX_DESCRIPTION = 2048  # Claude Code caps MCP tool descriptions at 2048 characters too
SUMMARY_WIDTH = 120


def one_line(text: str, width: int = SUMMARY_WIDTH) -> str:
    """Untrusted text made safe for a single line: control and format characters become visible escapes."""
    out: list[str] = []
    for ch in text:
        if ch in "\n\r\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    line = " ".join("".join(out).split())
    return line if len(line) <= width else line[: width - 1] + "…"


class McpTool(Tool):
    """Base of every MCP tool class; see `make_tool`."""

    kind: ClassVar[ToolKind] = ToolKind.EXTERNAL
    server: ClassVar[str]  # the server's configured name
    tool_name: ClassVar[str]  # the tool's own name on that server (before normalisation)
    annotations: ClassVar[dict[str, Any]]  # the server's hints (readOnlyHint, destructiveHint, ...)

    def __init__(self, manager: McpManager) -> None:
        self.manager = manager

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        if not isinstance(args, dict):
            raise ToolError(f"{self.name}: arguments must be a JSON object")
        down = self.manager.unavailable(self.name)
        if down is not None:
            raise ToolError(down)  # nothing to approve: the call could not run
        problem = schema_problem(self.input_schema, args)
        if problem is not None:
            raise ToolError(f"{self.name}: {problem}")
        return CallPreview(
            summary=redact(one_line(f"MCP {self.server} · {self.tool_name} {_short_args(args)}".rstrip())),
            meta={"server": self.server, "mcp_tool": self.tool_name, "annotations": dict(self.annotations)},
        )

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        limit = _ctx_limit(ctx)
        return await self.manager.call(self.name, args, max_output_chars=limit)

    async def run_stream(self, args: dict[str, Any], ctx: Any, call_id: str = "") -> AsyncIterator[Any]:
        """The call, with the server's progress notifications as ToolProgress events while it runs (only the
        newest of a burst is passed on), then its ToolResult."""
        from workbench.core.events import ToolProgress

        latest: list[ToolProgress] = []
        heard = asyncio.Event()

        async def progress(done: float, total: float | None, message: str | None) -> None:
            text = redact(one_line(message or "", SUMMARY_WIDTH))
            latest[:] = [ToolProgress(call_id=call_id, tool=self.name, progress=done, total=total, message=text)]
            heard.set()

        call = asyncio.ensure_future(
            self.manager.call(self.name, args, max_output_chars=_ctx_limit(ctx), progress=progress)
        )
        try:
            while not call.done():
                waiter = asyncio.ensure_future(heard.wait())
                await asyncio.wait({call, waiter}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                if latest:
                    yield latest.pop()
                heard.clear()
            yield call.result()
        finally:
            if not call.done():
                call.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await call


def make_tool(
    manager: McpManager,
    server: str,
    raw: dict[str, Any],
) -> McpTool:
    """Build the tool object for one entry of a server's (already checked) `tools/list` answer."""
    tool_name = str(raw["name"])
    description = raw.get("description")
    text = description if isinstance(description, str) and description.strip() else f"{tool_name} ({server})"
    if len(text) > MAX_DESCRIPTION:
        text = text[: MAX_DESCRIPTION - 1] + "…"
    annotations = raw.get("annotations")
    attrs: dict[str, Any] = {
        "name": full_name(server, tool_name),
        "description": text,
        "input_schema": dict(raw["inputSchema"]),
        "server": server,
        "tool_name": tool_name,
        "annotations": dict(annotations) if isinstance(annotations, dict) else {},
    }
    cls = type(f"McpTool[{attrs['name']}]", (McpTool,), attrs)
    tool: McpTool = cls(manager)
    return tool


def schema_problem(schema: dict[str, Any], args: dict[str, Any]) -> str | None:
    """The first way `args` break the server's input schema, in plain words; None when they fit."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    try:
        validator = validator_for(schema)(schema)
        error = best_match(validator.iter_errors(args))
    except Exception as exc:  # the schema was checked at listing time; stay safe anyway
        return f"cannot check the arguments against the server's schema ({type(exc).__name__})"
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"invalid arguments{' at ' + where if where else ''}: {error.message}"


def _short_args(args: dict[str, Any]) -> str:
    parts = []
    for key, value in args.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if isinstance(shown, str) and len(shown) > 40:
            shown = shown[:39] + "…"
        parts.append(f"{key}={shown!r}" if isinstance(value, str) else f"{key}={shown}")
    return ", ".join(parts)


def _ctx_limit(ctx: Any) -> int | None:
    settings = getattr(ctx, "settings", None)
    limits = getattr(settings, "limits", None)
    value = getattr(limits, "max_output_chars", None)
    return value if isinstance(value, int) and value > 0 else None
