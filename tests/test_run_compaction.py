"""Context compaction through the Messages API peer: automatic in a headless run, `--continue` afterwards,
by hand through the session, and what a failed summary request leaves behind."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic
import pytest

from tests.core.agent.helpers import ScriptedApprover, git_repo, run_cli, sessions_folder
from workbench.config import Config
from workbench.core.agent.compact import SUMMARY_HEADER, compact_at
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import Decision, DenyAll, Scope
from workbench.core.events import Compacted, PlanItem, TurnDone
from workbench.core.models import context_window
from workbench.core.personas.model import Persona
from workbench.core.session_store import SessionStore
from workbench.testing import MessagesPeer, reply, status, text, tool_use

SUMMARY = "## Goal\nGreet people.\n## Files touched\napp.py: greet()\n## Current state\nRead app.py twice."
NEAR_WINDOW = {"input_tokens": 170_000}  # with the default 200k window and compact_at 0.8 (160k): over


def _events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_a_headless_run_near_the_window_compacts_on_its_own_and_continue_resumes_the_summary(
    tmp_path: Path,
) -> None:
    repo = git_repo(tmp_path / "repo")
    home = tmp_path / "home"
    script = [
        reply(text("Reading."), tool_use("Read", {"file_path": "app.py"}), usage={"input_tokens": 40_000}),
        reply(text("Reading again."), tool_use("Read", {"file_path": "app.py"}), usage=NEAR_WINDOW),
        reply(text(SUMMARY), usage=NEAR_WINDOW),  # the summary request: the whole conversation as its input
        reply(text("Done after compacting.")),
    ]
    with MessagesPeer(script) as peer:
        run = run_cli(
            ["run", "greet", "--cwd", str(repo), "--output-format", "stream-json"], base_url=peer.url, home=home
        )
        assert run.returncode == 0, run.stderr
        requests = peer.message_requests
        peer.push(reply(text("Still here.")))
        again = run_cli(
            ["run", "and now?", "--cwd", str(repo), "--continue", "--output-format", "json"],
            base_url=peer.url,
            home=home,
        )
        resumed = peer.message_requests[-1]
    events = _events(run.stdout)
    types = [e["type"] for e in events]
    assert types.count("compacted") == 1 and types.index("compacted") < types.index("turn_done")
    done = events[types.index("compacted")]
    assert done["trigger"] == "auto" and done["summary"] == SUMMARY and done["window"] == 200_000
    assert done["tokens_before"] >= 170_000 > done["tokens_after"] > 0 and done["estimated"] is False
    assert events[-1]["type"] == "result" and events[-1]["final_text"] == "Done after compacting."

    assert len(requests) == 4
    before, summary_request, after = requests[1], requests[2], requests[3]
    # The summary request is the normal request plus one instruction: same prefix, so it reads the cache.
    assert summary_request.system_text() == before.system_text() and summary_request.tool_names()
    assert summary_request.tool_names() == before.tool_names()
    assert "Do not call any tool" in summary_request.messages[-1]["content"][-1]["text"]
    assert summary_request.cache is not None and summary_request.cache.cached_share > 0.5
    # The next request carries the summary instead of the old turns, after the same cached system and tools.
    assert len(after.messages) == 1 < len(before.messages) < len(summary_request.messages)
    sent = after.messages[0]["content"][0]["text"]
    assert sent.startswith(SUMMARY_HEADER) and SUMMARY in sent and "app.py" in sent and "Continue the task" in sent
    assert after.system_text() == before.system_text() and after.tool_names() == before.tool_names()
    assert after.cache is not None and after.cache.cache_read_tokens > 0

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["final_text"] == "Still here."
    # The compacted history and what followed it, not the full one: summary, last answer, new prompt.
    assert [m["role"] for m in resumed.messages] == ["user", "assistant", "user"]
    assert SUMMARY in resumed.messages[0]["content"][0]["text"]
    assert resumed.messages[1]["content"][0]["text"] == "Done after compacting."
    assert resumed.messages[2]["content"][-1]["text"] == "and now?"

    transcript = next(sessions_folder(home).glob("*[0-9a-f].jsonl"))
    loaded = SessionStore(repo, root=sessions_folder(home)).load(transcript.stem)
    kept = [e.type for e in loaded.events]
    assert kept.count("turn_started") == 2 and kept.count("tool_call_finished") == 2  # every original turn kept


@pytest.fixture
def session_env(tmp_path: Path, isolated_env: Path) -> Path:
    return git_repo(tmp_path / "repo")


async def test_compacting_by_hand_keeps_plan_and_grants_and_counts_its_cost(session_env: Path) -> None:
    repo = session_env
    script = [
        reply(text("Checking."), tool_use("Bash", {"command": "touch notes.txt"})),
        reply(text("First answer.")),
        reply(text(SUMMARY)),
        reply(text("Second answer.")),
    ]
    approver = ScriptedApprover([Decision(allow=True, scope=Scope.SESSION)])
    with MessagesPeer(script) as peer:
        session = AgentSession.create(repo, _persona(), approver=approver, client=_client(peer), config=Config())
        [e async for e in session.run_turn("hello")]
        session.set_plan([PlanItem(content="write the greeting", status="in_progress")])
        grants = [g.pattern for g in session.ledger.list()]
        assert approver.asked and grants
        usage_before = session.usage
        events = [e async for e in session.compact("keep the greeting wording")]
        compacted = [e for e in events if isinstance(e, Compacted)]
        assert len(compacted) == 1 and compacted[0].trigger == "manual" and compacted[0].messages_before == 4
        instruction = peer.message_requests[2].messages[-1]["content"][-1]["text"]
        assert instruction.endswith("The user adds: keep the greeting wording")
        first = session.history[0]["content"][0]["text"]
        assert len(session.history) == 1 and "1. [in_progress] write the greeting" in first
        assert session.plan and [g.pattern for g in session.ledger.list()] == grants
        assert session.usage.output_tokens > usage_before.output_tokens  # the summary request is paid for
        turn = [e async for e in session.run_turn("git status again")]
        assert isinstance(turn[-1], TurnDone) and turn[-1].final_text == "Second answer."
        assert len(peer.message_requests[3].messages) == 1  # the summary, with the new prompt merged in
        sid, total, history = session.id, session.usage, list(session.history)
        await session.aclose()
        resumed = AgentSession.resume(sid, repo, approver=DenyAll(), client=_client(peer))
        assert resumed.usage == total and resumed.history == history and len(history) == 2 and resumed.plan
        assert [g.pattern for g in resumed.ledger.list()] == grants
        await resumed.aclose()


async def test_a_failed_summary_request_leaves_the_history_and_says_so(session_env: Path) -> None:
    repo = session_env
    script = [reply(text("First answer.")), status(400)]
    with MessagesPeer(script) as peer:
        session = AgentSession.create(repo, _persona(), approver=DenyAll(), client=_client(peer), config=Config())
        [e async for e in session.run_turn("hello")]
        history = list(session.history)
        events = [e async for e in session.compact()]
        assert [e.type for e in events] == ["notice"] and "could not compact" in events[0].message
        assert session.history == history
        await session.aclose()


def test_the_threshold_and_the_window_come_from_the_config() -> None:
    assert compact_at(None) == 0.8 and compact_at(90) == 0.9 and compact_at(0) == 0 and compact_at(False) == 0
    assert compact_at(0.5) == 0.5 and compact_at(99.5) == 0.98
    assert compact_at("lots") == 0.8 and compact_at(0.01) == 0.3
    assert Config(data={"agent": {"compact_at": 0.7}}).agent.compact_at == 0.7
    config = Config(data={"windows": {"claude-sonnet": 1_000_000, "qwen": 32_768, "bad": "x", "zero": 0}})
    assert sorted(config.windows) == ["claude-sonnet", "qwen"] and len(config.errors) == 2  # the bad ones named
    assert context_window("claude-sonnet-5-5", config) == 1_000_000
    assert context_window("claude-haiku-5-5", config) == 200_000
    assert context_window("qwen3-coder", config) == 32_768 and context_window("llama", config) == 200_000


def _persona() -> Persona:
    from workbench.core.agent.builtin import builtin_persona

    return builtin_persona()


def _client(peer: MessagesPeer) -> anthropic.AsyncAnthropic:
    from workbench.core.agent.client import make_client

    return make_client(api_key="sk-ant-test", base_url=peer.url)


async def test_a_rewind_to_a_turn_before_a_compaction_leaves_the_conversation(session_env: Path) -> None:
    """The message counts a turn's checkpoint took mean nothing once the history was replaced by a summary."""
    repo = session_env
    script = [reply(text("One.")), reply(text("Two.")), reply(text(SUMMARY)), reply(text("Three."))]
    with MessagesPeer(script) as peer:
        session = AgentSession.create(repo, _persona(), approver=DenyAll(), client=_client(peer), config=Config())
        for prompt in ("first", "second"):
            [e async for e in session.run_turn(prompt)]
        [e async for e in session.compact()]
        [e async for e in session.run_turn("third")]
        history = list(session.history)
        rewinder = session.rewinder()
        before = rewinder.plan(to_turn=2, files=False)
        assert not before.conversation and any("compacted" in note for note in before.notes)
        after = rewinder.plan(to_turn=3, files=False)  # the turn after the compaction: its count is still good
        assert after.conversation and after.messages_kept == 1
        assert session.history == history
        await session.aclose()
