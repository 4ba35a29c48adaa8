"""Prompt-cache share and loop overhead of a 20-request tool-using session, measured against the local peer.

    .venv/bin/python bench/cache_bench.py [--runs 5]

The session: 4 user prompts on the demo sample repository, each answered in 5 model requests (4 with tool calls
among Read, Grep, Glob, LS; the 5th a final answer), through the real `AgentSession` and the real SDK, against a
`MessagesPeer` on 127.0.0.1.

Printed, from the requests the peer saw:
- per request: its input tokens (bytes / 4) and the share the API would serve from cache (the part before a
  `cache_control` breakpoint that is byte-identical to a prefix an earlier request marked); then the share over
  the whole session (target >= 85%);
- the loop's own overhead per model request in ms: the gap between the peer finishing one response and receiving
  the next request, minus the time the tools ran (medians over runs), next to the same figure for a bare
  hand-written SDK loop (the minimal loop of the SDK notes) replaying the same script: the ratio is what the
  workbench's loop costs on top of the SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.config import Config  # noqa: E402
from workbench.core.approvals import ApprovalRequest, Decision  # noqa: E402
from workbench.core.events import ToolCallFinished, TurnDone  # noqa: E402
from workbench.demo import demo_persona, prepare_demo_workspace  # noqa: E402
from workbench.testing import MessagesPeer, PeerRequest, reply, text, tool_use  # noqa: E402

PROMPTS = [
    "Map the payment path: which modules call which?",
    "Where are retries decided, and what is retried?",
    "How does the ledger prevent double entries?",
    "Summarise the test coverage of the service.",
]
TARGET = 0.85


def script() -> list[Any]:
    turns: list[Any] = []
    calls = [
        [tool_use("LS", {"path": "."}), tool_use("Glob", {"pattern": "**/*.py"})],
        [tool_use("Read", {"file_path": "payments/service.py"})],
        [tool_use("Grep", {"pattern": "retry|ledger", "output_mode": "content", "-n": True})],
        [tool_use("Read", {"file_path": "payments/retry.py"}), tool_use("Read", {"file_path": "payments/ledger.py"})],
    ]
    for n, _ in enumerate(PROMPTS):
        for step, blocks in enumerate(calls):
            turns.append(reply(text(f"Step {step + 1} of prompt {n + 1}: looking."), *blocks))
        turns.append(reply(text(f"Answer {n + 1}: " + "the service calls retry_call, then the ledger. " * 20)))
    return turns


class ApproveAll:
    async def decide(self, request: ApprovalRequest) -> Decision:
        return Decision(allow=True, by="user")


def gaps(requests: list[PeerRequest], tool_ms: list[float]) -> list[float]:
    """ms between the end of one response and the next request, minus the tool time in between."""
    return [
        (after.started - before.finished) * 1000 - tools
        for (before, after), tools in zip(itertools.pairwise(requests), tool_ms, strict=True)
    ]


async def run_session(workspace: Path) -> tuple[list[PeerRequest], list[float]]:
    from workbench.core.agent.client import make_client
    from workbench.core.agent.session import AgentSession

    with MessagesPeer(script()) as peer:
        client = make_client(api_key="sk-ant-bench", base_url=peer.url)
        session = AgentSession.create(workspace, demo_persona(), approver=ApproveAll(), client=client, config=Config())
        ran: list[tuple[float, float]] = []  # (when the result was seen, how long the tool ran in ms)
        windows: list[tuple[float, float]] = []
        for prompt in PROMPTS:
            began = time.perf_counter()
            async for event in session.run_turn(prompt):
                if isinstance(event, ToolCallFinished):
                    ran.append((time.perf_counter(), event.duration_ms))
                elif isinstance(event, TurnDone) and event.stop_reason != "end_turn":
                    raise RuntimeError(f"turn ended with {event.stop_reason}")
            windows.append((began, time.perf_counter()))
        await session.aclose()
        requests = peer.message_requests
    tool_ms = [
        sum(ms for seen, ms in ran if before.finished <= seen <= after.started)
        for before, after in itertools.pairwise(requests)
    ]
    return requests, tool_ms, turn_overheads(windows, requests, ran)


def turn_overheads(
    windows: list[tuple[float, float]], requests: list[PeerRequest], ran: list[tuple[float, float]]
) -> list[float]:
    """Per user turn, in ms: wall time minus the peer's time answering minus the tools' time."""
    out = []
    for start, end in windows:
        peer_s = sum(r.duration for r in requests if start <= r.started <= end)
        tools = sum(ms for seen, ms in ran if start <= seen <= end)
        out.append((end - start - peer_s) * 1000 - tools)
    return out


async def run_bare(workspace: Path) -> tuple[list[PeerRequest], list[float]]:
    """The minimal SDK loop replaying the same script, with trivial local tools (no policy, no events)."""
    import anthropic

    with MessagesPeer(script()) as peer:
        client = anthropic.AsyncAnthropic(api_key="sk-ant-bench", base_url=peer.url, max_retries=0)
        tools = [
            {"name": n, "description": n, "input_schema": {"type": "object", "properties": {}}}
            for n in ("Read", "Grep", "Glob", "LS")
        ]
        history: list[Any] = []
        windows: list[tuple[float, float]] = []
        for prompt in PROMPTS:
            began = time.perf_counter()
            history.append({"role": "user", "content": prompt})
            while True:
                async with client.messages.stream(
                    model="claude-sonnet-4-6", max_tokens=4096, tools=tools, messages=history
                ) as stream:
                    async for _ in stream:
                        pass
                    final = await stream.get_final_message()
                history.append({"role": "assistant", "content": [b.to_dict() for b in final.content]})
                if final.stop_reason != "tool_use":
                    break
                results = [
                    {"type": "tool_result", "tool_use_id": b.id, "content": "ok"}
                    for b in final.content
                    if b.type == "tool_use"
                ]
                history.append({"role": "user", "content": results})
            windows.append((began, time.perf_counter()))
        await client.close()
        requests = peer.message_requests
    return requests, turn_overheads(windows, requests, [])


def main() -> int:
    parser = argparse.ArgumentParser(description="prompt-cache share and loop overhead against the local peer")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="workbench-cache-bench-") as tmp:
        os.environ["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        workspace = prepare_demo_workspace(Path(tmp) / "repo")
        loop_gaps: list[float] = []
        bare_gaps: list[float] = []
        loop_turns: list[float] = []
        bare_turns: list[float] = []
        shares: list[float] = []
        last: list[PeerRequest] = []
        for _ in range(args.runs):
            requests, tool_ms, per_turn = asyncio.run(run_session(workspace))
            loop_gaps.append(statistics.median(gaps(requests, tool_ms)))
            loop_turns.append(statistics.median(per_turn))
            read = sum(r.cache.cache_read_tokens for r in requests if r.cache)
            total = sum(r.cache.total_tokens for r in requests if r.cache)
            shares.append(read / total if total else 0.0)
            last = requests
            bare, bare_per_turn = asyncio.run(run_bare(workspace))
            bare_gaps.append(statistics.median(gaps(bare, [0.0] * (len(bare) - 1))))
            bare_turns.append(statistics.median(bare_per_turn))
    print(f"requests per session: {len(last)}")
    print(" req  input_tok  cached  breakpoints")
    for i, r in enumerate(last):
        c = r.cache
        assert c is not None
        print(f" {i + 1:3d}  {c.total_tokens:9d}  {c.cached_share:6.1%}  {', '.join(r.cache_control_positions())}")
    share = statistics.median(shares)
    verdict = "meets" if share >= TARGET else "BELOW"
    print(f"session cache share: {share:.1%} (median of {args.runs} runs; target >= {TARGET:.0%}: {verdict})")
    for label, mine, bare_ms in (
        ("per model request (gap between responses)", statistics.median(loop_gaps), statistics.median(bare_gaps)),
        ("per user turn (wall - peer - tools)", statistics.median(loop_turns), statistics.median(bare_turns)),
    ):
        ratio = mine / bare_ms if bare_ms > 0 else float("nan")
        print(f"loop overhead {label}: {mine:.1f} ms; bare SDK loop {bare_ms:.1f} ms; ratio {ratio:.2f}x (medians)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
