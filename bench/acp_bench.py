"""ACP cost: a prompt through `workbench acp` against the same prompt in our own headless session, one peer.

    .venv/bin/python bench/acp_bench.py [--prompts 30] [--starts 5]

Printed as medians (milliseconds), the model played by one local MessagesPeer answering a short text:
- `start`: spawning `workbench acp` up to its `initialize` answer (what an editor waits for), then `session/new`;
- `prompt`: one `session/prompt` round trip through `workbench acp` (a subprocess, frames over stdio, every
  update sent and received) against `AgentSession.run_turn` of the same prompt in this process, the session
  `workbench run` drives once it is open; their difference is the protocol's per-prompt overhead;
- `run`: one whole `workbench run` process (start, session, one prompt, exit), for reference.
Every side runs with its own HOME and workbench folders in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from acp import PROTOCOL_VERSION, spawn_agent_process, text_block  # noqa: E402
from acp.schema import ClientCapabilities  # noqa: E402

from workbench.core.approvals import DenyAll  # noqa: E402
from workbench.core.assembly import OpenRequest, open_session  # noqa: E402
from workbench.testing import MessagesPeer, reply, text  # noqa: E402

ANSWER = "Fine: nothing to change."


class QuietClient:
    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        return None


def repo(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text("print('hello')\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    return root


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def acp_side(work: Path, peer: MessagesPeer, starts: int, prompts: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"init": [], "new": [], "prompt": []}
    env = dict(os.environ)
    for n in range(starts):
        started = time.perf_counter()
        async with spawn_agent_process(QuietClient(), sys.executable, "-m", "workbench", "acp", env=env, cwd=work) as (
            conn,
            _proc,
        ):
            await conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=ClientCapabilities())
            times["init"].append(time.perf_counter() - started)
            started = time.perf_counter()
            session = await conn.new_session(cwd=str(work), mcp_servers=[])
            times["new"].append(time.perf_counter() - started)
            for _ in range(prompts if n == 0 else 0):
                peer.push(reply(text(ANSWER)))
                started = time.perf_counter()
                done = await conn.prompt(session_id=session.session_id, prompt=[text_block("Anything to fix?")])
                times["prompt"].append(time.perf_counter() - started)
                assert done.stop_reason == "end_turn"
    return times


async def own_side(work: Path, peer: MessagesPeer, prompts: int) -> list[float]:
    opened = await open_session(OpenRequest(work, approver=DenyAll(), mcp=True))
    times = []
    try:
        for _ in range(prompts):
            peer.push(reply(text(ANSWER)))
            started = time.perf_counter()
            events = [e async for e in opened.session.run_turn("Anything to fix?")]
            times.append(time.perf_counter() - started)
            assert events[-1].type == "turn_done" and events[-1].final_text == ANSWER  # type: ignore[attr-defined]
    finally:
        await opened.aclose()
    return times


def run_side(work: Path, peer: MessagesPeer, count: int) -> list[float]:
    times = []
    for _ in range(count):
        peer.push(reply(text(ANSWER)))
        started = time.perf_counter()
        argv = [sys.executable, "-m", "workbench", "run", "Anything to fix?", "--cwd", str(work)]
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


async def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--prompts", type=int, default=30)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, MessagesPeer([]) as peer:
        home = Path(tmp) / "home"
        os.environ.update(
            HOME=str(home), WORKBENCH_HOME=str(home / ".workbench"), ANTHROPIC_BASE_URL=peer.url, ANTHROPIC_API_KEY="k"
        )
        os.environ.pop("WORKBENCH_CONFIG", None)
        work = repo(Path(tmp) / "repo")
        acp = await acp_side(work, peer, args.starts, args.prompts)
        own = await own_side(work, peer, args.prompts)
        whole = run_side(work, peer, args.starts)
    print(f"{'':24}{'median':>10}")
    print(f"{'acp start (initialize)':24}{ms(acp['init']):>8.1f}ms")
    print(f"{'acp session/new':24}{ms(acp['new']):>8.1f}ms")
    print(f"{'workbench run (whole)':24}{ms(whole):>8.1f}ms")
    print()
    print(f"{'per prompt':24}{'acp':>10}{'own':>10}{'overhead':>10}{'ratio':>8}")
    a, o = ms(acp["prompt"]), ms(own)
    print(f"{'':24}{a:>8.1f}ms{o:>8.1f}ms{a - o:>8.1f}ms{a / o:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
