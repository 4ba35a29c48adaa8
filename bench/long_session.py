"""Long sessions: resume time and memory at 2k and 10k entries, and what compaction saves.

    .venv/bin/python bench/long_session.py [--runs 5] [--sizes 2000,10000] [--peer-sizes 2000]

Resume. A saved session of N transcript entries (each turn: a prompt, a Read and a Bash call with 40-line
results, an 800-character Markdown answer; ~2 events per entry, written through the real transcript API; the
history compacted each time it neared a 200k window, as a real session's would be: every ~200 turns) is
opened by the real app (`create_app(..., resume=ID)`, 120x40, headless), each run in a fresh process. Printed
per size (medians):
- last message on screen: from the screen asking for the saved session (`start_background`, right after the
  first frame) to the first frame that shows the session's last message (target <= 0.3 s). The screen draws
  the transcript's tail before it opens the session, so this frame may come before the session is open;
- session open: from the same moment to the session factory's return, and the factory alone
  (`AgentSession.resume`: reading and decoding the transcript, the session's set-up); the rest of the
  conversation is read in after both;
- the SDK: the screen imports it in a thread once the last message is on screen and the rest of the session
  is read in (so the first prompt does not wait for it): when that starts, how long it takes, and whether
  anything imported it sooner (target: never);
- RSS of the process once the rest of the session is read in (target < 150 MB), then with the SDK loaded
  too, and its peak.
The floor, also in fresh processes: the same messages mounted as one `Static` per message (the cheapest
widget-per-message design; the issue measured the old resume at 2.0x it), from the events in memory to the
frame that shows the last one.

Compaction. A real session against the `MessagesPeer` (real tools on a sample repository) runs 12 prompts of
4 tool rounds each, then compacts by hand and sends one more prompt. Printed: the conversation's tokens before
and after (the peer counts bytes / 4), the share saved, and the prompt-cache share of the last request before,
the summary request, and the first request after (the system prompt and tools stay cached).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_memory import ANSWER, RESULT  # noqa: E402  the same turn as the memory bench

CHILD = r"""
import json, os, sys, time, cProfile, pstats
from pathlib import Path
from textual.screen import Screen
from workbench.config import Config
from workbench.tui import host
from workbench.tui.app import create_app
from workbench.tui.screens.main_start import StartActions

workspace, sid, expected = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
marks = {}

def warm_up():  # the app's SDK warm-up, timed: it starts once the screen is whole and the session read in
    marks["sdk_asked"] = time.perf_counter()
    marks["rss_no_sdk"] = rss()["VmRSS"]
    host.import_sdk()
    marks["sdk_loaded"] = time.perf_counter()

async def factory(req):
    marks["factory"] = time.perf_counter()
    session = await host.default_session_factory(req)
    marks["open"] = time.perf_counter()
    return session

start = StartActions.start_background

def start_background(self):  # where the screen asks for the saved session (after its first frame)
    marks["asked"] = time.perf_counter()
    start(self)

StartActions.start_background = start_background

def rss():
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1]) / 1024
    return out

draw = Screen._compositor_refresh

def refresh(self):
    draw(self)
    app = self.app
    if "shown" in marks or self is not app.screen or "asked" not in marks:
        return
    entries = self.chat.transcript.entries
    last = entries[-1].widget if entries else None
    if last is not None and last in self._compositor.visible_widgets:
        marks["shown"] = time.perf_counter()
        marks["sdk_at_shown"] = "anthropic" in sys.modules
        app.set_timer(0.05, settle)

def settle():
    app = APP
    transcript = app.screen.chat.transcript
    if len(transcript.entries) < expected or "sdk_loaded" not in marks:
        app.set_timer(0.05, settle)
        return
    marks.update(rss())
    marks["entries"] = len(transcript.entries)
    marks["widgets"] = transcript.live_count()
    app.exit()

