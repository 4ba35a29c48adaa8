"""Replay speed: the bundled demo cassette streamed through the real SDK, three ways.

    .venv/bin/python bench/replay_bench.py [--runs 30]

- cassette:  `CassetteTransport` (request checks, per-event pieces);
- mock:      the same bodies from a bare `httpx2.MockTransport` handler (the floor for an in-process replay);
- peer:      the same turns over a real socket from `MessagesPeer`.

Each run sends the cassette's 8 requests (the demo's message counts and tools) and drains every stream with
`get_final_message()`. Printed: median ms per run and the ratio of each to the mock floor.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import anthropic  # noqa: E402
import httpx2  # noqa: E402

from workbench.core.replay import CassetteTransport, load_cassette  # noqa: E402
from workbench.demo import CASSETTE  # noqa: E402
from workbench.testing import MessagesPeer  # noqa: E402

RECORDS = load_cassette(CASSETTE)


def requests() -> list[dict[str, Any]]:
    """Request bodies shaped like the recorded ones: same tools, same message counts."""
    out = []
    for record in RECORDS:
        summary = record["request"]
        tools = [{"name": n, "description": n, "input_schema": {"type": "object"}} for n in summary["tools"]]
        messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": "x"} for i in range(summary["messages"])]
        out.append({"model": summary["model"], "tools": tools, "messages": messages})
    return out


async def drain(client: anthropic.AsyncAnthropic) -> None:
    for body in requests():
        async with client.messages.stream(max_tokens=1024, **body) as stream:
            await stream.get_final_message()


def mock_transport() -> httpx2.MockTransport:
    bodies = iter([r["response"]["body"].encode() for r in RECORDS])

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=next(bodies))

    return httpx2.MockTransport(handler)


async def timed(make: Any) -> float:
    client, cleanup = make()
    began = time.perf_counter()
    await drain(client)
    took = (time.perf_counter() - began) * 1000
    await client.close()
    cleanup()
    return took


def via(transport: httpx2.AsyncBaseTransport) -> anthropic.AsyncAnthropic:
    http = httpx2.AsyncClient(transport=transport)
    return anthropic.AsyncAnthropic(api_key="k", base_url="http://replay.invalid", max_retries=0, http_client=http)


def main() -> int:
    parser = argparse.ArgumentParser(description="replay speed of the demo cassette through the SDK")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    def peer_turns() -> list[Any]:
        # The peer renders its own SSE; give it turns whose bodies match the recording in size and shape.
        return [lambda body, r=r: _as_reply(r) for r in RECORDS]

    def make_peer() -> tuple[anthropic.AsyncAnthropic, Any]:
        peer = MessagesPeer(peer_turns()).start()
        client = anthropic.AsyncAnthropic(api_key="k", base_url=peer.url, max_retries=0)
        return client, peer.stop

    kinds = {
        "mock": lambda: (via(mock_transport()), lambda: None),
        "cassette": lambda: (via(CassetteTransport(RECORDS)), lambda: None),
        "peer": make_peer,
    }
    results: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(2):  # warm-up
        for make in kinds.values():
            asyncio.run(timed(make))
    for _ in range(args.runs):
        for name, make in kinds.items():
            results[name].append(asyncio.run(timed(make)))
    floor = statistics.median(results["mock"])
    print(f"{len(RECORDS)} requests per run, {args.runs} runs; median ms per run")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"  {name:8s} {med:8.2f} ms  [{min(values):.2f} .. {max(values):.2f}]  ratio to mock {med / floor:.2f}x")
    return 0


def _as_reply(record: dict[str, Any]) -> Any:
    """Rebuild a peer reply from a recorded SSE body (text and tool_use blocks, same stop reason)."""
    import json

    from workbench.testing import reply, text, tool_use

    blocks: list[Any] = []
    partial: dict[int, list[str]] = {}
    starts: dict[int, dict[str, Any]] = {}
    texts: dict[int, list[str]] = {}
    for chunk in record["response"]["body"].split("\n\n"):
        data = next((line[6:] for line in chunk.splitlines() if line.startswith("data: ")), None)
        if not data:
            continue
        event = json.loads(data)
        if event["type"] == "content_block_start":
            starts[event["index"]] = event["content_block"]
        elif event["type"] == "content_block_delta":
            delta = event["delta"]
            if delta["type"] == "text_delta":
                texts.setdefault(event["index"], []).append(delta["text"])
            elif delta["type"] == "input_json_delta":
                partial.setdefault(event["index"], []).append(delta["partial_json"])
    for index in sorted(starts):
        block = starts[index]
        if block["type"] == "tool_use":
            blocks.append(tool_use(block["name"], json.loads("".join(partial.get(index, [])) or "{}")))
        else:
            blocks.append(text("".join(texts.get(index, []))))
    return reply(*blocks, piece=8)


if __name__ == "__main__":
    raise SystemExit(main())
