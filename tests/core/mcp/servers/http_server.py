"""An HTTP MCP server for the tests: `python http_server.py PORT [streamable-http|sse]`.

Its `whoami` tool answers with the Authorization header of the HTTP request that carried the call, so a test
can check that configured headers (after ${VAR} expansion) reach the server.
"""

from __future__ import annotations

import sys

from mcp.server.mcpserver import Context, MCPServer

server: MCPServer = MCPServer("http-test", log_level="WARNING")


@server.tool()
def whoami(ctx: Context) -> str:
    """Report the Authorization header this call arrived with."""
    request = ctx.request_context.request
    headers = getattr(request, "headers", None)
    return str(headers.get("authorization", "(none)")) if headers is not None else "(no http request)"


@server.tool()
def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


if __name__ == "__main__":
    kind = sys.argv[2] if len(sys.argv) > 2 else "streamable-http"
    server.run(kind, host="127.0.0.1", port=int(sys.argv[1]))  # type: ignore[call-overload]
