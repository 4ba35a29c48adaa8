"""20k streamed chunks through the chat, against Textual's MarkdownStream, each side in its own process.

    .venv/bin/python bench/tui_stream.py [--chunks 20000] [--runs 3]

Both sides run headless at 120x40 and receive the same ~8-character chunks of a long Markdown answer (headings,
paragraphs, lists, code fences) as fast as the event loop allows. A heartbeat task wakes every millisecond and
records how long each wake-up was late: the longest stall is the longest frame the user would see frozen
(target: none over 50 ms). On a busy machine the wall figure includes time the OS gave to other processes, so
the CPU this process burned during each stall is printed too: that part is our own blocking work.
Printed per side: total wall time, cost per chunk, the longest stall and the p99. Each side of each run is a
fresh process, so neither inherits the other's heap (run in one process, the stream after a MarkdownStream
paid for a multi-second collection over its leftover objects).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import VerticalScroll  # noqa: E402
from textual.widgets import Markdown  # noqa: E402

from workbench.tui import render  # noqa: E402
from workbench.tui.widgets.transcript import Transcript  # noqa: E402

BLOCK = """## Step {n}

The retry loop in `charge()` retries on **every** exception, including card declines (E{n}:88).
A bounded policy fixes it:

- attempts: at most `policy.max_attempts`
- only `retryable()` errors
- backoff with jitter

```python
for attempt in range(policy.max_attempts):
    try:
        return self.gateway.charge(amount)
    except Exception as exc:
        if not policy.retryable(exc):
            raise
```

"""


def chunks(count: int, size: int = 8) -> list[str]:
    text = ""
    n = 0
    while len(text) < count * size:
        text += BLOCK.format(n=n)
        n += 1
    return [text[i : i + size] for i in range(0, count * size, size)]


class Heartbeat:
    def __init__(self) -> None:
        self.late: list[float] = []
        self.cpu: list[float] = []  # CPU this process spent while the heartbeat waited: our own blocking work
        self.at: list[float] = []
        self.running = True
        self.origin = time.perf_counter()

    async def run(self) -> None:
        while self.running:
            start = time.perf_counter()
            cpu = time.process_time()
            await asyncio.sleep(0.001)
            self.late.append((time.perf_counter() - start - 0.001) * 1000)
            self.cpu.append((time.process_time() - cpu) * 1000)
            self.at.append(start - self.origin)


class Ours(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript(id="t")


class Peer(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(id="md")


async def run_ours(parts: list[str]) -> tuple[float, Heartbeat]:
    app = Ours()
    async with app.run_test(size=(120, 40)) as pilot:
        transcript = app.query_one(Transcript)
        view = transcript.add_answer()
        assert view is not None
        await pilot.pause()
        beat = Heartbeat()
        task = asyncio.create_task(beat.run())
        start = time.perf_counter()
        for n, part in enumerate(parts):
            view.feed(part)
            if n % 20 == 0:
                await asyncio.sleep(0)
        view.finish()
        while view._unrendered or view._pending:  # the clock stops when every block is on screen
            await asyncio.sleep(0.005)
        await pilot.pause()
        total = time.perf_counter() - start
        beat.running = False
        await task
        assert "".join(parts).split() == view.text.split(), "the streamed text was not rebuilt exactly"
    return total, beat


async def run_peer(parts: list[str]) -> tuple[float, Heartbeat]:
    app = Peer()
    async with app.run_test(size=(120, 40)) as pilot:
        markdown = app.query_one(Markdown)
        stream = Markdown.get_stream(markdown)
        beat = Heartbeat()
        task = asyncio.create_task(beat.run())
        start = time.perf_counter()
        for n, part in enumerate(parts):
            await stream.write(part)
            if n % 20 == 0:
                await asyncio.sleep(0)
        await stream.stop()
        await pilot.pause()
        total = time.perf_counter() - start
        beat.running = False
        await task
    return total, beat


def report(name: str, totals: list[float], beats: list[Heartbeat], count: int) -> float:
    total = statistics.median(totals)
    stalls = sorted(x for b in beats for x in b.late)
    worst = max(max(b.late) for b in beats)
    p99 = stalls[int(len(stalls) * 0.99)] if stalls else 0.0
    worst_beat = max(beats, key=lambda b: max(b.late))
    top = sorted(zip(worst_beat.late, worst_beat.at, strict=True), reverse=True)[:3]
    where = ", ".join(f"{ms:.0f} ms at {t:.2f} s" for ms, t in top)
    worst_cpu = max(max(b.cpu) for b in beats)
    cpu_sorted = sorted(x for b in beats for x in b.cpu)
    p99_cpu = cpu_sorted[int(len(cpu_sorted) * 0.99)] if cpu_sorted else 0.0
    print(
        f"{name:<28} samples {len(stalls)}; worst wall stalls: {where}\n"
        f"{'':<28} total {total:6.2f} s  {1000 * total / count:6.3f} ms/chunk  "
        f"longest stall {worst:6.1f} ms wall / {worst_cpu:6.1f} ms CPU  p99 {p99:5.1f} wall / {p99_cpu:5.1f} CPU"
    )
    return total


def side(which: str, count: int) -> None:
    """One run of one side in this process; prints its figures as JSON."""
    parts = chunks(count)
    render.warm_up()  # what the screen does in a worker after its first frame,
    gc.freeze()  # followed by this
    total, beat = asyncio.run(run_ours(parts) if which == "ours" else run_peer(parts))
    print(json.dumps({"total": total, "late": beat.late, "cpu": beat.cpu, "at": beat.at}))


def spawn(which: str, count: int) -> tuple[float, Heartbeat]:
    done = subprocess.run(
        [sys.executable, __file__, "--side", which, "--chunks", str(count)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"the {which} side failed: {done.stderr[-1500:]}")
    data = json.loads(lines[-1])
    beat = Heartbeat()
    beat.late, beat.cpu, beat.at = data["late"], data["cpu"], data["at"]
    return float(data["total"]), beat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--side", choices=["ours", "peer"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        side(args.side, args.chunks)
        return
    ours_t, ours_b, peer_t, peer_b = [], [], [], []
    for _ in range(args.runs):  # each side of each run in a fresh process: no leftovers from the other
        t, b = spawn("ours", args.chunks)
        ours_t.append(t)
        ours_b.append(b)
        if not args.skip_peer:
            t, b = spawn("peer", args.chunks)
            peer_t.append(t)
            peer_b.append(b)
    print(f"{args.chunks} chunks of 8 characters, medians of {args.runs} runs, each side in its own process")
    ours = report("workbench AnswerView", ours_t, ours_b, args.chunks)
    if not args.skip_peer:
        peer = report("Textual MarkdownStream", peer_t, peer_b, args.chunks)
        print(f"ratio workbench / MarkdownStream (total time): {ours / peer:.2f}x")


if __name__ == "__main__":
    main()
