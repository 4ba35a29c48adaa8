"""AgentSession with the real tools, policy and personas, against the peer over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.core.agent.helpers import ScriptedApprover, git_repo
from workbench.core.agent.client import make_client
from workbench.core.agent.resume import INTERRUPTED_RESULT
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import Decision, DenyAll, PermissionMode, Scope
from workbench.core.events import (
    ApprovalRequested,
    ContractReport,
    Event,
    PlanItem,
    PlanUpdated,
    ToolCallFinished,
    TurnDone,
)
from workbench.core.personas.discovery import discover
from workbench.core.personas.model import Persona
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, stall, status, text, tool_use

SEED_002 = "002_95e2983c5ed8de10.txt"
SEED_003 = "003_63d2144bd07b97c7.txt"


def seed(seeds_dir: Path, name: str, cwd: Path) -> Persona:
    persona = discover(cwd, [seeds_dir / name]).by_path(seeds_dir / name)
    assert persona is not None
    return persona


async def collect(session: AgentSession, prompt: str) -> list[Event]:
    return [e async for e in session.run_turn(prompt)]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


async def test_plan_from_todowrite_and_user_edits_reach_the_model(repo: Path, seeds_dir: Path) -> None:
    todos = [
        {"content": "Read the code", "status": "in_progress", "activeForm": "Reading"},
        {"content": "Write the report", "status": "pending"},
    ]
    script = [reply(tool_use("TodoWrite", {"todos": todos})), reply(text("Planned.")), reply(text("Noted."))]
    with MessagesPeer(script) as peer:
        client = make_client(api_key="k", base_url=peer.url)
        session = AgentSession.create(repo, seed(seeds_dir, SEED_003, repo), approver=DenyAll(), client=client)
        events = await collect(session, "plan it")
        plans = [e for e in events if isinstance(e, PlanUpdated)]
        assert len(plans) == 1 and plans[0].source == "agent"
        assert [i.content for i in session.plan] == ["Read the code", "Write the report"]
        session.set_plan([PlanItem(content="Only this", status="pending")])
        await collect(session, "go on")
        last = peer.message_requests[-1].messages[-1]["content"]
        assert last[0]["text"].startswith("<system-reminder>The user edited the plan.")
        assert "1. [pending] Only this" in last[0]["text"] and last[1]["text"] == "go on"
        await session.aclose()


async def test_contract_report_for_seed_002(repo: Path, seeds_dir: Path) -> None:
    answer = "## 1. Executive Summary\nfine\n"
    with MessagesPeer([reply(text(answer))]) as peer:
        persona = seed(seeds_dir, SEED_002, repo)
        assert persona.output_contract is not None
        session = AgentSession.create(
            repo, persona, approver=DenyAll(), client=make_client(api_key="k", base_url=peer.url)
        )
        events = await collect(session, "design it")
        await session.aclose()
    report = next(e for e in events if isinstance(e, ContractReport))
    assert len(report.required) == 7 and len(report.missing) >= 6
    assert isinstance(events[-1], TurnDone) and events[-1].stop_reason == "end_turn"


async def test_session_grants_plan_history_and_usage_survive_resume(repo: Path, seeds_dir: Path) -> None:
    script = [
        reply(tool_use("Bash", {"command": "date +first"})),
        reply(text("ran it")),
        reply(tool_use("Bash", {"command": "date +first"})),
        reply(text("ran it again")),
    ]
    persona = seed(seeds_dir, SEED_003, repo)
    store = SessionStore(repo)
    with MessagesPeer(script) as peer:
        approver = ScriptedApprover([Decision(allow=True, scope=Scope.SESSION)])
        first = AgentSession.create(
            repo, persona, approver=approver, store=store, client=make_client(api_key="k", base_url=peer.url)
        )
        events = await collect(first, "run date")
        assert len(approver.asked) == 1 and approver.asked[0].proposals.get("session")
        first.set_plan([PlanItem(content="keep going", status="in_progress")])
        usage = first.usage
        await first.aclose()

        again = ScriptedApprover([])
        resumed = AgentSession.resume(
            "latest", repo, approver=again, store=store, client=make_client(api_key="k", base_url=peer.url)
        )
        assert resumed.id == first.id and resumed.persona.id == persona.id
        assert resumed.history == first.history and resumed.plan == [
            PlanItem(content="keep going", status="in_progress")
        ]
        assert resumed.usage == usage and len(resumed.events) == len(first.events)
        more = await collect(resumed, "run it again")
        await resumed.aclose()
    assert again.asked == []  # the session grant came back from the transcript
    finished = [e for e in more if isinstance(e, ToolCallFinished)]
    assert finished[0].output.startswith("first") and finished[0].decision == "allow"
    assert not any(isinstance(e, ApprovalRequested) for e in more)
    assert next(e for e in events if isinstance(e, ToolCallFinished)).decision == "approved"


async def test_cancel_records_a_cancelled_turn_and_the_session_goes_on(repo: Path, seeds_dir: Path) -> None:
    script = [reply(tool_use("Bash", {"command": "sleep 20"}, id="toolu_sleep")), reply(text("after cancel"))]
    with MessagesPeer(script) as peer:
        session = AgentSession.create(
            repo,
            seed(seeds_dir, SEED_003, repo),
            approver=DenyAll(),
            allow=["Bash(sleep:*)"],
            client=make_client(api_key="k", base_url=peer.url),
        )
        seen: list[Event] = []

        async def consume() -> None:
            async for event in session.run_turn("sleep"):
                seen.append(event)

        task = asyncio.create_task(consume())
        for _ in range(500):
            if any(e.type == "tool_call_ready" for e in seen):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        started = asyncio.get_running_loop().time()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert asyncio.get_running_loop().time() - started < 2
        done = session.events[-1]
        assert isinstance(done, TurnDone) and done.stop_reason == "cancelled"
        assert session.history[-1]["content"][0]["tool_use_id"] == "toolu_sleep"
        after = await collect(session, "continue")
        sent = peer.message_requests[-1].messages
        await session.aclose()
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[-1]["content"][-1]["text"] == "continue"
    assert isinstance(after[-1], TurnDone) and after[-1].final_text == "after cancel"
    loaded = SessionStore(repo).load(session.id)
    assert loaded.messages == session.history


@pytest.mark.parametrize("fault", [status(529, retry_after=0.01), stall(700, 2.0)], ids=["529", "stall"])
async def test_faults_keep_the_transcript_whole(repo: Path, seeds_dir: Path, fault: object, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[agent]\nread_timeout_s = 0.4\nretry_base_s = 0.01\n")
    from workbench.config import load_config

    with MessagesPeer([fault, reply(text("recovered"))]) as peer:  # type: ignore[list-item]
        session = AgentSession.create(
            repo,
            seed(seeds_dir, SEED_003, repo),
            approver=DenyAll(),
            config=load_config(config),
            transport=None,
            client=make_client(api_key="k", base_url=peer.url, timeout=0.4),
        )
        events = await collect(session, "hi")
        await session.aclose()
    assert [e.type for e in events].count("retrying") == 1
    loaded = SessionStore(repo).load(session.id)
    assert loaded.skipped_lines == 0 and [m["role"] for m in loaded.messages] == ["user", "assistant"]
    assert loaded.events[-1] == events[-1]


def test_resume_repairs_a_tool_use_without_result(repo: Path, seeds_dir: Path) -> None:
    store = SessionStore(repo)
    persona = seed(seeds_dir, SEED_003, repo)
    t = store.create(
        "20260101-000000-dddddd",
        {
            "workspace": str(repo),
            "model": "claude-sonnet-5-5",
            "persona": {"id": persona.id, "path": persona.source.path},
        },
    )
    t.message({"role": "user", "content": [{"type": "text", "text": "go"}]})
    t.message(
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_x", "name": "Bash", "input": {"command": "sleep 9"}}],
        }
    )
    t.close()
    session = AgentSession.resume("latest", repo, approver=DenyAll(), store=store)
    assert session.persona.source.path == persona.source.path
    assert session.history[-1] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": INTERRUPTED_RESULT, "is_error": True}],
    }
    assert store.load("latest").messages == session.history
    session.transcript.close()


async def test_no_credentials_explains_instead_of_failing(repo: Path, seeds_dir: Path) -> None:
    session = AgentSession.create(repo, seed(seeds_dir, SEED_003, repo), approver=DenyAll())
    events = await collect(session, "hi")
    await session.aclose()
    assert [e.type for e in events] == ["turn_started", "error", "turn_done"]
    assert events[1].to_json()["kind"] == "auth" and "ANTHROPIC_API_KEY" in events[1].to_json()["hint"]
    assert "ANTHROPIC_BASE_URL" in events[1].to_json()["hint"]


async def test_an_unwritable_transcript_warns_and_the_turn_goes_on(repo: Path, seeds_dir: Path) -> None:
    import os

    with MessagesPeer([reply(text("still answering"))]) as peer:
        session = AgentSession.create(
            repo,
            seed(seeds_dir, SEED_003, repo),
            approver=DenyAll(),
            client=make_client(api_key="k", base_url=peer.url),
        )
        os.close(session.transcript._fh.fileno())  # the disk went away under the session
        events = await collect(session, "hi")
        await session.aclose()
    warnings = [e for e in events if e.type == "notice"]
    assert len(warnings) == 1 and "not being saved" in warnings[0].to_json()["message"]
    assert isinstance(events[-1], TurnDone) and events[-1].final_text == "still answering"


async def test_resume_reuses_the_system_prompt_snapshot(repo: Path, seeds_dir: Path) -> None:
    store = SessionStore(repo)
    persona = seed(seeds_dir, SEED_003, repo)
    with MessagesPeer([reply(text("one")), reply(text("two"))]) as peer:
        first = AgentSession.create(
            repo, persona, approver=DenyAll(), store=store, client=make_client(api_key="k", base_url=peer.url)
        )
        await collect(first, "hi")
        await first.aclose()
        (repo / "new_file.py").write_text("x = 1\n")  # the git status changes between the runs
        resumed = AgentSession.resume(
            "latest", repo, approver=DenyAll(), store=store, client=make_client(api_key="k", base_url=peer.url)
        )
        await collect(resumed, "again")
        await resumed.aclose()
        first_body, second_body = (r.body or {} for r in peer.message_requests)
    assert first_body["system"] == second_body["system"] and first_body["tools"] == second_body["tools"]
    assert "new_file.py" not in resumed.system_prompt


def test_a_bad_mode_leaves_no_session_behind(repo: Path, seeds_dir: Path) -> None:
    store = SessionStore(repo)
    with pytest.raises(ValueError, match="permission mode"):
        AgentSession.create(repo, seed(seeds_dir, SEED_003, repo), approver=DenyAll(), mode="yolo", store=store)
    assert store.ids() == []


async def test_set_model_applies_to_the_next_request_and_survives_resume(repo: Path, seeds_dir: Path) -> None:
    store = SessionStore(repo)
    with MessagesPeer([reply(text("one")), reply(text("two"))]) as peer:
        session = AgentSession.create(
            repo,
            seed(seeds_dir, SEED_003, repo),
            approver=DenyAll(),
            store=store,
            client=make_client(api_key="k", base_url=peer.url),
        )
        await collect(session, "hi")
        assert session.set_model("opus") == "claude-opus-5-5"
        await collect(session, "again")
        await session.aclose()
        models = [r.model for r in peer.message_requests]
    assert models == ["claude-sonnet-5-5", "claude-opus-5-5"]
    resumed = AgentSession.resume("latest", repo, approver=DenyAll(), store=store, client=make_client(api_key="k"))
    assert resumed.model == "claude-opus-5-5"
    await resumed.aclose()


async def test_foreign_tool_names_are_adapted_to_the_offered_canonical_tool(repo: Path, seeds_dir: Path) -> None:
    # Gemini's read_file (0-based offset, `absolute_path`) runs as Read; an unknown name is still refused.
    script = [
        reply(
            tool_use("read_file", {"absolute_path": "app.py", "offset": 1, "limit": 1}),
            tool_use("frobnicate", {"x": 1}),
        ),
        reply(text("Read it.")),
    ]
    with MessagesPeer(script) as peer:
        client = make_client(api_key="k", base_url=peer.url)
        session = AgentSession.create(repo, seed(seeds_dir, SEED_003, repo), approver=DenyAll(), client=client)
        events = await collect(session, "read app.py")
        done = [e for e in events if isinstance(e, ToolCallFinished)]
        assert [e.tool for e in done] == ["Read", "frobnicate"]
        assert not done[0].is_error and "return f'hello {name}'" in done[0].output
        assert "greet" not in done[0].output  # offset 1 (0-based) is the second line only
        assert done[1].is_error and "Unknown tool 'frobnicate'" in done[1].output
        await session.aclose()


async def test_set_mode_applies_to_the_next_call_and_survives_resume(repo: Path, seeds_dir: Path) -> None:
    store = SessionStore(repo)
    write = tool_use("Write", {"file_path": "new.txt", "content": "x"})
    with MessagesPeer([reply(write), reply(text("could not"))]) as peer:
        session = AgentSession.create(
            repo,
            seed(seeds_dir, SEED_003, repo),
            approver=DenyAll(),
            store=store,
            client=make_client(api_key="k", base_url=peer.url),
        )
        assert session.set_mode("plan") == PermissionMode.PLAN == session.mode
        events = await collect(session, "write it")
        await session.aclose()
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished and finished[0].is_error and "plan mode" in finished[0].output
    assert not (repo / "new.txt").exists()
    with pytest.raises(ValueError, match="bypassPermissions"):
        session.set_mode("bypassPermissions")
    with pytest.raises(ValueError, match="permission mode"):
        session.set_mode("yolo")
    resumed = AgentSession.resume("latest", repo, approver=DenyAll(), store=store, client=make_client(api_key="k"))
    assert resumed.mode is PermissionMode.PLAN
    await resumed.aclose()
