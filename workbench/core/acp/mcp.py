"""MCP servers an ACP client passes in `session/new`, under our trust rules.

They come over the wire from a process we do not control, so they are treated as a project's own servers: they
start only in a project the user trusts (`workbench mcp trust`, or the screen's question), beside the servers
the workbench itself is configured with; where the names collide, ours win. Their tools then go through the
same policy and approvals as any MCP tool. Only stdio servers are taken (the agent advertises no http or sse).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.config import Config
from workbench.core.mcp.manager import McpManager

SOURCE = "the ACP client"


@dataclass
class ClientServers:
    """An `assembly.McpProvider` with the workspace's servers and the client's; its owner stops them."""

    manager: McpManager | None
    notices: list[str]

    async def for_session(self) -> McpManager | None:
        return self.manager

    async def stop(self) -> None:
        if self.manager is not None:
            await self.manager.stop()


async def start_servers(workspace: Path, passed: list[Any], config: Config) -> ClientServers:
    """Start the workspace's configured servers plus the client's stdio servers that may start."""
    from workbench.core.mcp.config import load_mcp_config, parse_server
    from workbench.core.mcp.trust import is_trusted

    found = load_mcp_config(workspace, config=config)
    notices = [f"mcp: {problem}" for problem in found.errors]
    names: list[str] = []
    for server in passed:
        command = getattr(server, "command", None)
        if not isinstance(command, str):
            notices.append(f"mcp: {SOURCE}'s server {getattr(server, 'name', '?')!r} is not a stdio server; skipped")
            continue
        entry = {"command": command, "args": list(server.args), "env": {e.name: e.value for e in server.env}}
        parsed, error = parse_server(server.name, entry, scope="project", source=SOURCE, environ={})
        if parsed is None:
            notices.append(f"mcp: {error}")
        elif parsed.name in found.servers:
            notices.append(f"mcp: {SOURCE}'s server {parsed.name!r} is also configured here; ours is used")
        else:
            found.servers[parsed.name] = parsed
            names.append(parsed.name)
    trusted = is_trusted(workspace, config=config)
    if names and not trusted:
        listed = ", ".join(names)
        notices.append(f"MCP servers from the editor ({listed}) start only in a trusted project: `workbench mcp trust`")
    if not found.servers:
        return ClientServers(None, notices)
    manager = McpManager(found, workspace=workspace, trust_project=trusted)
    await manager.start()
    return ClientServers(manager, notices)
