"""Start the configured MCP servers, list their tools, call them, stop them.

    manager = McpManager(config.servers.values(), workspace=repo, trust_project=is_trusted(repo))
    await manager.start()            # every server at once, each with its own start timeout
    tools = manager.tools()          # list[McpTool], named mcp__<server>__<tool>
    result = await manager.call("mcp__srv__echo", {"text": "hi"})   # ToolResult; errors are results too
    await manager.stop()             # every server stopped; their process groups killed

Faults stay inside one server or one call: a server that fails to start is recorded with the reason and
the others go on; a bad tool schema drops that tool; a call that hangs times out; a server that crashed
answers every later call with a clear error. Each server runs in its own task, which owns the SDK client
(the SDK's cancel scopes must be entered and left by the same task), so `start()` and `stop()` may be
called from different tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench import __version__
from workbench.core.mcp.config import McpConfig, ServerConfig
from workbench.core.mcp.names import normalize, split_name
from workbench.core.mcp.process import ProcessInfo, StartError
from workbench.core.mcp.tool import McpTool, make_tool, one_line, render_content
from workbench.core.secrets import redact
from workbench.core.tools.base import ToolResult

Status = Literal["not_started", "starting", "started", "failed", "stopped"]

DEFAULT_START_TIMEOUT = 30.0
DEFAULT_CALL_TIMEOUT = 120.0
DEFAULT_MAX_OUTPUT = 30_000
STOP_TIMEOUT = 10.0
MAX_LIST_PAGES = 50
MAX_TOOL_NAME = 64  # the Messages API's limit on a tool name; one longer name would fail every request


def _env_seconds(name: str, default: float) -> float:
    """Claude Code's MCP_TIMEOUT / MCP_TOOL_TIMEOUT, in milliseconds."""
    raw = os.environ.get(name, "")
    try:
        value = float(raw) / 1000.0
    except ValueError:
        return default
    return value if value > 0 else default


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


class _Server:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.status: Status = "not_started"
        self.reason = ""
        self.errors: list[str] = []
        self.tools: list[McpTool] = []
        self.info = ProcessInfo()
        self.client: Any = None
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        self.stop_requested = asyncio.Event()

    def crash_text(self) -> str:
        exit_text = self.info.exit_text()
        if not exit_text:
            return ""
        stderr = self.info.stderr_text()
        return f"exited ({exit_text})" + (f"; stderr: {one_line(stderr, 300)}" if stderr else "")


