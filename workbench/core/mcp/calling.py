"""Requests to running MCP servers: tool calls (with progress), prompts and resources, each with a timeout and
every failure turned into plain words. Mixed into `McpManager`, which owns the connections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from workbench.core.mcp.catalog import McpPrompt
from workbench.core.mcp.content import Rendered, render_content, render_resource
from workbench.core.mcp.names import normalize, split_name
from workbench.core.mcp.tool import McpTool, one_line
from workbench.core.secrets import redact
from workbench.core.tools.base import ToolResult

Progress = Callable[[float, float | None, str | None], Awaitable[None]]


class McpRequestError(Exception):
    """A prompt or resource request that failed; the message is for the user (and the model) as is."""


class ServerCalls:
    """The request side of `McpManager` (see manager.py for the connections)."""

    _tools: dict[str, tuple[Any, McpTool]]
    _servers: dict[str, Any]
    call_timeout: float
    max_output_chars: int

    def _check_alive(self) -> None:
        raise NotImplementedError

    async def call(
        self,
        name: str,
        args: dict[str, Any],
        *,
        max_output_chars: int | None = None,
        progress: Progress | None = None,
    ) -> ToolResult:
        """Call one tool. Every failure (unknown tool, server down, timeout, crash) is an error result.
        `progress` hears the server's progress notifications for this call."""
        problem = self.unavailable(name)
        if problem is not None:
            return ToolResult(content=problem, is_error=True)
        server, tool = self._tools[name]
        label = f"MCP server {server.config.name!r}"
        client = server.client
        try:
            async with asyncio.timeout(self.call_timeout):
                result = await client.call_tool(tool.tool_name, args, progress_callback=progress)
        except TimeoutError:
            return ToolResult(
                content=(
                    f"{tool.name}: {label} did not answer within {self.call_timeout:g}s; the call was abandoned "
                    "(the server is still connected and other calls can go on)"
                ),
                is_error=True,
                meta={"server": server.config.name, "timeout_s": self.call_timeout},
            )
        except Exception as exc:
            if server.stop_requested.is_set():
                return ToolResult(content=f"{tool.name}: {label} was stopped during the call", is_error=True)
            await asyncio.sleep(0.05)  # let a dying process be reaped, so its exit code can be told
            if server.info.returncode is not None or _is_closed(exc):
                return self._crashed(server, tool.name)
            leaf = _leaf(exc)
            return ToolResult(
                content=one_line(f"{tool.name}: {label} error: {type(leaf).__name__}: {leaf}", 2000),
                is_error=True,
                meta={"server": server.config.name},
            )
        return self._result(server, tool, result, max_output_chars or self.max_output_chars)

    def unavailable(self, name: str) -> str | None:
        """Why `name` can't be called right now, in plain words; None when it can."""
        self._check_alive()
        entry = self._tools.get(name)
        if entry is None:
            return self._unknown_text(name)
        server, tool = entry
        if server.status != "started" or server.client is None:
            why = server.crash_text() or server.reason or server.status.replace("_", " ")
            return f"MCP server {server.config.name!r} is not running ({why}); {tool.name} cannot be called"
        return None

    def _crashed(self, server: Any, tool_name: str) -> ToolResult:
        server.status = "failed"
        server.reason = server.crash_text() or "connection closed"
        return ToolResult(
            content=f"{tool_name}: MCP server {server.config.name!r} stopped during the call ({server.reason})",
            is_error=True,
            meta={"server": server.config.name, "exit_code": server.info.returncode},
        )

    def _result(self, server: Any, tool: McpTool, result: Any, limit: int) -> ToolResult:
        from workbench.core.tools.limits import cap_text

        rendered = render_content(getattr(result, "content", None), getattr(result, "structured_content", None))
        text = redact(rendered.text)
        text = cap_text(text, limit, "the MCP server's answer was cut to the workbench's output limit")
        is_error = bool(getattr(result, "is_error", False))
        if not text.strip():
            text = "(the tool returned an error with no text)" if is_error else "(the tool returned no content)"
        return ToolResult(
            content=text,
            is_error=is_error,
            output_bytes=rendered.raw_bytes,
            meta={"server": server.config.name, "mcp_tool": tool.tool_name},
            media=tuple(rendered.media),
        )

    def _unknown_text(self, name: str) -> str:
        parts = split_name(name)
        if parts is None:
            return f"{name} is not an MCP tool name (expected mcp__<server>__<tool>)"
        for server in self._servers.values():
            if normalize(server.config.name) != parts[0]:
                continue
            if server.status == "started":
                return f"MCP server {parts[0]!r} has no tool named {parts[1]!r}"
            return f"MCP server {parts[0]!r} is not running ({server.crash_text() or server.reason or server.status})"
        return f"MCP server {parts[0]!r} is not configured"

    async def get_prompt(self, prompt: McpPrompt, arguments: dict[str, str]) -> Rendered:
        """The messages of one prompt, filled in with `arguments`, as text and images for a user turn."""
        result = await self._request(prompt.server, "prompts/get", lambda c: c.get_prompt(prompt.name, arguments))
        parts: list[str] = []
        media: list[dict[str, Any]] = []
        raw = 0
        for message in getattr(result, "messages", None) or []:
            rendered = render_content([message.content])
            role = str(getattr(message, "role", "user"))
            parts.append(rendered.text if role == "user" else f"({role}) {rendered.text}")
            media += rendered.media
            raw += rendered.raw_bytes
        return Rendered(self._capped(redact("\n\n".join(parts)), "prompt"), media, raw)

    async def read_resource(self, server: str, uri: str) -> Rendered:
        """One resource's contents, as text and images (the text capped like a tool's output)."""
        result = await self._request(server, "resources/read", lambda c: c.read_resource(uri))
        rendered = render_resource(getattr(result, "contents", None))
        rendered.text = self._capped(redact(rendered.text), "resource")
        return rendered

    def _capped(self, text: str, what: str) -> str:
        from workbench.core.tools.limits import cap_text

        return cap_text(text, self.max_output_chars, f"the {what} was cut to the workbench's output limit")

    async def _request(self, name: str, what: str, send: Callable[[Any], Awaitable[Any]]) -> Any:
        self._check_alive()
        server = next((s for s in self._servers.values() if name in (s.config.name, normalize(s.config.name))), None)
        if server is None:
            raise McpRequestError(f"MCP server {name!r} is not configured")
        if server.status != "started" or server.client is None:
            why = server.crash_text() or server.reason or server.status.replace("_", " ")
            raise McpRequestError(f"MCP server {server.config.name!r} is not running ({why})")
        try:
            async with asyncio.timeout(self.call_timeout):
                return await send(server.client)
        except TimeoutError:
            raise McpRequestError(
                f"MCP server {server.config.name!r} did not answer {what} within {self.call_timeout:g}s"
            ) from None
        except Exception as exc:
            leaf = _leaf(exc)
            text = one_line(f"MCP server {server.config.name!r}: {what} failed: {type(leaf).__name__}: {leaf}", 500)
            raise McpRequestError(text) from None


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (possibly nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _is_closed(exc: BaseException) -> bool:
    leaf = _leaf(exc)
    text = str(leaf).lower()
    return "connection closed" in text or type(leaf).__name__ in ("ClosedResourceError", "BrokenResourceError")