Screen._compositor_refresh = refresh
APP = create_app(workspace, resume=sid, factory=factory, config=Config(), warm_up=warm_up)
APP.run(headless=True, size=(120, 40))
print(json.dumps({"open": marks["open"] - marks["factory"], "shown": marks["shown"] - marks["asked"],
                  "opened": marks["open"] - marks["asked"],
                  "rss": marks["VmRSS"], "peak": marks["VmHWM"], "entries": marks["entries"],
                  "widgets": marks["widgets"], "rss_no_sdk": marks["rss_no_sdk"],
                  "sdk_at_shown": marks["sdk_at_shown"], "sdk_after": marks["sdk_asked"] - marks["shown"],
                  "sdk_took": marks["sdk_loaded"] - marks["sdk_asked"]}))
"""

PEER = r"""
import json, sys, time
from pathlib import Path
from textual.app import App
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from workbench.core.session_store import SessionStore

root, sid = Path(sys.argv[1]), sys.argv[2]
events = SessionStore(root, root=root).load(sid).events
marks = {}

class Peer(App):
    def compose(self):
        yield VerticalScroll(id="log")

    def on_mount(self):
        marks["start"] = time.perf_counter()
        widgets = []
        for ev in events:
            if ev.type == "turn_started":
                widgets.append(Static(ev.prompt, markup=False))
            elif ev.type == "tool_call_finished":
                widgets.append(Static(f"{ev.tool} · {ev.duration_ms} ms", markup=False))
            elif ev.type == "assistant_text":
                widgets.append(Static(ev.text, markup=False))
        self.last = widgets[-1]
        log = self.query_one("#log")
        log.mount_all(widgets)
        log.anchor()

draw = Screen._compositor_refresh

def refresh(self):
    draw(self)
    app = self.app
    if "shown" not in marks and hasattr(app, "last") and app.last in self._compositor.visible_widgets:
        marks["shown"] = time.perf_counter()
        app.exit()

