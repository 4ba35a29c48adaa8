"""Stand-ins for the `context7` and `sequential-thinking` servers seed 002 names, with their tool names."""

from __future__ import annotations

import argparse
import os

from mcp.server.mcpserver import MCPServer


def context7() -> MCPServer:
    server: MCPServer = MCPServer("context7")

    @server.tool(name="resolve-library-id")
    def resolve_library_id(libraryName: str) -> str:
        """Resolve a package name to a Context7 library id."""
        return f"/stand-in/{libraryName}"

    @server.tool(name="get-library-docs")
    def get_library_docs(context7CompatibleLibraryID: str, topic: str = "") -> str:
        """Fetch documentation for a library id."""
        return f"docs for {context7CompatibleLibraryID} {topic}".strip()

    return server


def sequential_thinking() -> MCPServer:
    server: MCPServer = MCPServer("sequential-thinking")

    @server.tool()
    def sequentialthinking(thought: str, thoughtNumber: int, totalThoughts: int, nextThoughtNeeded: bool) -> str:
        """Record one step of a chain of thought."""
        return f"thought {thoughtNumber}/{totalThoughts} recorded"

    return server


def main() -> None:
    """`standins.py NAME [--marker FILE]`: serve one stand-in; the marker file gets this process id."""
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["context7", "sequential-thinking"])
    parser.add_argument("--marker")
    opts = parser.parse_args()
    if opts.marker:
        with open(opts.marker, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    {"context7": context7, "sequential-thinking": sequential_thinking}[opts.name]().run()


if __name__ == "__main__":
    main()
