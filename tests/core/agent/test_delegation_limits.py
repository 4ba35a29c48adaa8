"""Delegation's limits: cancelling, scoped grants, failures, plans, and the parent's mode and rules in the child."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import pytest

from tests.core.agent.helpers import ScriptedApprover, git_repo
from tests.core.agent.test_delegation import (
    Router,
    agent_call,
    collect,
    finished,
    load,
    marker,
    open_session,
    write_personas,
)
from workbench.core.approvals import Decision
from workbench.core.events import ErrorEvent, Event, PlanUpdated, SubagentFinished, ToolCallReady, TurnDone
from workbench.core.personas.model import Persona
from workbench.testing import MessagesPeer, reply, status, text, tool_use


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


@pytest.fixture
def personas(repo: Path, tmp_path: Path) -> dict[str, Persona]:
    return load(write_personas(tmp_path / "agents"), repo)


def sleepers(tag: str) -> list[int]:
    """Pids of live `sleep <tag>` processes."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[:2] == [b"sleep", tag.encode()]:
                found.append(int(entry.name))
    return found


async def test_cancelling_the_parent_stops_the_child_and_its_tool(repo: Path, personas: dict[str, Persona]) -> None:
    tag = "31.4159"
    router = Router.of(
        lead=[agent_call("runner", "Wait a while.")],
        runner=[reply(tool_use("Bash", {"command": f"sleep {tag}"}))],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer, allow=[f"Bash(sleep {tag})"])
        seen: list[Event] = []
        running = asyncio.Event()

        async def consume() -> None:
            async for event in session.run_turn("wait through the runner"):
                seen.append(event)
                if isinstance(event, ToolCallReady) and event.agent_path == ("runner",):
                    running.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(running.wait(), 10)
        for _ in range(100):  # the command starts right after the call is ready
            if sleepers(tag):
                break
            await asyncio.sleep(0.02)
        assert sleepers(tag)
        started = time.monotonic()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 5
        for _ in range(100):
            if not sleepers(tag):
                break
            await asyncio.sleep(0.02)
        assert not sleepers(tag)
        last = session.events[-1]
        assert isinstance(last, TurnDone) and last.stop_reason == "cancelled" and last.agent_path == ()
        closing = session.history[-1]["content"][0]
        assert closing["type"] == "tool_result" and closing["is_error"] and "Cancelled" in closing["content"]
        assert not any(isinstance(e, SubagentFinished) for e in session.events)
        await session.aclose()


async def test_a_scoped_grant_offers_only_the_named_agents(repo: Path, tmp_path: Path) -> None:
    folder = write_personas(tmp_path / "agents", ["reviewer", "runner", "leaf"])
    (folder / "boss.md").write_text(
        f"---\nname: boss\ndescription: d\ntools: Read, Agent(reviewer)\n---\nYou decide. {marker('boss')}\n"
    )
    personas = load(folder, repo)
    router = Router.of(boss=[agent_call("runner"), reply(text("ok"))])
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer, root="boss")
        events = await collect(session, "go")
        await session.aclose()
        spec = next(t for t in (peer.message_requests[0].body or {})["tools"] if t["name"] == "Agent")
    assert spec["input_schema"]["properties"]["subagent_type"]["enum"] == ["reviewer"]
    (agent,) = finished(events)
    assert agent.is_error and "valid subagent types: reviewer" in agent.output