Screen._compositor_refresh = refresh
Peer().run(headless=True, size=(120, 40))
print(json.dumps({"screen": marks["shown"] - marks["start"]}))
"""


def write_session(workspace: Path, entries: int) -> str:
    """A real session (the built-in persona) made long through the transcript API; returns its id."""
    from workbench.config import Config
    from workbench.core.agent.builtin import builtin_persona
    from workbench.core.agent.session import AgentSession
    from workbench.core.approvals import DenyAll
    from workbench.core.events import (
        AssistantText,
        Compacted,
        ToolCallFinished,
        ToolCallReady,
        TurnDone,
        TurnStarted,
        UsageInfo,
        UsageUpdated,
    )

    session = AgentSession.create(workspace, builtin_persona(), approver=DenyAll(), config=Config())
    sid, store = session.id, session.store
    asyncio.run(session.aclose())
    transcript = store.reopen(sid)
    made, turn, size = 0, 0, 0
    usage = UsageInfo(input_tokens=120, output_tokens=80, cache_read_input_tokens=4000)
    while made < entries:
        if size // 4 > 0.8 * 200_000:  # as the session would have: compacted when it neared the window
            summary = "## Goal\nA safer retry policy.\n" + "- decided: keep the ledger idempotent\n" * 40
            first = {"role": "user", "content": [{"type": "text", "text": summary}]}
            transcript.event(
                Compacted(
                    trigger="auto",
                    tokens_before=size // 4,
                    tokens_after=len(summary) // 4,
                    messages_before=0,
                    messages_after=1,
                    window=200_000,
                    summary=summary,
                    usage=usage,
                )
            )
            transcript.compacted([first])
            size = len(summary)
        turn += 1
        prompt = f"Step {turn}: review the retry policy again"
        transcript.event(TurnStarted(turn=turn, prompt=prompt, persona_id="workbench", model="claude-sonnet-5-5"))
        transcript.message({"role": "user", "content": [{"type": "text", "text": prompt}]})
        size += len(prompt) + 2 * len(RESULT) + len(ANSWER) + 400
        calls = []
        for k, tool in enumerate(("Read", "Bash")):
            args = {"file_path": f"src/mod{turn}.py"} if tool == "Read" else {"command": "pytest -q"}
            call = f"toolu_{turn}_{k}"
            calls.append({"type": "tool_use", "id": call, "name": tool, "input": args})
            transcript.event(ToolCallReady(call_id=call, tool=tool, input=args, summary=""))
        transcript.event(UsageUpdated(turn=usage, session=usage, model="claude-sonnet-5-5", window=200_000))
        transcript.message({"role": "assistant", "content": calls})
        results = []
        for call in calls:
            transcript.event(
                ToolCallFinished(
                    call_id=call["id"],
                    tool=call["name"],
                    input=call["input"],
                    output=RESULT,
                    is_error=False,
                    duration_ms=12.0,
                    exit_code=0 if call["name"] == "Bash" else None,
                )
            )
            results.append({"type": "tool_result", "tool_use_id": call["id"], "content": RESULT})
        transcript.message({"role": "user", "content": results})
        answer = ANSWER.format(n=turn)
        transcript.event(UsageUpdated(turn=usage, session=usage, model="claude-sonnet-5-5", window=200_000))
        transcript.event(AssistantText(text=answer))
        transcript.message({"role": "assistant", "content": [{"type": "text", "text": answer}]})
        transcript.event(TurnDone(stop_reason="end_turn", final_text=answer, usage=usage, session_id=sid))
        made += 4
    transcript.close()
    return sid


def run_child(code: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"no result: {done.stderr[-1500:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def median(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def resume_figures(sizes: list[int], peer_sizes: list[int], runs: int, tmp: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(WORKBENCH_HOME=str(tmp / "home"), PYTHONPATH=str(ROOT), ANTHROPIC_API_KEY="sk-ant-bench")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    os.environ["WORKBENCH_HOME"] = env["WORKBENCH_HOME"]
    print("resume (fresh process per run, 120x40, medians):")
    for size in sizes:
        workspace = tmp / f"repo{size}"
        workspace.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=workspace, check=True)
        sid = write_session(workspace, size)
        run_child(CHILD, [str(workspace), sid, str(size)], env)  # warm the page cache and bytecode
        rows = [run_child(CHILD, [str(workspace), sid, str(size)], env) for _ in range(runs)]
        shown = [r["shown"] for r in rows]
        print(
            f"  {size:6d} entries: from the screen asking for the session, its last message on screen after "
            f"{statistics.median(shown) * 1000:5.0f} ms [{min(shown) * 1000:.0f} .. {max(shown) * 1000:.0f}] "
            f"(target <= 300); the session open after {median(rows, 'opened') * 1000:6.0f} ms (the factory alone "
            f"{median(rows, 'open') * 1000:.0f} ms)"
        )
        early = sum(bool(r["sdk_at_shown"]) for r in rows)
        print(
            f"  {size:6d} entries: the SDK imported in a thread {median(rows, 'sdk_after') * 1000:.0f} ms after the "
            f"last message was on screen, taking {median(rows, 'sdk_took') * 1000:.0f} ms; "
            f"imported before it in {early} of {len(rows)} runs (target 0)"
        )
        print(
            f"  {size:6d} entries: RSS {median(rows, 'rss_no_sdk'):5.1f} MB with the session read in (target < 150), "
            f"{median(rows, 'rss'):5.1f} MB once the SDK is loaded too, peak {median(rows, 'peak'):5.1f} MB; "
            f"{rows[0]['widgets']} widgets for {rows[0]['entries']} entries"
        )
        if size in peer_sizes:
            from workbench.core.session_store import SessionStore

            root = SessionStore(workspace).root
            peer = [run_child(PEER, [str(root), sid], env) for _ in range(runs)]
            floor = median(peer, "screen")
            ours = median(rows, "shown")
            print(
                f"  {size:6d} entries: one Static per message, events in memory to the last one on screen "
                f"{floor * 1000:6.0f} ms; ours, from asking for the session (its tail read from disk), "
                f"{ours * 1000:.0f} ms = {ours / floor:.2f}x"
            )


async def compaction_figures(tmp: Path) -> None:
    from workbench.config import Config
    from workbench.core.agent.client import make_client
    from workbench.core.agent.session import AgentSession
    from workbench.core.approvals import ApprovalRequest, Decision
    from workbench.core.events import Compacted
    from workbench.demo import demo_persona, prepare_demo_workspace
    from workbench.testing import MessagesPeer, reply, text, tool_use

    class ApproveAll:
        async def decide(self, request: ApprovalRequest) -> Decision:
            return Decision(allow=True, by="user")

    workspace = prepare_demo_workspace(tmp / "compact-repo")
    rounds = [
        [tool_use("Read", {"file_path": "payments/service.py"}), tool_use("Glob", {"pattern": "**/*.py"})],
        [tool_use("Read", {"file_path": "payments/retry.py"})],
        [tool_use("Grep", {"pattern": "retry|ledger", "output_mode": "content", "-n": True})],
        [tool_use("Read", {"file_path": "payments/ledger.py"}), tool_use("Read", {"file_path": "tests/test_retry.py"})],
    ]
    prompts = 12
    script: list[Any] = []
    for n in range(prompts):
        script += [reply(text(f"Round {k + 1} of prompt {n + 1}."), *calls) for k, calls in enumerate(rounds)]
        script.append(reply(text(f"Answer {n + 1}: " + "the service calls retry_call, then the ledger. " * 15)))
    summary = (
        "## Goal\nMake the payment retries safe.\n## Decisions\n" + "- keep the ledger idempotent\n" * 10
        + "## Files touched\n- payments/service.py\n- payments/retry.py\n- payments/ledger.py\n## Open tasks\n"
        + "- bound the attempts\n" * 5 + "## Plan\n1. [in_progress] bound retries\n## Current state\nReviewed."
    )
    script += [reply(text(summary)), reply(text("Continuing from the summary."))]
    with MessagesPeer(script) as peer:
        client = make_client(api_key="sk-ant-bench", base_url=peer.url)
        session = AgentSession.create(workspace, demo_persona(), approver=ApproveAll(), client=client, config=Config())
        for n in range(prompts):
            async for _ in session.run_turn(f"Prompt {n + 1}: look at the payment path again"):
                pass
        before_request = peer.message_requests[-1]
        compacted = [e async for e in session.compact() if isinstance(e, Compacted)]
        summary_request = peer.message_requests[-1]
        async for _ in session.run_turn("And now?"):
            pass
        after_request = peer.message_requests[-1]
        await session.aclose()
    event = compacted[0]
    saved = 1 - event.tokens_after / event.tokens_before
    print(f"compaction ({prompts} prompts x {len(rounds)} tool rounds, {event.messages_before} messages):")
    print(
        f"  tokens before {event.tokens_before:,} -> after {event.tokens_after:,} "
        f"({'estimated' if event.estimated else 'counted'}): {saved:.1%} saved; {event.messages_after} message(s) kept"
    )
    for label, request in (
        ("last request before", before_request),
        ("the summary request", summary_request),
        ("first request after", after_request),
    ):
        cache = request.cache
        assert cache is not None
        print(f"  cache share, {label:20s}: {cache.cached_share:6.1%} of {cache.total_tokens:,} input tokens")


def main() -> int:
    parser = argparse.ArgumentParser(description="resume time and memory of long sessions; compaction's savings")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--peer-sizes", default="2000", help="sizes to measure the one-Static-per-message floor at")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    peer_sizes = [int(s) for s in args.peer_sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="workbench-long-") as tmp:
        resume_figures(sizes, peer_sizes, args.runs, Path(tmp))
        asyncio.run(compaction_figures(Path(tmp)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
