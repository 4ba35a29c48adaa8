"""A real stdio MCP server for the tests, built with the SDK's server side.

Options: --marker FILE (append this process id on start), --child FILE (start a long `sleep` in this
process group and write its pid), --name NAME (the server's name), --stderr TEXT (print it to stderr and
exit 1 before serving).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys

from mcp.server.mcpserver import MCPServer


def build(name: str) -> MCPServer:
    server: MCPServer = MCPServer(name)

    @server.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    async def slow(seconds: float) -> str:
        """Sleep, then answer."""
        await asyncio.sleep(seconds)
        return f"slept {seconds}"

    @server.tool()
    def crash() -> str:
        """Exit the whole server process at once."""
        sys.stderr.write("crash tool called; exiting\n")
        sys.stderr.flush()
        os._exit(3)

    @server.tool(name="big.output")
    def big(size: int) -> str:
        """Return `size` characters."""
        return "x" * size

    @server.tool()
    def getenv(name: str) -> str:
        """The value of one environment variable of the server process, or (unset)."""
        return os.environ.get(name, "(unset)")

    @server.tool()
    def fail() -> str:
        """Always raise."""
        raise ValueError("this tool always fails")

    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--marker")
    parser.add_argument("--child")
    parser.add_argument("--name", default="basic")
    parser.add_argument("--stderr")
    opts = parser.parse_args()
    if opts.stderr:
        sys.stderr.write(opts.stderr + "\n")
        sys.exit(1)
    if opts.marker:
        with open(opts.marker, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    if opts.child:
        child = subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        with open(opts.child, "w", encoding="utf-8") as handle:
            handle.write(f"{child.pid}\n")
    build(opts.name).run()


if __name__ == "__main__":
    main()
