"""AgentLoop against the Messages API peer over real HTTP: streaming, tools, policy, pause_turn, max turns."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.core.agent.helpers import CatTool, SleepTool, TablePolicy, harness
from workbench.core.agent.loop import CANCELLED_RESULT, LoopOutcome
from workbench.core.approvals import Verdict
from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    AssistantText,
    TextDelta,
    ThinkingDelta,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
    ToolInputDelta,
    UsageUpdated,
)
from workbench.testing import MessagesPeer, reply, stall, text, thinking, tool_use


async def test_text_turn_streams_deltas_and_commits_one_message(tmp_path: Path) -> None:
    with MessagesPeer([reply(text("Hello there, this is a streamed answer."))]) as peer:
        async with harness(peer.url, []) as h:
            events, outcome = await h.turn("hi")
    deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert deltas == "Hello there, this is a streamed answer."
    assert [e.text for e in events if isinstance(e, AssistantText)] == [deltas]
    assert outcome.stop_reason == "end_turn" and outcome.final_text == deltas
    assert [m["role"] for m in h.history] == ["user", "assistant"]
    usage = [e for e in events if isinstance(e, UsageUpdated)]
    assert len(usage) == 1 and usage[0].turn.input_tokens + usage[0].turn.cache_creation_input_tokens > 0
    assert usage[0].turn.cost_usd > 0  # a priced model


async def test_tool_call_round_trip_passes_thinking_back_verbatim(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("the secret word is lantern\n")
    script = [
        reply(
            thinking("I should read the notes first.", signature="sig-abc=="),
            text("Reading."),
            tool_use("Cat", {"file_path": "notes.txt"}, id="toolu_1"),
        ),
        reply(text("The word is lantern.")),
    ]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [CatTool(tmp_path)]) as h:
            events, outcome = await h.turn("what is the word?")
            second = peer.message_requests[1]
    kinds = [type(e) for e in events]
    assert ThinkingDelta in kinds and ToolCallStarted in kinds and ToolInputDelta in kinds
    ready = next(e for e in events if isinstance(e, ToolCallReady))
    assert ready.input == {"file_path": "notes.txt"} and ready.call_id == "toolu_1"
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert finished.output == "the secret word is lantern\n" and not finished.is_error
    assert kinds.index(ToolCallReady) < kinds.index(ToolCallFinished)
    sent = second.messages
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"][0] == {
        "type": "thinking",
        "thinking": "I should read the notes first.",
        "signature": "sig-abc==",
    }
    result = sent[2]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "toolu_1"
    assert result["content"] == "the secret word is lantern\n" and "is_error" not in result
    assert outcome.final_text == "The word is lantern." and outcome.stop_reason == "end_turn"


async def test_unknown_tool_and_bad_input_go_back_as_errors(tmp_path: Path) -> None:
    script = [
        reply(tool_use("Frobnicate", {"x": 1}, id="toolu_a"), tool_use("Cat", {"file_path": 7}, id="toolu_b")),
        reply(text("ok")),
    ]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [CatTool(tmp_path)]) as h:
            _, outcome = await h.turn("go")
            results = peer.message_requests[1].messages[2]["content"]
    assert results[0]["is_error"] is True and "Unknown tool 'Frobnicate'" in results[0]["content"]
    assert "Available tools: Cat" in results[0]["content"]
    assert results[1]["is_error"] is True and "file_path must be a string" in results[1]["content"]
    assert [c.decision for c in outcome.tool_calls] == ["invalid", "invalid"]


async def test_denials_carry_the_reason_back_to_the_model(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    policy = TablePolicy({"Cat": Verdict.ASK, "Sleep": Verdict.DENY})
    script = [
        reply(tool_use("Cat", {"file_path": "a.txt"}, id="toolu_a"), tool_use("Sleep", {"seconds": 0}, id="toolu_b")),
        reply(text("I could not do it.")),
    ]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [CatTool(tmp_path), SleepTool()], policy=policy) as h:
            events, outcome = await h.turn("go")
            results = peer.message_requests[1].messages[2]["content"]
    asked = [e for e in events if isinstance(e, ApprovalRequested)]
    decided = [e for e in events if isinstance(e, ApprovalDecided)]
    assert len(asked) == 1 and asked[0].request.tool == "Cat"
    assert decided[0].decision.allow is False and decided[0].decision.by == "headless"
    assert "was not run" in results[0]["content"] and "no one to ask in headless mode" in results[0]["content"]
    assert results[1]["content"] == "Denied by policy: table says deny for Sleep"
    assert outcome.denied_calls == 2
    assert policy.applied and policy.applied[0][1].allow is False


async def test_pause_turn_continues_with_the_paused_message() -> None:
    script = [reply(text("Working on it"), stop_reason="pause_turn"), reply(text("Done."))]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, []) as h:
            _, outcome = await h.turn("go")
            second = peer.message_requests[1].messages
    assert outcome.stop_reason == "end_turn" and outcome.final_text == "Done."
    assert [m["role"] for m in second] == ["user", "assistant"]
    assert second[1]["content"][0]["text"] == "Working on it"


async def test_max_turns_stops_a_runaway_tool_loop(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    script = [reply(tool_use("Cat", {"file_path": "a.txt"})) for _ in range(5)]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [CatTool(tmp_path)], max_turns=2) as h:
            _, outcome = await h.turn("loop forever")
            assert len(peer.message_requests) == 2
    assert outcome.stop_reason == "max_turns"
    assert h.history[-1]["role"] == "user"  # every tool_use has its result


async def test_cancel_during_a_tool_kills_it_and_closes_the_history() -> None:
    sleeper = SleepTool()
    script = [reply(text("Sleeping."), tool_use("Sleep", {"seconds": 30}, id="toolu_s"))]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [sleeper]) as h:
            outcome = LoopOutcome()

            async def consume() -> None:
                async for _ in h.stream("sleep", outcome):
                    pass

            task = asyncio.create_task(consume())
            await asyncio.wait_for(sleeper.started.wait(), 10)
            began = asyncio.get_running_loop().time()
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            elapsed = asyncio.get_running_loop().time() - began
    assert sleeper.killed and elapsed < 2
    assert [m["role"] for m in h.history] == ["user", "assistant", "user"]
    result = h.history[-1]["content"][0]
    assert result == {"type": "tool_result", "tool_use_id": "toolu_s", "content": CANCELLED_RESULT, "is_error": True}


async def test_cancel_while_streaming_commits_nothing_partial() -> None:
    with MessagesPeer([stall(after_bytes=900, seconds=5)]) as peer:
        async with harness(peer.url, []) as h:
            outcome = LoopOutcome()
            seen: list[object] = []

            async def consume() -> None:
                async for event in h.stream("hi", outcome):
                    seen.append(event)

            task = asyncio.create_task(consume())
            for _ in range(200):
                if any(isinstance(e, TextDelta) for e in seen):
                    break
                await asyncio.sleep(0.01)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
    assert any(isinstance(e, TextDelta) for e in seen)
    assert [m["role"] for m in h.history] == ["user"]


async def test_cache_markers_on_tools_system_and_newest_messages(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha\n" * 200)
    script = [reply(tool_use("Cat", {"file_path": "a.txt"})), reply(text("done"))]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [CatTool(tmp_path), SleepTool()]) as h:
            await h.turn("read it")
            first, second = peer.message_requests
    for req in (first, second):
        body = req.body or {}
        assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert "cache_control" not in body["tools"][0]
        assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert second.body is not None and second.body["messages"][0]["content"][-1]["cache_control"]
    assert first.body is not None and second.body["tools"] == first.body["tools"]
    assert second.body["system"] == first.body["system"]
    assert "cache_control" not in h.history[0]["content"][-1]  # the stored history stays clean
    assert second.cache is not None and second.cache.cache_read_tokens > 0


async def test_a_tool_call_cut_by_max_tokens_gets_a_result(tmp_path: Path) -> None:
    script = [
        reply(text("I will read"), tool_use("Cat", {"file_path": "a.txt"}, id="toolu_cut"), stop_reason="max_tokens")
    ]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [CatTool(tmp_path)]) as h:
            _, outcome = await h.turn("go")
    assert outcome.stop_reason == "max_tokens" and outcome.tool_calls == []
    result = h.history[-1]["content"][0]
    assert result["tool_use_id"] == "toolu_cut" and result["is_error"] is True
    assert "stop reason max_tokens" in result["content"]


async def test_a_streaming_tool_passes_its_events_on_while_it_runs() -> None:
    from typing import Any, ClassVar

    from workbench.core.events import Notice
    from workbench.core.tools.base import CallPreview, Tool, ToolKind, ToolResult

    class Child(Tool):
        name = "Child"
        description = "Runs a child."
        input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
        kind = ToolKind.DELEGATE

        async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
            return CallPreview(summary="child")

        async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
            raise AssertionError("run_stream is used instead")

        async def run_stream(self, args: dict[str, Any], ctx: Any) -> Any:
            yield Notice(level="info", message="child working", agent_path=("helper",))
            yield ToolResult(content="child says done")

    script = [reply(tool_use("Child", {}, id="toolu_c")), reply(text("ok"))]
    with MessagesPeer(script) as peer:
        async with harness(peer.url, [Child()]) as h:
            events, _ = await h.turn("delegate")
            result = peer.message_requests[1].messages[2]["content"][0]
    kinds = [e.type for e in events]
    assert kinds.index("notice") < kinds.index("tool_call_finished")
    assert next(e for e in events if e.type == "notice").agent_path == ("helper",)
    assert result["content"] == "child says done"


async def test_allowed_read_only_calls_run_together_and_report_in_order(tmp_path: Path) -> None:
    from typing import Any, ClassVar

    from workbench.core.tools.base import CallPreview, Tool, ToolKind, ToolResult

    running: list[int] = []
    peak: list[int] = []

    class SlowRead(Tool):
        name = "SlowRead"
        description = "Reads slowly."
        input_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {"n": {"type": "integer"}}}
        kind = ToolKind.READ

        async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
            return CallPreview(summary="slow read")

        async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
            running.append(1)
            peak.append(len(running))
            await asyncio.sleep(0.2 if args["n"] == 0 else 0.05)
            running.pop()
            return ToolResult(content=f"read {args['n']}")

    calls = [tool_use("SlowRead", {"n": n}, id=f"toolu_{n}") for n in range(3)]
    calls.append(tool_use("Sleep", {"seconds": 0}, id="toolu_exec"))
    with MessagesPeer([reply(*calls), reply(text("ok"))]) as peer:
        async with harness(peer.url, [SlowRead(), SleepTool()]) as h:
            began = asyncio.get_running_loop().time()
            events, _ = await h.turn("read three")
            elapsed = asyncio.get_running_loop().time() - began
            results = peer.message_requests[1].messages[2]["content"]
    assert max(peak) == 3 and elapsed < 3.0  # all three in flight at once
    finished = [e.call_id for e in events if isinstance(e, ToolCallFinished)]
    assert finished == ["toolu_0", "toolu_1", "toolu_2", "toolu_exec"]
    assert [r["content"] for r in results[:3]] == ["read 0", "read 1", "read 2"]
    assert results[3]["content"].startswith("slept")
