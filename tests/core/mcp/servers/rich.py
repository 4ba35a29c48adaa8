"""A hand-written stdio MCP server with what goes beyond plain text tools: images and audio, progress, a tool list
that changes, a tool that needs task support, prompts and resources. Pre-2026 `initialize` handshake, no SDK
import (it starts fast).

Options: --marker FILE (append this process id on start).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from typing import Any

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
WAV = base64.b64encode(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)).decode()
OBJECT: dict[str, Any] = {"type": "object", "properties": {}}

TOOLS: list[dict[str, Any]] = [
    {"name": "snapshot", "description": "A caption and a picture.", "inputSchema": OBJECT},
    {"name": "bogus_image", "description": "Says PNG, sends text.", "inputSchema": OBJECT},
    {"name": "beep", "description": "A sound.", "inputSchema": OBJECT},
    {"name": "long_job", "description": "Reports progress, then answers.", "inputSchema": OBJECT},
    {"name": "grow", "description": "Adds the tool `extra`.", "inputSchema": OBJECT},
    {
        "name": "needs_task",
        "description": "Only runs as a task.",
        "inputSchema": OBJECT,
        "execution": {"taskSupport": "required"},
    },
]
EXTRA = {"name": "extra", "description": "Appears after grow.", "inputSchema": OBJECT}
PROMPTS = [
    {
        "name": "review",
        "description": "Review one file.",
        "arguments": [
            {"name": "file", "description": "the file", "required": True},
            {"name": "focus", "description": "what to look at"},
        ],
    },
]
RESOURCES = [
    {"uri": "file:///guide.md", "name": "guide", "description": "The team guide.", "mimeType": "text/markdown"},
    {"uri": "file:///logo.png", "name": "logo", "mimeType": "image/png"},
]


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
    sys.stdout.flush()


def reply(message_id: Any, result: dict[str, Any] | None = None, error: dict[str, Any] | None = None) -> None:
    send({"id": message_id, "error": error} if error is not None else {"id": message_id, "result": result or {}})


def call(name: str, params: dict[str, Any], grown: list[bool]) -> dict[str, Any]:
    if name == "snapshot":
        return {
            "content": [
                {"type": "text", "text": "the picture"},
                {"type": "image", "data": PNG, "mimeType": "image/png"},
            ]
        }
    if name == "bogus_image":
        fake = base64.b64encode(b"<html>not a png</html>").decode()
        return {"content": [{"type": "image", "data": fake, "mimeType": "image/png"}]}
    if name == "beep":
        return {"content": [{"type": "audio", "data": WAV, "mimeType": "audio/wav"}]}
    if name == "long_job":
        token = (params.get("_meta") or {}).get("progressToken")
        for step in (1, 2, 3):
            if token is not None:
                progress = {"progressToken": token, "progress": step, "total": 3, "message": f"step {step} of 3"}
                send({"method": "notifications/progress", "params": progress})
            time.sleep(0.05)
        return {"content": [{"type": "text", "text": "job done"}]}
    if name == "grow":
        grown[0] = True
        send({"method": "notifications/tools/list_changed"})
        return {"content": [{"type": "text", "text": "grown"}]}
    if name == "extra" and grown[0]:
        return {"content": [{"type": "text", "text": "extra here"}]}
    return {"content": [{"type": "text", "text": f"no tool {name}"}], "isError": True}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--marker")
    opts = parser.parse_args()
    if opts.marker:
        with open(opts.marker, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    grown = [False]
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        method, params = message.get("method"), message.get("params") or {}
        if "id" not in message:
            continue  # a notification
        if method == "initialize":
            capabilities = {key: {"listChanged": True} for key in ("tools", "prompts", "resources")}
            version = params.get("protocolVersion", "2025-06-18")
            reply(
                message["id"],
                {
                    "protocolVersion": version,
                    "capabilities": capabilities,
                    "serverInfo": {"name": "rich", "version": "1.0"},
                },
            )
        elif method == "tools/list":
            reply(message["id"], {"tools": [*TOOLS, EXTRA] if grown[0] else TOOLS})
        elif method == "tools/call":
            reply(message["id"], call(str(params.get("name")), params, grown))
        elif method == "prompts/list":
            reply(message["id"], {"prompts": PROMPTS})
        elif method == "prompts/get":
            args = params.get("arguments") or {}
            if params.get("name") != "review" or "file" not in args:
                reply(message["id"], error={"code": -32602, "message": "review needs a file"})
                continue
            focus = f", looking at {args['focus']}" if args.get("focus") else ""
            text = f"Please review {args['file']}{focus}."
            reply(
                message["id"],
                {"description": "review", "messages": [{"role": "user", "content": {"type": "text", "text": text}}]},
            )
        elif method == "resources/list":
            reply(message["id"], {"resources": RESOURCES})
        elif method == "resources/templates/list":
            reply(message["id"], {"resourceTemplates": []})
        elif method == "resources/read":
            uri = params.get("uri")
            if uri == "file:///guide.md":
                contents = [{"uri": uri, "mimeType": "text/markdown", "text": "# Guide\nAlways write tests."}]
            elif uri == "file:///logo.png":
                contents = [{"uri": uri, "mimeType": "image/png", "blob": PNG}]
            else:
                reply(message["id"], error={"code": -32002, "message": f"no resource {uri}"})
                continue
            reply(message["id"], {"contents": contents})
        else:
            reply(message["id"], error={"code": -32601, "message": f"method not found: {method}"})


if __name__ == "__main__":
    main()
