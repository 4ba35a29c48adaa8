"""Delegation on the screen, against the real session and the Messages API test peer: the subagent's run nests
in a card at its Agent call, its approval is asked inline and labelled with it, and its text stays in the card."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tests.core.agent.test_delegation import Router, agent_call, write_personas
from tests.tui.conftest import wait_until
from workbench.config import Config
from workbench.core.agent.client import make_client
from workbench.core.agent.session import AgentSession
from workbench.core.approvals import DenyAll
from workbench.core.personas.discovery import discover
from workbench.core.trust import remember
from workbench.testing import MessagesPeer, reply, text, tool_use
from workbench.tui.app import create_app
from workbench.tui.widgets.answer import AnswerView
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard
from workbench.tui.widgets.subagent import SubagentCard, frozen_renderable


async def test_a_subagent_run_nests_in_its_card(sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_personas(sample_repo / ".claude" / "agents")  # project personas: the session's load set finds them
    remember(sample_repo, True)  # the project is trusted: no question before the first turn
    lead = discover(sample_repo).get("lead")
    assert lead is not None
    router = Router.of(
        lead=[agent_call("runner", "Read src/retry.py, then run date."), reply(text("The runner is done."))],
        runner=[
            reply(text("Reading first. CHILD-TEXT"), tool_use("Read", {"file_path": "src/retry.py"})),
            reply(tool_use("Bash", {"command": "date +ran-%Y"})),
            reply(text("retry.py retries; date ran. CHILD-ANSWER")),
        ],
    )
    with MessagesPeer(router.turns()) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, persona=lead, config=Config())
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            await pilot.press(*"hand it to the runner", "enter")
            await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=20)
            approval = screen.query_one(ApprovalCard)
            assert approval.request.agent_path == ("runner",) and approval.request.persona_id == "runner"
            assert str(approval.border_title).startswith("Approval needed · runner › Run: date")
            (card,) = screen.query(SubagentCard)
            assert card.data.status == "waiting" and card.data.persona_id == "runner"
            await pilot.pause(GRACE_S + 0.05)
            await pilot.press("y")
            await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)

            assert card.data.status == "done" and card.data.answer.endswith("CHILD-ANSWER")
            assert [c.tool for c in card.data.calls.values()] == ["Read", "Bash"]
            bash = list(card.data.calls.values())[1].finished
            assert bash is not None and bash.decision == "approved" and bash.output.startswith("ran-")
            answers = [v.text for v in screen.query(AnswerView)]
            assert not any("CHILD" in a for a in answers) and any("The runner is done." in a for a in answers)
            agent = [c for c in screen.query(EvidenceCard) if c.data.tool == "Agent"]
            assert len(agent) == 1 and card.eid == agent[0].data.eid
            kinds = [e.kind for e in screen.chat.transcript.entries]
            assert kinds.index("evidence") < kinds.index("subagent") < kinds.index("approval")


async def test_a_resumed_session_shows_the_nested_run(sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_personas(sample_repo / ".claude" / "agents")
    remember(sample_repo, True)
    lead = discover(sample_repo).get("lead")
    assert lead is not None
    router = Router.of(
        lead=[agent_call("reviewer"), reply(text("Reviewed."))],
        reviewer=[reply(tool_use("Read", {"file_path": "src/retry.py"})), reply(text("Fine. SAVED-CHILD-ANSWER"))],
    )
    with MessagesPeer(router.turns()) as peer:
        session = AgentSession.create(
            sample_repo, lead, approver=DenyAll(), client=make_client(api_key="k", base_url=peer.url)
        )
        async for _ in session.run_turn("review it"):
            pass
        await session.aclose()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    app = create_app(sample_repo, resume=session.id, config=Config())
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        transcript = screen.chat.transcript
        await wait_until(pilot, lambda: any(e.kind == "subagent" for e in transcript.entries), timeout=10)
        await pilot.pause()
        (card,) = screen.query(SubagentCard)  # among the newest entries: a card, as in the live session
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(frozen_renderable(card.data))  # the same panel its entry freezes to
        shown = console.export_text()
        assert "Agent · reviewer · review app" in shown and "SAVED-CHILD-ANSWER" in shown and "✓ done" in shown
        assert "src/retry.py" in shown
        agent = [e for e in transcript.evidence_entries() if e.eid and transcript.evidence[e.eid].tool == "Agent"]
        assert card.eid == agent[0].eid and [c.eid for c in card.data.calls.values()] == [f"{card.eid}.1"]
