"""Cassette recording and replay through the real SDK: a live peer is recorded, then replayed offline."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic import AsyncAnthropic

from tests.sdk_shapes import raises_transport
from workbench.core.replay import CassetteError, CassetteTransport, RecordingTransport, load_cassette
from workbench.testing import MessagesPeer, cut, reply, status, text, thinking, tool_use

pytestmark = pytest.mark.timeout(30)

KEY = "sk-ant-api03-secretsecretsecret"
MODEL = "claude-sonnet-4-6"
TOOLS: list[Any] = [
    {"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {}}},
    {"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {}}},
]


def sdk(transport: httpx2.AsyncBaseTransport, base_url: str = "http://replay.invalid") -> AsyncAnthropic:
    http = httpx2.AsyncClient(transport=transport)
    return AsyncAnthropic(api_key=KEY, base_url=base_url, max_retries=0, http_client=http)


async def one_turn(client: AsyncAnthropic, messages: list[Any], tools: list[Any] = TOOLS) -> tuple[list[str], Any]:
    kinds: list[str] = []
    async with client.messages.stream(model=MODEL, max_tokens=512, tools=tools, messages=messages) as stream:
        async for ev in stream:
            kinds.append(ev.type)
        final = await stream.get_final_message()
    return kinds, final


async def conversation(client: AsyncAnthropic) -> list[Any]:
    """Two requests: the model calls Read, the tool result goes back, the model answers."""
    messages: list[Any] = [{"role": "user", "content": "what does a.py do?"}]
    _, first = await one_turn(client, messages)
    call = next(b for b in first.content if b.type == "tool_use")
    messages += [
        {"role": "assistant", "content": [b.to_dict() for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "x = 1"}]},
    ]
    _, second = await one_turn(client, messages)
    return [first, second]


def script() -> list[Any]:
    return [
        reply(thinking("Need to look."), text("Reading a.py."), tool_use("Read", {"file_path": "a.py"})),
        reply(text("It sets x to 1. Key sk-ant-api03-leakedkeyvalue must not survive.")),
    ]


async def record(tmp_path: Path, turns: list[Any]) -> tuple[Path, list[Any], MessagesPeer]:
    path = tmp_path / "session.cassette.jsonl"
    with MessagesPeer(turns) as peer:
        async with sdk(RecordingTransport(httpx2.AsyncHTTPTransport(), path), peer.url) as client:
            finals = await conversation(client)
    return path, finals, peer


async def test_record_scrubs_keys_and_ids(tmp_path: Path) -> None:
    path, finals, _ = await record(tmp_path, script())
    raw = path.read_text()
    assert "secretsecret" not in raw and "leakedkeyvalue" not in raw
    assert "msg_peer" not in raw and "toolu_peer" not in raw and "req_peer" not in raw
    assert "msg_rec000001" in raw and "msg_rec000002" in raw and "toolu_rec000001" in raw
    lines = [json.loads(line) for line in raw.splitlines()]
    assert lines[0]["kind"] == "header"
    records = load_cassette(path)
    assert [r["request"]["messages"] for r in records] == [1, 3]
    assert records[0]["request"]["tools"] == ["Read", "Bash"]
    assert records[1]["request"]["last_user"] == ["tool_result"]
    assert records[0]["response"]["status"] == 200
    assert records[0]["response"]["body"].startswith("event: message_start")
    assert records[0]["response"]["headers"]["request-id"].startswith("req_rec")
    assert finals[0].stop_reason == "tool_use"


async def test_replay_runs_the_sdk_offline(tmp_path: Path) -> None:
    path, finals, _ = await record(tmp_path, script())
    transport = CassetteTransport(path)
    async with sdk(transport) as client:
        replayed = await conversation(client)
    assert transport.finished and not transport.mismatches
    assert [b.type for b in replayed[0].content] == ["thinking", "text", "tool_use"]
    assert replayed[0].content[0].signature == finals[0].content[0].signature
    assert replayed[0].content[2].id == "toolu_rec000001"
    assert replayed[0].content[2].input == {"file_path": "a.py"}
    assert replayed[1].content[0].text.startswith("It sets x to 1.")
    # the live tool result went out with the replayed id
    assert transport.seen[1]["messages"][2]["content"][0]["tool_use_id"] == "toolu_rec000001"


async def test_replay_detects_a_different_turn(tmp_path: Path) -> None:
    path, _, _ = await record(tmp_path, script())
    async with sdk(CassetteTransport(path)) as client:
        with pytest.raises(anthropic.BadRequestError, match="cassette: request 0 offers different tools"):
            await one_turn(client, [{"role": "user", "content": "x"}], tools=TOOLS[:1])
    transport = CassetteTransport(path)
    async with sdk(transport) as client:
        await one_turn(client, [{"role": "user", "content": "x"}])
        with pytest.raises(anthropic.BadRequestError, match="carries 1 messages but the recording had 3"):
            await one_turn(client, [{"role": "user", "content": "x"}])
    assert transport.mismatches and transport.position == 1


async def test_replay_runs_out_clearly(tmp_path: Path) -> None:
    path, _, _ = await record(tmp_path, script())
    async with sdk(CassetteTransport(path)) as client:
        await conversation(client)
        ended = r"the recording has ended \(all 2 recorded responses were played\)"
        with pytest.raises(anthropic.BadRequestError, match=ended):
            await one_turn(client, [{"role": "user", "content": "again"}])


async def test_recorded_faults_replay_as_the_same_errors(tmp_path: Path) -> None:
    path = tmp_path / "faults.jsonl"
    turns = [status(429, retry_after=3), cut(250, framing="chunked"), cut(600, framing="close")]
    with MessagesPeer(turns) as peer:
        async with sdk(RecordingTransport(httpx2.AsyncHTTPTransport(), path), peer.url) as client:
            with pytest.raises(anthropic.RateLimitError):
                await one_turn(client, [{"role": "user", "content": "x"}])
            with raises_transport(httpx2.RemoteProtocolError, "connection"):
                await one_turn(client, [{"role": "user", "content": "x"}])
            _, silent = await one_turn(client, [{"role": "user", "content": "x"}])
    assert silent.stop_reason is None
    records = load_cassette(path)
    assert records[0]["response"]["headers"]["retry-after"] == "3"
    assert records[1]["error"].startswith("RemoteProtocolError")
    async with sdk(CassetteTransport(path)) as client:
        with pytest.raises(anthropic.RateLimitError) as info:
            await one_turn(client, [{"role": "user", "content": "x"}])
        assert info.value.response.headers["retry-after"] == "3"
        with raises_transport(httpx2.RemoteProtocolError, "connection"):
            await one_turn(client, [{"role": "user", "content": "x"}])
        kinds, again = await one_turn(client, [{"role": "user", "content": "x"}])
    assert again.stop_reason is None and "message_stop" not in kinds


async def test_delay_and_chunking(tmp_path: Path) -> None:
    path, _, _ = await record(tmp_path, script())
    began = time.perf_counter()
    async with sdk(CassetteTransport(path, chunk=5)) as client:
        fast = await conversation(client)
    fast_s = time.perf_counter() - began
    began = time.perf_counter()
    async with sdk(CassetteTransport(path, delay=0.01)) as client:
        await conversation(client)
    slow_s = time.perf_counter() - began
    assert fast[1].content[0].text.startswith("It sets x to 1.")
    assert slow_s > 0.1 and slow_s > fast_s


async def test_count_tokens_not_recorded_is_404(tmp_path: Path) -> None:
    path, _, _ = await record(tmp_path, script())
    transport = CassetteTransport(path)
    async with sdk(transport) as client:
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.count_tokens(model=MODEL, messages=[{"role": "user", "content": "x"}])
        await conversation(client)
    assert transport.finished


def test_bad_cassettes_say_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "header", "version": 1}\n{"kind": "exchange"\n')
    with pytest.raises(CassetteError, match=r"bad.jsonl:2: not JSON"):
        CassetteTransport(bad)
    bad.write_text('{"kind": "exchange", "response": {"status": "x"}}\n')
    with pytest.raises(CassetteError, match="status must be an integer"):
        load_cassette(bad)
    with pytest.raises(CassetteError, match="cannot read"):
        load_cassette(tmp_path / "missing.jsonl")
    with pytest.raises(CassetteError, match="needs a response or an error"):
        CassetteTransport([{"kind": "exchange", "response": None}])


async def test_a_cassette_recorded_by_workbench_run_replays_through_the_session(tmp_path: Path) -> None:
    """`workbench run --record` against the peer, then the same session replayed offline with live tools."""
    import os
    import subprocess
    import sys

    from workbench.config import Config
    from workbench.core.agent.session import AgentSession
    from workbench.core.approvals import DenyAll
    from workbench.core.events import ToolCallFinished, TurnDone
    from workbench.demo import demo_persona

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "notes.txt").write_text("the answer is 42\n")
    cassette = tmp_path / "run.cassette.jsonl"
    persona = Path(__file__).resolve().parents[2] / "agents" / "backend-architect.md"
    turns = [reply(text("Reading."), tool_use("Read", {"file_path": "notes.txt"})), reply("It says 42.")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    with MessagesPeer(turns) as peer:
        env.update(ANTHROPIC_BASE_URL=peer.url, ANTHROPIC_API_KEY=KEY)
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "workbench",
                "run",
                "what do the notes say?",
                "--persona",
                str(persona),
                "--cwd",
                str(repo),
                "--record",
                str(cassette),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    raw = cassette.read_text()
    assert KEY not in raw and "secretsecret" not in raw
    assert [r["request"]["messages"] for r in load_cassette(cassette)] == [1, 3]
    (repo / "notes.txt").write_text("the answer is now 43\n")  # tools stay live on replay
    session = AgentSession.create(
        repo, demo_persona(persona), approver=DenyAll(), transport=CassetteTransport(cassette), config=Config()
    )
    events = [e async for e in session.run_turn("what do the notes say?")]
    await session.aclose()
    read = next(e for e in events if isinstance(e, ToolCallFinished))
    assert "43" in read.output and not read.is_error
    done = events[-1]
    assert isinstance(done, TurnDone) and done.stop_reason == "end_turn" and done.final_text == "It says 42."


async def test_a_turn_cancelled_while_recording_is_marked(tmp_path: Path) -> None:
    path = tmp_path / "cancelled.jsonl"
    slow = reply(text("word " * 300), delay=0.01)
    with MessagesPeer([slow]) as peer:
        recorder = RecordingTransport(httpx2.AsyncHTTPTransport(), path)
        async with (
            sdk(recorder, peer.url) as client,
            client.messages.stream(
                model=MODEL, max_tokens=10, tools=TOOLS, messages=[{"role": "user", "content": "x"}]
            ) as s,
        ):
            async for ev in s:
                if ev.type == "text":
                    break  # the user pressed Esc
    records = load_cassette(path)
    assert len(records) == 1 and records[0]["error"].startswith("ReadError")
    assert 0 < len(records[0]["response"]["body"]) < 3000
    async with sdk(CassetteTransport(path)) as client:
        with raises_transport(httpx2.ReadError, "connection"):
            await one_turn(client, [{"role": "user", "content": "x"}])
