"""Which MCP servers a persona listing may count on, without starting any: what `personas list/show/check` use
so a grant of a server the project configures does not read as "not configured".

A server from the project's own `.mcp.json` counts only while the project is trusted; until then a grant of it
says so, with the command that changes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from workbench.config import Config
from workbench.core.mcp.config import load_mcp_config
from workbench.core.mcp.names import normalize
from workbench.core.personas.model import Persona, UnavailableTool
from workbench.paths import command


def project_trusted(workspace: Path, config: Config) -> bool:
    """The project's trust, as the session that would start here sees it (workbench.core.trust)."""
    from workbench.core.trust import assess

    return assess(workspace, config=config).trusted


def listed_servers(
    workspace: Path, *, config: Config, trusted: bool
) -> tuple[dict[str, list[str] | None], dict[str, str]]:
    """(servers that would start, by normalised name with tools unknown; servers withheld for lack of trust,
    by normalised name, with the file that configures them)."""
    found = load_mcp_config(workspace, config=config)
    usable: dict[str, list[str] | None] = {}
    withheld: dict[str, str] = {}
    for server in found.servers.values():
        key = normalize(server.name)
        # an untrusted project entry does not hide the user's own server of that name (see McpManager)
        fallback = any(s.name == server.name and not s.needs_trust for s in found.shadowed)
        if server.needs_trust and not trusted and not fallback:
            withheld[key] = server.source
            continue
        usable[key] = None
    return usable, withheld


def explain_withheld(personas: Iterable[Persona], withheld: dict[str, str]) -> None:
    """Say "configured but the project is not trusted" instead of "not configured" for the withheld servers."""
    if not withheld:
        return
    for persona in personas:
        for index, diag in enumerate(persona.diagnostics):
            server = diag.data.get("server") if diag.code == "W_MCP_SERVER_MISSING" else None
            if isinstance(server, str) and server in withheld:
                persona.diagnostics[index] = dataclasses.replace(diag, message=_why(server, withheld[server]))
        grant = persona.tools
        for index, gone in enumerate(grant.unavailable):
            server = _server_of(gone)
            if server in withheld:
                grant.unavailable[index] = UnavailableTool(gone.name, _why(server, withheld[server]), gone.canonical)


def _server_of(gone: UnavailableTool) -> str:
    name = gone.canonical or ""
    return name[len("mcp__") :].split("__", 1)[0] if name.startswith("mcp__") else ""


def _why(server: str, source: str) -> str:
    return (
        f"MCP server {server!r} is configured in {source}, but the project is not trusted, so it does not start "
        f"(`{command('trust')}`)"
    )
