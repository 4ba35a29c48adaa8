"""The Messages API peer, driven by the real anthropic SDK over real sockets."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic

from tests.sdk_shapes import raises_transport
from workbench.testing import (
    NO_TURN_MESSAGE,
    MessagesPeer,
    cut,
    reply,
    sse_error,
    stall,
    status,
    text,
    thinking,
    tool_use,
)

pytestmark = pytest.mark.timeout(30)

MODEL = "claude-sonnet-4-6"
TOOLS: list[Any] = [
    {"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {}}},
    {
        "name": "Grep",
        "description": "Search files",
        "input_schema": {"type": "object", "properties": {}},
        "cache_control": {"type": "ephemeral"},
    },
]
SYSTEM: list[Any] = [{"type": "text", "text": "You are terse. " * 40, "cache_control": {"type": "ephemeral"}}]


def client(peer: MessagesPeer, **kw: Any) -> AsyncAnthropic:
    kw.setdefault("max_retries", 0)
    return AsyncAnthropic(api_key="sk-ant-test-key", base_url=peer.url, **kw)


async def stream_once(peer: MessagesPeer, messages: list[Any] | None = None, **kw: Any) -> tuple[list[Any], Any]:
    events: list[Any] = []
    async with (
        client(peer, **kw) as c,
        c.messages.stream(
            model=MODEL,
            max_tokens=1024,
            system=SYSTEM,
            tools=TOOLS,
            messages=messages or [{"role": "user", "content": "hello"}],
        ) as stream,
    ):
        async for ev in stream:
            events.append(ev)
        final = await stream.get_final_message()
    return events, final


async def test_streaming_text_arrives_in_pieces() -> None:
    with MessagesPeer([reply(text("Hello there, this is the peer speaking."), ping=True)]) as peer:
        events, final = await stream_once(peer)
    deltas = [e.text for e in events if e.type == "text"]
    assert len(deltas) > 2
    assert "".join(deltas) == "Hello there, this is the peer speaking."
    assert final.stop_reason == "end_turn"
    assert final.id.startswith("msg_")
    assert final.model == MODEL
    assert final.usage.output_tokens > 0
    assert next(e.type for e in events) == "message_start"
    assert events[-1].type == "message_stop"


async def test_tool_use_input_is_assembled_from_pieces() -> None:
    args = {"pattern": "retry", "path": "src/payments", "flags": ["-n", "-i"], "note": "café °C"}
    with MessagesPeer([reply(text("Searching."), tool_use("Grep", args), piece=5)]) as peer:
        events, final = await stream_once(peer)
    partials = [e.partial_json for e in events if e.type == "input_json"]
    assert len(partials) > 5
    assert json.loads("".join(partials)) == args
    snapshots = [e.snapshot for e in events if e.type == "input_json"]
    assert snapshots[0] == {} or len(snapshots[0]) < len(args)
    block = final.content[1]
    assert block.type == "tool_use" and block.name == "Grep" and block.input == args
    assert block.id.startswith("toolu_")
    assert final.stop_reason == "tool_use"


async def test_thinking_signature_round_trips() -> None:
    first_turn = reply(thinking("Let me think about the retry loop."), tool_use("Read", {"file_path": "a.py"}))
    turns = [first_turn, reply("ok")]
    with MessagesPeer(turns) as peer:
        _, first = await stream_once(peer)
        assert first.content[0].type == "thinking"
        signature = first.content[0].signature
        assert signature.startswith("sig-")
        tool_id = first.content[1].id
        history = [
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": [b.to_dict() for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id, "content": "x = 1"}]},
        ]
        _, second = await stream_once(peer, history)
        sent = peer.message_requests[1].messages[1]["content"]
    assert second.content[0].text == "ok"
    assert sent[0]["type"] == "thinking" and sent[0]["signature"] == signature
    assert sent[1]["id"] == tool_id


async def test_status_429_raises_rate_limit_with_retry_after() -> None:
    with MessagesPeer([status(429, retry_after=7)]) as peer, pytest.raises(anthropic.RateLimitError) as info:
        await stream_once(peer)
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.type == "rate_limit_error"


async def test_sdk_retries_honour_retry_after_and_consume_turns() -> None:
    with MessagesPeer([status(429, retry_after=0.2), status(529), reply("finally")]) as peer:
        began = time.perf_counter()
        _, final = await stream_once(peer, max_retries=2)
        took = time.perf_counter() - began
        counts = [r.headers.get("x-stainless-retry-count") for r in peer.message_requests]
    assert final.content[0].text == "finally"
    assert counts == ["0", "1", "2"]
    assert took >= 0.2


async def test_529_is_overloaded() -> None:
    with MessagesPeer([status(529)]) as peer, pytest.raises(anthropic.OverloadedError):
        await stream_once(peer)


async def test_chunked_cut_is_a_protocol_error_the_loop_retries() -> None:
    with MessagesPeer([cut(300, framing="chunked")]) as peer:
        with raises_transport(httpx2.RemoteProtocolError, "connection"):
            await stream_once(peer)
        assert peer.requests[0].outcome == "cut chunked after 300"


async def test_close_framed_cut_is_silent_truncation() -> None:
    long = reply(text("word " * 200))
    with MessagesPeer([cut(900, framing="close", reply=long)]) as peer:
        events, final = await stream_once(peer)
    assert final.stop_reason is None
    assert 0 < len(final.content[0].text) < 1000
    assert all(e.type != "message_stop" for e in events)


async def test_sse_error_after_output_is_a_status_200_error() -> None:
    with MessagesPeer([sse_error(after_events=3)]) as peer:
        seen: list[str] = []
        with pytest.raises(anthropic.APIStatusError) as info:
            async with (
                client(peer) as c,
                c.messages.stream(model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]) as s,
            ):
                async for ev in s:
                    if ev.type == "text":
                        seen.append(ev.text)
    assert info.value.status_code == 200
    assert info.value.type == "overloaded_error"
    assert not isinstance(info.value, anthropic.OverloadedError)
    assert seen  # partial output arrived before the error


async def test_stall_longer_than_read_timeout_raises_read_timeout() -> None:
    with MessagesPeer([stall(200, seconds=5)]) as peer:
        began = time.perf_counter()
        with raises_transport(httpx2.ReadTimeout, "timeout"):
            await stream_once(peer, timeout=httpx2.Timeout(0.3, connect=2))
        assert time.perf_counter() - began < 3
        began = time.perf_counter()
    assert time.perf_counter() - began < 2  # stop() wakes the stalled handler


async def test_short_stall_completes() -> None:
    with MessagesPeer([stall(200, seconds=0.2, reply=reply("slow but whole"))]) as peer:
        _, final = await stream_once(peer, timeout=httpx2.Timeout(2, connect=2))
    assert final.content[0].text == "slow but whole"
    assert final.stop_reason == "end_turn"


async def test_small_chunks_and_multibyte_text() -> None:
    words = "température 21 °C — naïve café ✓ " * 5
    with MessagesPeer([reply(words, chunk_size=7, delay=0.001)]) as peer:
        _, final = await stream_once(peer)
    assert final.content[0].text == words


async def test_empty_queue_answers_a_clear_500() -> None:
    with MessagesPeer() as peer:
        with pytest.raises(anthropic.InternalServerError) as info:
            await stream_once(peer, max_retries=2)
        assert len(peer.requests) == 1  # x-should-retry: false stops the SDK's retries
    assert NO_TURN_MESSAGE in str(info.value)


async def test_non_streaming_create() -> None:
    with MessagesPeer([reply(text("plain"), tool_use("Read", {"file_path": "x"}))]) as peer:
        async with client(peer) as c:
            message = await c.messages.create(model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "x"}])
    assert [b.type for b in message.content] == ["text", "tool_use"]
    assert message.stop_reason == "tool_use"
    assert message.content[1].input == {"file_path": "x"}


async def test_callable_turn_sees_the_request() -> None:
    def echo(body: dict[str, Any]) -> Any:
        return reply(f"you said {body['messages'][-1]['content']}")

    def broken(body: dict[str, Any]) -> Any:
        raise KeyError("nope")

    with MessagesPeer([echo, broken]) as peer:
        _, final = await stream_once(peer, [{"role": "user", "content": "ping"}])
        with pytest.raises(anthropic.InternalServerError, match="scripted callable failed"):
            await stream_once(peer)
    assert final.content[0].text == "you said ping"


async def test_count_tokens_and_404() -> None:
    with MessagesPeer() as peer:
        async with client(peer) as c:
            counted = await c.messages.count_tokens(
                model=MODEL, system=SYSTEM, messages=[{"role": "user", "content": "hello"}]
            )
        assert counted.input_tokens > 100
        assert peer.pending == 0
    with MessagesPeer(count_tokens=False) as peer:
        async with client(peer) as c:
            with pytest.raises(anthropic.NotFoundError):
                await c.messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "x"}])


async def test_request_log_helpers() -> None:
    with MessagesPeer([reply("a")]) as peer:
        await stream_once(peer)
        req = peer.requests[0]
    assert req.path == "/v1/messages"
    assert req.headers["authorization"] == "Bearer sk-ant-test-key"
    assert "x-api-key" not in req.headers
    assert req.tool_names() == ["Read", "Grep"]
    assert req.system_text().startswith("You are terse.")
    assert req.cache_control_positions() == ["tools[1]", "system[0]"]
    assert req.stream and req.model == MODEL
    assert req.finished >= req.started


async def test_cache_usage_follows_breakpoints() -> None:
    first = [{"role": "user", "content": [{"type": "text", "text": "q1", "cache_control": {"type": "ephemeral"}}]}]
    second = [
        {"role": "user", "content": [{"type": "text", "text": "q1"}]},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": [{"type": "text", "text": "q2", "cache_control": {"type": "ephemeral"}}]},
    ]
    with MessagesPeer([reply("a1"), reply("a2"), reply("a3")]) as peer:
        _, one = await stream_once(peer, first)
        _, two = await stream_once(peer, second)
        changed = [{"type": "text", "text": "You are verbose.", "cache_control": {"type": "ephemeral"}}]
        async with client(peer) as c:
            three = await c.messages.create(model=MODEL, max_tokens=10, system=changed, tools=TOOLS, messages=second)
        log = peer.message_requests
    assert one.usage.cache_read_input_tokens == 0
    assert one.usage.cache_creation_input_tokens > 100
    # the whole first prompt (up to its last breakpoint, the old newest message) is read from cache
    assert two.usage.cache_read_input_tokens == log[0].cache.total_tokens  # type: ignore[union-attr]
    assert two.usage.cache_creation_input_tokens > 0
    assert log[1].cache is not None and log[1].cache.cached_share > 0.8
    # a changed system prompt keeps only the tools prefix
    assert 0 < three.usage.cache_read_input_tokens < two.usage.cache_read_input_tokens


async def test_bad_json_and_unknown_route() -> None:
    with MessagesPeer() as peer:
        request = urllib.request.Request(peer.url + "/v1/messages", data=b"{not json", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            await asyncio.to_thread(urllib.request.urlopen, request, timeout=5)
        assert info.value.code == 400
        with pytest.raises(urllib.error.HTTPError) as info:
            await asyncio.to_thread(urllib.request.urlopen, peer.url + "/v1/models", timeout=5)
        assert info.value.code == 404


def test_url_requires_a_running_peer() -> None:
    peer = MessagesPeer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = peer.url
    peer.start()
    assert peer.url.startswith("http://127.0.0.1:")
    peer.stop()
    peer.stop()


async def test_short_prefixes_are_not_cached_below_the_minimum() -> None:
    system: list[Any] = [{"type": "text", "text": "short", "cache_control": {"type": "ephemeral"}}]
    with MessagesPeer([reply("a"), reply("b")], min_cache_tokens=1024) as peer:
        async with client(peer) as c:
            for _ in range(2):
                await c.messages.create(
                    model=MODEL, max_tokens=10, system=system, messages=[{"role": "user", "content": "x"}]
                )
        log = peer.message_requests
    assert [r.cache.breakpoints for r in log if r.cache] == [0, 0]
    assert [r.cache.cache_read_tokens for r in log if r.cache] == [0, 0]


async def test_changing_thinking_keeps_only_tools_and_system_cached() -> None:
    messages: list[Any] = [
        {"role": "user", "content": [{"type": "text", "text": "q" * 400, "cache_control": {"type": "ephemeral"}}]}
    ]
    with MessagesPeer([reply("a"), reply("b"), reply("c")]) as peer:
        async with client(peer) as c:
            for thinking_setting in (None, None, {"type": "adaptive"}):
                extra: dict[str, Any] = {"thinking": thinking_setting} if thinking_setting else {}
                await c.messages.create(
                    model=MODEL, max_tokens=10, system=SYSTEM, tools=TOOLS, messages=messages, **extra
                )
        log = [r.cache for r in peer.message_requests]
    assert log[0] and log[1] and log[2]
    assert log[1].cache_read_tokens == log[1].total_tokens
    assert 0 < log[2].cache_read_tokens < log[1].cache_read_tokens
    assert log[2].cache_creation_tokens > 0
