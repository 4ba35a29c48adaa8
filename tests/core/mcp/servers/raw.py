"""A hand-written stdio MCP server speaking only the pre-2026 `initialize` handshake.

It offers one good tool (`ping`) and tools whose input schemas are unusable, which the SDK's server side
refuses to send; a server written in another language can still send them, so the client must cope.
It starts fast (no SDK import), so tests that only need some real server use it.

Options: --marker FILE (append this process id on start), --child FILE (start a long `sleep` in this
process group and write its pid).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
from typing import Any

TOOLS: list[dict[str, Any]] = [
    {"name": "ping", "description": "Answer pong.", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "bad_type", "description": "Schema is not an object schema.", "inputSchema": {"type": "string"}},
    {
        "name": "bad_property",
        "description": "Schema has an invalid keyword value.",
        "inputSchema": {"type": "object", "properties": {"n": {"type": 12}}},
    },
    {"name": "no_schema", "description": "No schema at all."},
    {"name": "media", "description": "Mixed content blocks.", "inputSchema": {"type": "object"}},
    {"name": "x" * 60, "description": "A name too long once prefixed.", "inputSchema": {"type": "object"}},
]


MEDIA: list[dict[str, Any]] = [
    {"type": "text", "text": "a caption"},
    {"type": "image", "data": base64.b64encode(b"\x89PNG" + bytes(96)).decode(), "mimeType": "image/png"},
    {"type": "resource", "resource": {"uri": "file:///notes.txt", "mimeType": "text/plain", "text": "inner text"}},
    {"type": "resource", "resource": {"uri": "file:///blob.bin", "mimeType": "application/zip", "blob": "AAAA"}},
    {"type": "resource_link", "uri": "file:///other.md", "name": "other"},
]


def reply(message_id: Any, result: dict[str, Any] | None = None, error: dict[str, Any] | None = None) -> None:
    out: dict[str, Any] = {"jsonrpc": "2.0", "id": message_id}
    if error is not None:
        out["error"] = error
    else:
        out["result"] = result or {}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--marker")
    parser.add_argument("--child")
    opts = parser.parse_args()
    if opts.marker:
        with open(opts.marker, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    if opts.child:
        child = subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        with open(opts.child, "w", encoding="utf-8") as handle:
            handle.write(f"{child.pid}\n")
    print("raw test server starting (a log line on stdout)", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        method = message.get("method")
        if "id" not in message:
            continue  # a notification
        if method == "initialize":
            version = message.get("params", {}).get("protocolVersion", "2025-06-18")
            reply(
                message["id"],
                {
                    "protocolVersion": version,
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "raw", "version": "1.0"},
                },
            )
        elif method == "tools/list":
            reply(message["id"], {"tools": TOOLS})
        elif method == "tools/call":
            name = message.get("params", {}).get("name")
            if name == "ping":
                reply(message["id"], {"content": [{"type": "text", "text": "pong"}], "isError": False})
            elif name == "media":
                reply(message["id"], {"content": MEDIA, "isError": False})
            else:
                reply(message["id"], error={"code": -32602, "message": f"unknown tool {name}"})
        else:
            reply(message["id"], error={"code": -32601, "message": f"method not found: {method}"})


if __name__ == "__main__":
    main()
