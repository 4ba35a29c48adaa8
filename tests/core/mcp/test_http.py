"""Remote servers: `{"type": "http", "url", "headers"}` against a real streamable-HTTP MCP server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.mcp.conftest import SERVERS, write_mcp_json
from workbench.core.mcp.config import load_mcp_config
from workbench.core.mcp.manager import McpManager

pytestmark = pytest.mark.timeout(60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(kind: str) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(SERVERS / "http_server.py"), str(port), kind],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the HTTP test server did not come up") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def http_server() -> Iterator[str]:
    for port in serve("streamable-http"):
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture
def sse_server() -> Iterator[str]:
    for port in serve("sse"):
        yield f"http://127.0.0.1:{port}/sse"


async def test_http_server_with_expanded_headers(
    http_server: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TEST_TOKEN", "tok-123")
    write_mcp_json(
        project,
        {"remote": {"type": "http", "url": http_server, "headers": {"Authorization": "Bearer ${MCP_TEST_TOKEN}"}}},
    )
    async with McpManager(load_mcp_config(project), workspace=project, trust_project=True) as manager:
        [status] = manager.statuses()
        assert status.status == "started", status.label
        assert status.transport == "http" and status.target == f"http {http_server}"
        assert sorted(status.tools) == ["mcp__remote__shout", "mcp__remote__whoami"]
        assert (await manager.call("mcp__remote__whoami", {})).content == "Bearer tok-123"
        assert (await manager.call("mcp__remote__shout", {"text": "quiet"})).content == "QUIET"


async def test_unreachable_http_server_fails_that_server_only(project: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    write_mcp_json(project, {"gone": {"type": "http", "url": url}})
    async with McpManager(load_mcp_config(project), trust_project=True, start_timeout=10) as manager:
        [status] = manager.statuses()
        assert status.status == "failed"
        assert status.reason.startswith(f"cannot use {url}: ") and "Traceback" not in status.reason
        assert manager.tools() == []


async def test_sse_server(sse_server: str, project: Path) -> None:
    write_mcp_json(project, {"legacy": {"type": "sse", "url": sse_server}})
    async with McpManager(load_mcp_config(project), workspace=project, trust_project=True) as manager:
        [status] = manager.statuses()
        assert status.status == "started", status.label
        assert (await manager.call("mcp__legacy__shout", {"text": "sse"})).content == "SSE"