class McpManager:
    def __init__(
        self,
        servers: McpConfig | Iterable[ServerConfig],
        *,
        workspace: Path | None = None,
        trust_project: bool = False,
        start_timeout: float | None = None,
        call_timeout: float | None = None,
        max_output_chars: int = DEFAULT_MAX_OUTPUT,
    ) -> None:
        """`trust_project`: start servers from the project's own `.mcp.json` (the user said yes, or the
        headless `--trust-project` flag). User-level servers always start."""
        configs = list(servers.servers.values()) if isinstance(servers, McpConfig) else list(servers)
        if isinstance(servers, McpConfig) and not trust_project:
            configs = [_fallback(c, servers.shadowed) for c in configs]
        self.config_errors = list(servers.errors) if isinstance(servers, McpConfig) else []
        self.workspace = workspace
        self.trust_project = trust_project
        self.start_timeout = start_timeout or _env_seconds("MCP_TIMEOUT", DEFAULT_START_TIMEOUT)
        self.call_timeout = call_timeout or _env_seconds("MCP_TOOL_TIMEOUT", DEFAULT_CALL_TIMEOUT)
        self.max_output_chars = max_output_chars
        self._servers: dict[str, _Server] = {c.name: _Server(c) for c in configs}
        self._tools: dict[str, tuple[_Server, McpTool]] = {}

    # ── lifecycle ────────────────────────────────────────────────────────────────────────────

    async def start(self) -> None:
        """Start every server that may start, concurrently; returns once each is up or has failed."""
        waiting: list[_Server] = []
        for server in self._servers.values():
            if server.status != "not_started":
                continue
            if not self._may_start(server):
                server.reason = "project not trusted (its .mcp.json servers start only once you trust it)"
                continue
            server.status = "starting"
            server.task = asyncio.create_task(self._run(server), name=f"mcp:{server.config.name}")
            waiting.append(server)
        await asyncio.gather(*(self._await_ready(s) for s in waiting))
        self._index_tools()

    async def _await_ready(self, server: _Server) -> None:
        assert server.task is not None
        ready = asyncio.create_task(server.ready.wait())
        done, _ = await asyncio.wait({ready, server.task}, timeout=self.start_timeout, return_when="FIRST_COMPLETED")
        ready.cancel()
        if not done:
            server.status = "failed"
            server.reason = f"did not start within {self.start_timeout:g}s"
            await self._end_task(server)

    async def _run(self, server: _Server) -> None:
        """The server's own task: open the connection, list tools, then hold the connection until stop()."""
        from mcp import Client, Implementation

        from workbench.core.mcp.transport import open_transport

        config = server.config
        try:
            transport = open_transport(config, server.info, cwd=self.workspace, on_error=server.errors.append)
            client = Client(
                transport,
                mode="auto",
                client_info=Implementation(name="workbench", version=__version__),
                cache=None,
            )
            async with client:
                listed = await self._list_tools(client)
                server.tools = self._build_tools(server, listed)
                server.client = client
                server.status = "started"
                server.ready.set()
                await server.stop_requested.wait()
        except asyncio.CancelledError:
            if server.status in ("starting", "started"):
                server.status = "stopped"
            raise
        except BaseException as exc:
            if server.status in ("starting", "started"):
                server.status = "failed"
                server.reason = self._failure_text(server, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            server.client = None
            server.ready.set()
            if server.status == "started":
                server.status = "stopped"

    async def _list_tools(self, client: Any) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_LIST_PAGES):
            page = await client.list_tools(cursor=cursor)
            for tool in page.tools:
                listed.append(
                    {
                        "name": tool.name,
                        "description": tool.description,
                        "inputSchema": tool.input_schema,
                        "annotations": (
                            tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None
                        ),
                    }
                )
            cursor = page.next_cursor
            if not cursor:
                break
        return listed

    def _build_tools(self, server: _Server, listed: list[dict[str, Any]]) -> list[McpTool]:
        tools: list[McpTool] = []
        seen: dict[str, str] = {}
        for raw in listed:
            tool = make_tool(self, server.config.name, raw)
            if len(tool.name) > MAX_TOOL_NAME:
                server.errors.append(
                    f"tool {raw['name']!r}: {tool.name} is longer than {MAX_TOOL_NAME} characters, "
                    "which the Messages API refuses; skipped"
                )
                continue
            if tool.name in seen:
                server.errors.append(
                    f"tool {raw['name']!r}: its name normalises to {tool.name}, like tool {seen[tool.name]!r}; skipped"
                )
                continue
            seen[tool.name] = str(raw["name"])
            tools.append(tool)
        return tools

    def _index_tools(self) -> None:
        self._tools = {}
        for server in self._servers.values():
            if server.status != "started":
                continue
            for tool in server.tools:
                if tool.name in self._tools:
                    other = self._tools[tool.name][0].config.name
                    server.errors.append(f"{tool.name}: also offered by server {other!r}; skipped")
                    continue
                self._tools[tool.name] = (server, tool)

    def _failure_text(self, server: _Server, exc: BaseException) -> str:
        leaf = _leaf(exc)
        if isinstance(leaf, StartError):
            return str(leaf)
        crashed = server.crash_text()
        if crashed:
            return crashed
        text = str(leaf) or type(leaf).__name__
        if not isinstance(leaf, OSError):
            text = f"{type(leaf).__name__}: {text}"
        if server.config.transport != "stdio":
            text = f"cannot use {server.config.url}: {text}"
        return one_line(text, 300)

    async def restart(self, name: str) -> ServerStatus:
        """Stop one server (if it runs) and start it again: the "reconnect" action after a crash or a change.

        Tool objects handed out earlier keep working: they call through the manager by name.
        """
        old = self._servers.get(name)
        if old is None:
            raise KeyError(f"no MCP server named {name!r}")
        await self._end_task(old)
        self._servers[name] = _Server(old.config)
        await self.start()
        return next(row for row in self.statuses() if row.name == name)

    async def stop(self) -> None:
        """Stop every server; their process groups are killed, so nothing they started is left running."""
        for server in self._servers.values():
            server.stop_requested.set()
        await asyncio.gather(*(self._end_task(s) for s in self._servers.values()))
        self._tools = {}

    async def _end_task(self, server: _Server) -> None:
        task = server.task
        if task is None:
            return
        server.stop_requested.set()
        if not task.done() and server.ready.is_set():  # a server still starting can't hear a stop request
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), STOP_TIMEOUT)
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if server.status == "started":
            server.status = "stopped"

    async def __aenter__(self) -> McpManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ── queries ──────────────────────────────────────────────────────────────────────────────

    def tools(self) -> list[McpTool]:
        """Every tool of every started server, in configuration order."""
        return [tool for _, tool in self._tools.values()]

    def get(self, name: str) -> McpTool | None:
        entry = self._tools.get(name)
        return entry[1] if entry else None

    def server_tools(self) -> dict[str, list[str] | None]:
        """For the persona loader (`mcp_servers=`): each server that can run, keyed by its normalised name,
        with its tools' normalised names once started, or None while still unknown. Servers that will not
        start (untrusted project, failed) are left out, so a persona's grant of them shows as unavailable."""
        self._check_alive()
        out: dict[str, list[str] | None] = {}
        for server in self._servers.values():
            key = normalize(server.config.name)
            if server.status == "started":
                out[key] = [normalize(t.tool_name) for t in server.tools if t.name in self._tools]
            elif server.status in ("not_started", "starting") and self._may_start(server):
                out[key] = None
        return out

    def _may_start(self, server: _Server) -> bool:
        return self.trust_project or not server.config.needs_trust

    def _check_alive(self) -> None:
        """A stdio server that died between calls is failed now, not at its next call."""
        for server in self._servers.values():
            if server.status == "started" and server.info.returncode is not None:
                server.status = "failed"
                server.reason = server.crash_text()

    def statuses(self) -> list[ServerStatus]:
        self._check_alive()
        rows = []
        for server in self._servers.values():
            config = server.config
            reason = server.reason
            if config.missing_vars and server.status != "started":
                unset = ", ".join(config.missing_vars)
                reason = f"{reason} (unset variables: {unset})" if reason else f"unset variables: {unset}"
            rows.append(
                ServerStatus(
                    name=config.name,
                    scope=config.scope,
                    source=config.source,
                    transport=config.transport,
                    target=config.describe(),
                    status=server.status,
                    reason=reason,
                    tools=[t.name for t in server.tools],
                    errors=list(server.errors),
                    pid=server.info.pid,
                    descriptions={t.name: t.description for t in server.tools},
                    log=str(server.info.log_path) if server.info.log_path else None,
                )
            )
        return rows

    def pids(self) -> list[int]:
        """Process ids of the stdio servers started so far (running or not)."""
        return [s.info.pid for s in self._servers.values() if s.info.pid is not None]

    # ── calls ────────────────────────────────────────────────────────────────────────────────

    async def call(self, name: str, args: dict[str, Any], *, max_output_chars: int | None = None) -> ToolResult:
        """Call one tool. Every failure (unknown tool, server down, timeout, crash) is an error result."""
        problem = self.unavailable(name)
        if problem is not None:
            return ToolResult(content=problem, is_error=True)
        server, tool = self._tools[name]
        label = f"MCP server {server.config.name!r}"
        client = server.client
        try:
            async with asyncio.timeout(self.call_timeout):
                result = await client.call_tool(tool.tool_name, args)
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

    def _crashed(self, server: _Server, tool_name: str) -> ToolResult:
        server.status = "failed"
        server.reason = server.crash_text() or "connection closed"
        return ToolResult(
            content=f"{tool_name}: MCP server {server.config.name!r} stopped during the call ({server.reason})",
            is_error=True,
            meta={"server": server.config.name, "exit_code": server.info.returncode},
        )

    def _result(self, server: _Server, tool: McpTool, result: Any, limit: int) -> ToolResult:
        from workbench.core.tools.limits import cap_text

        text, raw_bytes = render_content(result)
        text = redact(text)
        text = cap_text(text, limit, "the MCP server's answer was cut to the workbench's output limit")
        is_error = bool(getattr(result, "is_error", False))
        if not text.strip():
            text = "(the tool returned an error with no text)" if is_error else "(the tool returned no content)"
        return ToolResult(
            content=text,
            is_error=is_error,
            output_bytes=raw_bytes,
            meta={"server": server.config.name, "mcp_tool": tool.tool_name},
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


def _fallback(config: ServerConfig, shadowed: list[ServerConfig]) -> ServerConfig:
    """An untrusted project entry does not hide the user's own server of the same name: that one runs."""
    if not config.needs_trust:
        return config
    for other in reversed(shadowed):
        if other.name == config.name and not other.needs_trust:
            return other
    return config


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (possibly nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _is_closed(exc: BaseException) -> bool:
    leaf = _leaf(exc)
    text = str(leaf).lower()
    return "connection closed" in text or type(leaf).__name__ in ("ClosedResourceError", "BrokenResourceError")
