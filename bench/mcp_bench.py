"""MCP cost: the workbench's manager against the SDK's own stdio client, measured in the same process.

    .venv/bin/python bench/mcp_bench.py [--starts 5] [--calls 300]

Printed as medians (milliseconds):
- `start`: `McpManager.start()` + `stop()` of one stdio server (spawn, handshake, tools/list, shutdown and
  process-group kill) against `mcp.Client(StdioServerParameters)` entering, listing tools and leaving;
- `call`: one `tools/call` of a small echo tool through `McpManager.call` (argument relay, schema-checked
  listing filter, result rendering, capping and redaction) against `Client.call_tool`;
- the ratio manager / SDK for each.
The server is the tests' own stdio server (tests/core/mcp/servers/basic.py), so both sides run the same code.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mcp import Client, StdioServerParameters  # noqa: E402

from workbench.core.mcp.config import parse_server  # noqa: E402
from workbench.core.mcp.manager import McpManager  # noqa: E402

SERVER = ROOT / "tests" / "core" / "mcp" / "servers" / "basic.py"


def _config() -> object:
    config, error = parse_server(
        "bench", {"command": sys.executable, "args": [str(SERVER)]}, scope="user", source="bench"
    )
    assert config is not None, error
    return config


async def manager_start() -> float:
    started = time.perf_counter()
    manager = McpManager([_config()])  # type: ignore[list-item]
    await manager.start()
    assert manager.tools(), manager.statuses()[0].label
    await manager.stop()
    return time.perf_counter() - started


async def sdk_start() -> float:
    started = time.perf_counter()
    async with Client(StdioServerParameters(command=sys.executable, args=[str(SERVER)])) as client:
        assert (await client.list_tools()).tools
    return time.perf_counter() - started


async def manager_calls(count: int) -> list[float]:
    times = []
    async with McpManager([_config()]) as manager:  # type: ignore[list-item]
        for n in range(count):
            started = time.perf_counter()
            result = await manager.call("mcp__bench__echo", {"text": f"message {n}"})
            times.append(time.perf_counter() - started)
            assert result.content == f"message {n}", result.content
    return times


async def sdk_calls(count: int) -> list[float]:
    times = []
    async with Client(StdioServerParameters(command=sys.executable, args=[str(SERVER)])) as client:
        await client.list_tools()
        for n in range(count):
            started = time.perf_counter()
            result = await client.call_tool("echo", {"text": f"message {n}"})
            times.append(time.perf_counter() - started)
            assert not result.is_error
    return times


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    ours_start, sdk_start_times = [], []
    for _ in range(args.starts):  # interleaved, so machine load hits both sides alike
        ours_start.append(await manager_start())
        sdk_start_times.append(await sdk_start())
    ours_calls = await manager_calls(args.calls)
    sdk_call_times = await sdk_calls(args.calls)
    print(f"{'':8}{'manager':>12}{'sdk':>12}{'ratio':>8}")
    for label, ours, peer in (("start", ours_start, sdk_start_times), ("call", ours_calls, sdk_call_times)):
        print(f"{label:8}{ms(ours):>10.2f}ms{ms(peer):>10.2f}ms{ms(ours) / ms(peer):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
