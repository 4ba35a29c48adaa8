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
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.core.mcp.calling import ServerCalls, _leaf
from workbench.core.mcp.catalog import McpPrompt, McpResource, list_prompts, list_resources
from workbench.core.mcp.config import McpConfig, ServerConfig
from workbench.core.mcp.names import normalize
from workbench.core.mcp.process import ProcessInfo, StartError
from workbench.core.mcp.status import ServerStatus, Status
from workbench.core.mcp.tool import McpTool, make_tool, one_line

__all__ = ["McpManager", "ServerStatus", "Status"]

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
        self.prompts: list[McpPrompt] = []
        self.resources: list[McpResource] = []

    def crash_text(self) -> str:
        exit_text = self.info.exit_text()
        if not exit_text:
            return ""
        stderr = self.info.stderr_text()
        return f"exited ({exit_text})" + (f"; stderr: {one_line(stderr, 300)}" if stderr else "")


class McpManager(ServerCalls):
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
        self.generation = 0  # counts tool-list changes: a session re-reads the tools when it moves
        self._relists: set[asyncio.Task[None]] = set()

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
                message_handler=lambda message: self._notified(server, message),
            )
            async with client:
                listed = await self._list_tools(client)
                server.tools = self._build_tools(server, listed)
                await self._list_catalog(server, client)
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
                        "taskSupport": tool.execution.task_support if tool.execution else None,
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
            if raw.get("taskSupport") == "required":  # the SDK's client cannot run task-augmented calls
                server.errors.append(
                    f"tool {raw['name']!r}: runs only as a task (execution.taskSupport = required), which the "
                    "workbench cannot do; skipped"
                )
                continue
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

    async def _list_catalog(self, server: _Server, client: Any) -> None:
        """The server's prompts and resources, when it says it has them; a failure costs only that list."""
        capabilities = client.server_capabilities
        for kind, wanted, lister in (
            ("prompts", capabilities.prompts, list_prompts),
            ("resources", capabilities.resources, list_resources),
        ):
            if wanted is None:
                continue
            try:
                async with asyncio.timeout(self.start_timeout):
                    setattr(server, kind, await lister(server.config.name, client))
            except Exception as exc:
                leaf = _leaf(exc)
                server.errors.append(one_line(f"listing {kind} failed: {type(leaf).__name__}: {leaf}", 300))

    async def _notified(self, server: _Server, message: Any) -> None:
        """The server says a list changed: read it again, in a task of its own (this runs in the SDK's reader)."""
        method = getattr(message, "method", "")
        if method not in ("notifications/tools/list_changed", *_CATALOG_CHANGES) or server.client is None:
            return
        task = asyncio.get_running_loop().create_task(self._relist(server, method))
        self._relists.add(task)
        task.add_done_callback(self._relists.discard)

    async def _relist(self, server: _Server, method: str) -> None:
        client = server.client
        if client is None:
            return
        try:
            async with asyncio.timeout(self.start_timeout):
                if method == "notifications/tools/list_changed":
                    server.tools = self._build_tools(server, await self._list_tools(client))
                    self._index_tools()
                    self.generation += 1
                else:
                    await self._list_catalog(server, client)
        except Exception as exc:
            leaf = _leaf(exc)
            server.errors.append(one_line(f"re-listing after {method} failed: {type(leaf).__name__}: {leaf}", 300))

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

    def prompts(self) -> list[McpPrompt]:
        """Every prompt of every started server (slash commands `/mcp__server__prompt`)."""
        return [p for s in self._servers.values() if s.status == "started" for p in s.prompts]

    def resources(self) -> list[McpResource]:
        """Every resource of every started server (`@server:uri` mentions, ReadMcpResourceTool)."""
        return [r for s in self._servers.values() if s.status == "started" for r in s.resources]

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


_CATALOG_CHANGES = ("notifications/prompts/list_changed", "notifications/resources/list_changed")


def _fallback(config: ServerConfig, shadowed: list[ServerConfig]) -> ServerConfig:
    """An untrusted project entry does not hide the user's own server of the same name: that one runs."""
    if not config.needs_trust:
        return config
    for other in reversed(shadowed):
        if other.name == config.name and not other.needs_trust:
            return other
    return config
