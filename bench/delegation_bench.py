"""What delegation costs: a turn that hands a read-and-answer task to a subagent, against the same work done
by the top-level persona itself, through the real AgentSession and SDK against the local peer.

    .venv/bin/python bench/delegation_bench.py [--runs 15]

Printed (medians over runs):
- the whole turn in ms, delegated and direct, and their ratio (the delegated turn makes 4 model requests
  instead of 2, so the peer's own answering time is part of both);
- the start-up of a subagent in ms: from the parent's Agent call being ready to the child's first request
  reaching the peer (persona lookup, policy, tools, system prompt with its git status);
- the share of the second request of whoever did the reading (the child, or the top-level persona) that the
  API would serve from its prompt cache: the child's prefix (its system prompt and tools) is cached too.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.config import Config  # noqa: E402
from workbench.core.agent.client import make_client  # noqa: E402
from workbench.core.agent.session import AgentSession  # noqa: E402
from workbench.core.approvals import DenyAll  # noqa: E402
from workbench.core.events import ToolCallReady  # noqa: E402
from workbench.core.personas.discovery import discover  # noqa: E402
from workbench.core.personas.model import Persona  # noqa: E402
from workbench.testing import MessagesPeer, reply, text, tool_use  # noqa: E402

LEAD = "---\nname: lead\ndescription: Leads.\ntools: Read, Grep, Glob, LS, Agent\n---\nYou lead. LEAD-MARK\n"
REVIEWER = "---\nname: reviewer\ndescription: Reviews code.\ntools: Read, Grep, Glob, LS\n---\nYou review.\n"


def workspace(root: Path) -> tuple[Path, dict[str, Persona]]:
    repo = root / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("def greet(name):\n    return f'hello {name}'\n" * 200)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    agents = root / "agents"
    agents.mkdir()
    (agents / "lead.md").write_text(LEAD)
    (agents / "reviewer.md").write_text(REVIEWER)
    found = discover(repo, [agents], include_defaults=False)
    return repo, {p.id: p for p in found.personas}


def route(delegated: bool) -> list[Any]:
    read = reply(tool_use("Read", {"file_path": "app.py"}))
    answer = reply(text("It greets by name."))
    if not delegated:
        return [read, answer]
    call = {"description": "review", "prompt": "Review app.py.", "subagent_type": "reviewer"}
    return [reply(tool_use("Agent", call)), read, answer, reply(text("The reviewer says it greets."))]


async def one(repo: Path, personas: dict[str, Persona], delegated: bool) -> tuple[float, float | None, float]:
    with MessagesPeer(route(delegated)) as peer:
        session = AgentSession.create(
            repo,
            personas["lead"],
            approver=DenyAll(),
            client=make_client(api_key="k", base_url=peer.url),
            personas=list(personas.values()),
            config=Config(),
        )
        ready_at: float | None = None
        started = time.perf_counter()
        async for event in session.run_turn("review app.py"):
            if isinstance(event, ToolCallReady) and event.tool == "Agent":
                ready_at = time.perf_counter()
        total = (time.perf_counter() - started) * 1000
        await session.aclose()
        requests = peer.message_requests
    startup = None
    if delegated and ready_at is not None:
        startup = (requests[1].started - ready_at) * 1000
    cache = 0.0
    child = requests[2] if delegated else requests[1]
    if child.cache is not None:
        usage = child.cache.usage_fields()
        whole = sum(
            int(usage.get(k, 0)) for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
        )
        cache = int(usage.get("cache_read_input_tokens", 0)) / whole if whole else 0.0
    return total, startup, cache


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo, personas = workspace(Path(tmp))
        await one(repo, personas, True)  # warm up imports and the SDK
        direct, delegated, startups, caches, own = [], [], [], [], []
        for _ in range(runs):
            d, _, o = await one(repo, personas, False)
            g, s, c = await one(repo, personas, True)
            direct.append(d)
            delegated.append(g)
            if s is not None:
                startups.append(s)
            caches.append(c)
            own.append(o)
    md, mg = statistics.median(direct), statistics.median(delegated)
    print(f"turn, direct (2 requests):     {md:8.1f} ms")
    print(f"turn, delegated (4 requests):  {mg:8.1f} ms   ratio {mg / md:.2f}")
    print(f"subagent start-up:             {statistics.median(startups):8.1f} ms")
    print(f"2nd request from cache: child {statistics.median(caches):.0%}, top-level {statistics.median(own):.0%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    asyncio.run(main(parser.parse_args().runs))
