"""Memory after replaying a 1,000-turn session into the chat, against one Static widget per message.

    .venv/bin/python bench/tui_memory.py [--turns 1000]

Each turn: a prompt, a Read and a Bash call (each with a 40-line result), and an 800-character Markdown answer.
Ours: `ChatPane.replay(events)` (what resume does), then one more live turn. Peer, in the same process
afterwards: the same messages mounted as plain `Static` widgets (the cheapest widget-per-message design; the
Markdown-per-message design costs ~0.9 MB per message). Printed: RSS growth, replay time, and the latency of one
more message with the whole history present. Target: ours < 400 MB in total.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import Static  # noqa: E402

from workbench.core.events import (  # noqa: E402
    AssistantText,
    Event,
    TextDelta,
    ToolCallFinished,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.tui.widgets.chat import ChatPane  # noqa: E402

ANSWER = (
    "## Finding {n}\n\nThe retry loop in `charge()` retries on **every** exception (E{n}:88), including card "
    "declines. A bounded policy fixes it:\n\n- attempts: at most `policy.max_attempts`\n- only `retryable()` "
    "errors\n- backoff with jitter\n\n```python\nfor attempt in range(policy.max_attempts):\n    try:\n"
    "        return self.gateway.charge(amount)\n    except Exception as exc:\n        if not policy.retryable(exc):"
    "\n            raise\n```\n\nThat keeps declines from being charged five times."
)
RESULT = "\n".join(f"{i:4} | line {i} of the file with some code in it = value_{i}" for i in range(40))


def session(turns: int) -> list[Event]:
    events: list[Event] = []
    for n in range(turns):
        events.append(TurnStarted(turn=n + 1, prompt=f"Step {n}: review the retry policy", persona_id="p", model="m"))
        for k, tool in enumerate(("Read", "Bash")):
            events.append(
                ToolCallFinished(
                    call_id=f"c{n}-{k}",
                    tool=tool,
                    input={"file_path": f"src/mod{n}.py"} if tool == "Read" else {"command": "pytest -q"},
                    output=RESULT,
                    is_error=False,
                    duration_ms=12.0,
                    exit_code=None if tool == "Read" else 0,
                )
            )
        events.append(AssistantText(text=ANSWER.format(n=n)))
        events.append(TurnDone(stop_reason="end_turn", final_text="", usage=UsageInfo()))
    return events


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Ours(App[None]):
    def compose(self) -> ComposeResult:
        yield ChatPane(id="chat")


class Peer(App[None]):
    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="log")


async def run_ours(events: list[Event]) -> tuple[float, float, float]:
    app = Ours()
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.query_one(ChatPane)
        await pilot.pause()
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        chat.replay(events)
        await pilot.pause()
        took = time.perf_counter() - start
        gc.collect()
        grown = rss_mb() - before
        start = time.perf_counter()
        chat.handle_event(TurnStarted(turn=10_001, prompt="one more", persona_id="p", model="m"))
        chat.handle_event(TextDelta(text=ANSWER.format(n=0)))
        chat.handle_event(AssistantText(text=ANSWER.format(n=0)))
        await pilot.pause()
        one_more = time.perf_counter() - start
    return grown, took, one_more


async def run_peer(events: list[Event]) -> tuple[float, float, float]:
    app = Peer()
    async with app.run_test(size=(120, 40)) as pilot:
        log = app.query_one("#log", VerticalScroll)
        await pilot.pause()
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        widgets: list[Static] = []
        for ev in events:
            if isinstance(ev, TurnStarted):
                widgets.append(Static(ev.prompt, markup=False))
            elif isinstance(ev, ToolCallFinished):
                widgets.append(Static(f"{ev.tool} · {ev.duration_ms} ms", markup=False))
            elif isinstance(ev, AssistantText):
                widgets.append(Static(ev.text, markup=False))
        await log.mount_all(widgets)
        log.scroll_end(animate=False)
        await pilot.pause()
        took = time.perf_counter() - start
        gc.collect()
        grown = rss_mb() - before
        start = time.perf_counter()
        await log.mount(Static(ANSWER.format(n=0), markup=False))
        log.scroll_end(animate=False)
        await pilot.pause()
        one_more = time.perf_counter() - start
    return grown, took, one_more


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()
    events = session(args.turns)
    base = rss_mb()
    grown, took, one_more = asyncio.run(run_ours(events))
    total = rss_mb()
    print(f"{args.turns} turns ({len(events)} events), process RSS at start {base:.0f} MB")
    print(f"workbench replay     : +{grown:6.1f} MB in {took:5.2f} s; one more message {1000 * one_more:6.1f} ms")
    print(f"                       process RSS after: {total:.0f} MB (target < 400 MB)")
    if not args.skip_peer:
        p_grown, p_took, p_one = asyncio.run(run_peer(events))
        print(f"Static per message   : +{p_grown:6.1f} MB in {p_took:5.2f} s; one more message {1000 * p_one:6.1f} ms")
        print(f"ratio memory ours/peer {grown / max(p_grown, 0.1):.2f}x; one more message {one_more / p_one:.2f}x")


if __name__ == "__main__":
    main()
