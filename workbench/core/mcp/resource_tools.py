"""Claude Code's two tools for MCP resources: `ListMcpResourcesTool` (what the running servers offer, from the
listing the workbench already has) and `ReadMcpResourceTool` (one resource, text and images, through the server).

A persona gets them when it inherits every tool or names them, and only while some server it may use has
resources. Reading goes through the same approvals as an MCP tool call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from workbench.core.mcp.calling import McpRequestError
from workbench.core.mcp.names import normalize
from workbench.core.mcp.tool import one_line
from workbench.core.personas.model import Persona
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult

if TYPE_CHECKING:
    from workbench.core.mcp.manager import McpManager

LIST_NAME = "ListMcpResourcesTool"
READ_NAME = "ReadMcpResourceTool"
MAX_LISTED = 200


class _ResourceTool(Tool):
    def __init__(self, manager: McpManager, servers: set[str] | None) -> None:
        self.manager = manager
        self.servers = servers  # the persona's `mcpServers`, normalised; None: every server

    def _visible(self, server: str) -> bool:
        return self.servers is None or normalize(server) in self.servers


class ListMcpResources(_ResourceTool):
    name: ClassVar[str] = LIST_NAME
    description: ClassVar[str] = (
        "List the resources the connected MCP servers offer (documents, files, records), with their URIs. "
        "Read one with ReadMcpResourceTool."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"server": {"type": "string", "description": "only this server's resources"}},
    }
    kind: ClassVar[ToolKind] = ToolKind.STATE  # the listing the workbench already holds; no request is made

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        server = args.get("server")
        if server is not None and not isinstance(server, str):
            raise ToolError(f"{LIST_NAME}: server must be a string")
        return CallPreview(summary=f"MCP resources{' of ' + one_line(server, 40) if server else ''}")

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        wanted = args.get("server")
        rows = [
            r
            for r in self.manager.resources()
            if self._visible(r.server) and (not wanted or wanted in (r.server, normalize(r.server)))
        ]
        if not rows:
            return ToolResult(content="No MCP resources" + (f" on server {wanted!r}." if wanted else "."))
        lines = []
        for r in rows[:MAX_LISTED]:
            named = f" ({r.name})" if r.name else ""
            about = f" - {r.description}" if r.description else ""
            lines.append(one_line(f"{r.server}: {r.uri}{named}{about}", 300))
        if len(rows) > MAX_LISTED:
            lines.append(f"... and {len(rows) - MAX_LISTED} more")
        return ToolResult(content="\n".join(lines))


class ReadMcpResource(_ResourceTool):
    name: ClassVar[str] = READ_NAME
    description: ClassVar[str] = "Read one resource from an MCP server by its server name and URI."
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "server": {"type": "string", "description": "the MCP server's name"},
            "uri": {"type": "string", "description": "the resource's URI"},
        },
        "required": ["server", "uri"],
    }
    kind: ClassVar[ToolKind] = ToolKind.EXTERNAL

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        server, uri = args.get("server"), args.get("uri")
        if not isinstance(server, str) or not isinstance(uri, str) or not server or not uri:
            raise ToolError(f"{READ_NAME}: server and uri must be non-empty strings")
        if not self._visible(server):
            raise ToolError(f"{READ_NAME}: this persona may not use MCP server {server!r}")
        return CallPreview(summary=one_line(f"MCP {server} · read {uri}", 200), meta={"server": server})

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        from workbench.core.tools.limits import cap_text

        try:
            rendered = await self.manager.read_resource(str(args["server"]), str(args["uri"]))
        except McpRequestError as exc:
            raise ToolError(str(exc)) from None
        text = cap_text(rendered.text, self.manager.max_output_chars, "the resource was cut to the output limit")
        return ToolResult(
            content=text or "(the resource is empty)",
            output_bytes=rendered.raw_bytes,
            media=tuple(rendered.media),
            meta={"server": args["server"], "uri": args["uri"]},
        )


def resource_tools(manager: McpManager, persona: Persona | None, servers: set[str] | None) -> list[Tool]:
    """The two tools, when some server the persona may use has resources and the persona may use them."""
    if not any(servers is None or normalize(r.server) in servers for r in manager.resources()):
        return []
    grant = persona.tools if persona is not None else None
    out: list[Tool] = []
    for cls in (ListMcpResources, ReadMcpResource):
        granted = grant is None or grant.inherit_all or cls.name in grant.granted
        if granted and (grant is None or cls.name not in grant.disallowed):
            out.append(cls(manager, servers))
    return out
