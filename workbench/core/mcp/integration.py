"""What a session does with MCP: open the servers for a workspace, pick the tools a persona may use, add them.

The order a front end follows (headless `workbench run`, the TUI, tests):

    manager = await open_mcp(workspace, trust_project=flag_or_None)       # starts what may start
    persona = load_persona_file(path, mcp_servers=manager.server_tools())  # MCP grants resolve
    session = AgentSession.create(workspace, persona, ...)
    attach_mcp(session, manager)                                           # before the first turn
    ...                                                                    # run the session
    await manager.stop()                                                   # always, in a finally

`attach_mcp` also takes a plain registry (name -> Tool). `trust_project=None` means "use the stored answer"
(`trust.is_trusted`). The answer is the project's trust (workbench.core.trust), which covers its settings and
personas too: front ends open sessions through workbench.core.assembly, which asks it once and passes it here.
`trust_question(workspace)` is the MCP part of the question (`workbench.core.trust_report` has the whole one).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.config import Config, load_config
from workbench.core.mcp.config import ServerConfig, load_mcp_config
from workbench.core.mcp.manager import McpManager
from workbench.core.mcp.names import normalize
from workbench.core.mcp.tool import McpTool
from workbench.core.mcp.trust import decision, is_trusted
from workbench.core.personas.model import Persona, ToolGrant
from workbench.core.tools.base import Tool


async def open_mcp(
    workspace: Path | None,
    *,
    trust_project: bool | None = None,
    config: Config | None = None,
    start: bool = True,
    **options: Any,
) -> McpManager:
    """Read every server config for `workspace`, then start the servers that may start.

    Keyword options go to `McpManager` (start_timeout, call_timeout, max_output_chars).
    """
    cfg = config if config is not None else load_config()
    servers = load_mcp_config(workspace, config=cfg)
    if trust_project is None:
        trust_project = workspace is not None and is_trusted(workspace, config=cfg)
    manager = McpManager(servers, workspace=workspace, trust_project=trust_project, **options)
    if start:
        await manager.start()
    return manager


def startup_notices(manager: McpManager) -> list[str]:
    """One line per server that failed to start, with the reason and where its log is: front ends show these
    as warnings (a session goes on without that server's tools)."""
    out = []
    for row in manager.statuses():
        if row.status == "failed":
            log = f" (its log: {row.log})" if row.log else ""
            out.append(f"MCP server {row.name!r} failed to start: {row.reason}{log}; its tools are not available")
    return out


def configured_servers(
    workspace: Path | None, *, trust_project: bool | None = None, config: Config | None = None
) -> dict[str, list[str] | None]:
    """Servers that may start for `workspace`, without starting any: normalised name -> None (tools not
    known yet). Enough for `load_persona_file(mcp_servers=...)` in listings; a session uses
    `manager.server_tools()`, which also knows each server's tools."""
    cfg = config if config is not None else load_config()
    if trust_project is None:
        trust_project = workspace is not None and is_trusted(workspace, config=cfg)
    return McpManager(
        load_mcp_config(workspace, config=cfg), workspace=workspace, trust_project=trust_project
    ).server_tools()


@dataclass(frozen=True)
class TrustQuestion:
    """What to show when asking whether a project's own MCP servers may start (asked once per project)."""

    workspace: Path
    servers: tuple[ServerConfig, ...]  # from the project's .mcp.json

    def lines(self) -> list[str]:
        """One line per server: its name and exactly what would run or be contacted (untrusted text, as is)."""
        return [f"{server.name}: {server.describe()}" for server in self.servers]


def trust_question(workspace: Path, *, config: Config | None = None) -> TrustQuestion | None:
    """The question the TUI asks before starting a project's servers; None when there is nothing to ask
    (no project servers, or the user already answered: see `trust.decision`). Answer with `set_trusted`."""
    if decision(workspace) is not None:
        return None
    cfg = config if config is not None else load_config()
    servers = tuple(s for s in load_mcp_config(workspace, config=cfg).servers.values() if s.needs_trust)
    if not servers or is_trusted(workspace, config=cfg):
        return None
    return TrustQuestion(workspace, servers)


def grant_allows(grant: ToolGrant, tool_name: str) -> bool:
    """Whether a persona's grant covers one MCP tool: `mcp__srv`, `mcp__srv__*`, the exact name, or everything
    when the persona inherits all tools; `disallowedTools` entries of the same forms take tools away."""
    if any(_covers(entry, tool_name) for entry in grant.disallowed):
        return False
    return grant.inherit_all or any(_covers(entry, tool_name) for entry in grant.mcp)


def _covers(entry: str, tool_name: str) -> bool:
    if entry == tool_name or entry in ("mcp__*", "mcp_*"):
        return entry == tool_name or tool_name.startswith("mcp__")
    if not entry.startswith("mcp__"):
        return False
    server = entry.removesuffix("__*")
    return (entry.endswith("__*") or server.count("__") == 1) and tool_name.startswith(f"{server}__")


def granted_tools(grant: ToolGrant | None, tools: Iterable[McpTool]) -> list[McpTool]:
    """The MCP tools a persona may use; with no persona, all of them."""
    if grant is None:
        return list(tools)
    return [tool for tool in tools if grant_allows(grant, tool.name)]


def persona_servers(persona: Persona | None) -> set[str] | None:
    """The servers a persona's `mcpServers` field limits it to (normalised names), or None when it has none.
    Inline server definitions are not started, so they add nothing here."""
    raw = persona.options.get("mcpServers") if persona is not None else None
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    return {normalize(item.strip()) for item in items if isinstance(item, str) and item.strip()}


def persona_tools(persona: Persona | None, manager: McpManager) -> list[Tool]:
    """What a persona gets from the running servers: the tools its grant covers, from the servers its
    `mcpServers` names (all when it names none), and the resource tools when it may use them."""
    allowed = persona_servers(persona)
    tools: list[Tool] = [
        tool
        for tool in granted_tools(persona.tools if persona is not None else None, manager.tools())
        if allowed is None or normalize(tool.server) in allowed
    ]
    from workbench.core.mcp.resource_tools import resource_tools

    return tools + resource_tools(manager, persona, allowed)


def attach_mcp(target: Any, manager: McpManager, *, persona: Persona | None = None) -> list[Tool]:
    """Add the manager's tools that the persona may use to `target`; return the ones added.

    `target` is one of:
    * a tool registry, a mutable mapping of name -> Tool (a name already there is kept: built-ins win);
    * an object with an `add_tools(tools)` method, such as an `AgentSession` before its first turn (its own
      persona is used when `persona` is None). When it also has `watch_tools`, a server's changed tool list
      reaches it at its next turn.
    """
    if persona is None:
        persona = getattr(target, "persona", None) if not isinstance(target, MutableMapping) else None
    tools = persona_tools(persona, manager)
    if isinstance(target, MutableMapping):
        return _add_to_registry(target, tools)
    add = getattr(target, "add_tools", None)
    if callable(add):
        add(tools)
        watch = getattr(target, "watch_tools", None)
        if callable(watch):
            chosen = persona
            watch(lambda: manager.generation, lambda: persona_tools(chosen, manager))
        return tools
    kind = type(target).__name__
    raise TypeError(f"attach_mcp: {kind} is neither a tool registry nor has add_tools(tools)")


def _add_to_registry(registry: MutableMapping[str, Tool], tools: list[Tool]) -> list[Tool]:
    added = [tool for tool in tools if tool.name not in registry]
    for tool in added:
        registry[tool.name] = tool
    return added