async def test_a_failing_child_request_is_an_error_result(repo: Path, personas: dict[str, Persona]) -> None:
    router = Router.of(
        lead=[agent_call("reviewer"), reply(text("The reviewer failed; I will look myself."))],
        reviewer=[status(400, body={"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}})],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer)
        events = await collect(session, "review")
        await session.aclose()
    (agent,) = finished(events)
    assert agent.is_error and agent.output.startswith("The subagent reviewer failed:")
    done = next(e for e in events if isinstance(e, SubagentFinished))
    assert done.stop_reason == "error"
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert [e.agent_path for e in errors] == [("reviewer",)]
    last = events[-1]
    assert isinstance(last, TurnDone) and last.stop_reason == "end_turn"


async def test_a_child_plan_is_its_own(repo: Path, tmp_path: Path) -> None:
    folder = write_personas(tmp_path / "agents", ["lead", "reviewer"])
    (folder / "reviewer.md").write_text(
        f"---\nname: reviewer\ndescription: d\ntools: Read, TodoWrite\n---\nYou plan. {marker('reviewer')}\n"
    )
    (folder / "lead.md").write_text(
        f"---\nname: lead\ndescription: d\ntools: Read, TodoWrite, Agent\n---\nYou lead. {marker('lead')}\n"
    )
    personas = load(folder, repo)
    todos = [{"content": "child step", "status": "in_progress", "activeForm": "Stepping"}]
    router = Router.of(
        lead=[agent_call("reviewer"), reply(text("ok"))],
        reviewer=[reply(tool_use("TodoWrite", {"todos": todos})), reply(text("planned"))],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer)
        events = await collect(session, "go")
        await session.aclose()
    (todo,) = finished(events, ("reviewer",))
    assert not todo.is_error and session.plan == []
    assert not any(isinstance(e, PlanUpdated) for e in events)


async def test_the_parent_mode_and_persona_rules_bind_the_child(repo: Path, tmp_path: Path) -> None:
    """Plan mode and the parent persona's git rule hold inside the child, whose own grant has Bash."""
    folder = write_personas(tmp_path / "agents", ["lead", "runner"])
    lead = folder / "lead.md"
    lead.write_text(lead.read_text() + "\nNO Git operations without explicit user approval.\n")
    personas = load(folder, repo)
    assert any(p.kind == "ask" for p in personas["lead"].policies)
    router = Router.of(
        lead=[
            agent_call("runner", "Make a file."),
            reply(text("ok")),
            agent_call("runner", "Commit."),
            reply(text("ok")),
        ],
        runner=[
            reply(tool_use("Bash", {"command": "touch made-in-plan-mode"})),
            reply(text("refused")),
            reply(tool_use("Bash", {"command": "git status"})),
            reply(text("asked")),
        ],
    )
    approver = ScriptedApprover([Decision(allow=False, reason="no")])
    with MessagesPeer(router.turns()) as peer:
        planning = open_session(repo, personas, peer, mode="plan")
        events = await collect(planning, "make it")
        await planning.aclose()
        guarded = open_session(repo, personas, peer, approver=approver, mode="acceptEdits")
        more = await collect(guarded, "commit it")
        await guarded.aclose()
    (touch,) = finished(events, ("runner",))
    assert touch.decision == "deny" and "plan mode" in touch.output and not (repo / "made-in-plan-mode").exists()
    (asked,) = approver.asked
    assert asked.agent_path == ("runner",) and asked.rule == "persona:git-approval" and not asked.rememberable
    (git,) = finished(more, ("runner",))
    assert git.decision == "denied"


async def test_a_child_stopped_by_its_max_turns_says_so(repo: Path, tmp_path: Path) -> None:
    folder = write_personas(tmp_path / "agents", ["lead"])
    (folder / "brief.md").write_text(
        f"---\nname: brief\ndescription: d\ntools: Read\nmaxTurns: 1\n---\nYou are brief. {marker('brief')}\n"
    )
    personas = load(folder, repo)
    assert personas["brief"].max_turns == 1
    router = Router.of(
        lead=[agent_call("brief"), reply(text("It ran out of turns."))],
        brief=[reply(text("Looking."), tool_use("Read", {"file_path": "app.py"}))],
    )
    with MessagesPeer(router.turns()) as peer:
        session = open_session(repo, personas, peer)
        events = await collect(session, "go")
        await session.aclose()
    (agent,) = finished(events)
    assert not agent.is_error and agent.output == "[brief stopped at its limit of 1 requests]\nLooking."
    done = next(e for e in events if isinstance(e, SubagentFinished))
    assert done.stop_reason == "max_turns" and done.tool_calls == 1
