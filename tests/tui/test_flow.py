"""The whole flow by keys, against the real session and the Messages API test peer:
prompt -> streaming answer -> approval -> evidence -> plan update -> the user's plan edit reaches the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tui.conftest import wait_until
from workbench.config import Config
from workbench.testing import MessagesPeer, reply, text, tool_use
from workbench.tui.app import create_app
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard

TODOS = {
    "todos": [
        {"content": "Read retry.py", "status": "completed", "activeForm": "Reading retry.py"},
        {"content": "Bound the attempts", "status": "in_progress", "activeForm": "Bounding the attempts"},
    ]
}


async def test_prompt_answer_approval_evidence_plan(sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    turns = [
        reply(text("Let me look at the retry helper first."), tool_use("Read", {"file_path": "src/retry.py"})),
        reply(tool_use("TodoWrite", TODOS)),
        reply(tool_use("Edit", {"file_path": "src/retry.py", "old_string": "attempts=5", "new_string": "attempts=3"})),
        reply(text("Done: attempts are now bounded to **3**.")),
        reply(text("Noted.")),
    ]
    with MessagesPeer(turns) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, config=Config())
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            await pilot.press(*"bound the retries", "enter")
            await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=20)
            card = screen.query_one(ApprovalCard)
            assert (
                card.request.tool == "Edit" and card.request.diff and "+def retry(fn, attempts=3):" in card.request.diff
            )
            assert (sample_repo / "src/retry.py").read_text().startswith("def retry(fn, attempts=5)")
            await pilot.pause(GRACE_S + 0.05)
            await pilot.press("y")
            await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)
            assert (sample_repo / "src/retry.py").read_text().startswith("def retry(fn, attempts=3)")

            t = screen.chat.transcript
            kinds = [e.kind for e in t.entries]
            assert kinds[:3] == ["user", "answer", "evidence"]
            assert "Let me look at the retry helper first." in t.entries[1].widget.text  # type: ignore[union-attr]
            cards = {c.data.tool: c for c in screen.query(EvidenceCard)}
            edit = cards["Edit"].data.finished
            assert edit is not None and edit.diff and not edit.is_error
            assert cards["Read"].data.eid == "E1"
            assert [i.status for i in screen.plan.items] == ["completed", "in_progress"]
            assert screen.status.info.usage.output_tokens > 0
            assert card.decision is not None and card.decision.allow

            # The user finishes a step by hand; the next request tells the model.
            screen.query_one("#plan-items").focus()
            await pilot.press("down", "space")
            assert screen.plan.items[1].status == "completed"
            screen.chat.prompt.focus()
            await pilot.press(*"thanks", "enter")
            await wait_until(pilot, lambda: not screen.chat_busy() and peer.pending == 0, timeout=20)
            last = json.dumps(peer.message_requests[-1].messages[-1])
            assert "Bound the attempts" in last


async def test_no_key_demo_runs_through_the_screen(sample_repo: Path) -> None:
    """Without a key, /demo replays the bundled recording with live tools on a copy of the sample repo."""
    app = create_app(sample_repo, config=Config(), credentials=lambda: (False, "No API key is set (test)."))
    app.request.demo_delay = 0.0  # the same recording, without the reading pace
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.chat.transcript.entries))
        await pilot.press(*"/demo", "enter")
        deadline = 30
        for _ in range(deadline * 10):
            await pilot.pause(0.1)
            waiting = [c for c in screen.query(ApprovalCard) if c.decision is None]
            if waiting:
                card = waiting[-1]
                card.focus()
                await wait_until(pilot, card._ready)
                await pilot.press("y")
            if any(e.type == "turn_done" for e in screen.events):
                break
        done = [e for e in screen.events if e.type == "turn_done"]
        kinds = [e.kind for e in screen.chat.transcript.entries]
        assert done and done[-1].stop_reason == "end_turn", (kinds, list(screen.query(ApprovalCard)), screen.focused)
        assert screen.query(EvidenceCard) and screen.request.workspace != sample_repo
        assert screen.status.info.persona == "backend-architect"


async def test_resume_rebuilds_a_real_session(sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session saved by one screen comes back whole in the next: prompt, answer, evidence and plan."""
    turns = [
        reply(text("Reading."), tool_use("Read", {"file_path": "src/retry.py"})),
        reply(tool_use("TodoWrite", TODOS)),
        reply(text("The helper retries **five** times.")),
    ]
    with MessagesPeer(turns) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        first = create_app(sample_repo, config=Config())
        async with first.run_test(size=(120, 40)) as pilot:
            await pilot.press(*"how many retries?", "enter")
            await wait_until(pilot, lambda: any(e.type == "turn_done" for e in first.screen.events), timeout=20)
            saved_id = first.screen.session.id
    again = create_app(sample_repo, config=Config(), resume=saved_id)
    async with again.run_test(size=(120, 40)) as pilot:
        screen = again.screen
        await wait_until(pilot, lambda: screen.session is not None and bool(screen.plan.items), timeout=20)
        t = screen.chat.transcript
        assert [e.kind for e in t.entries][:2] == ["user", "answer"]
        assert [t.evidence[e.eid].tool for e in t.evidence_entries() if e.eid] == ["Read", "TodoWrite"]
        assert [i.content for i in screen.plan.items] == ["Read retry.py", "Bound the attempts"]
        assert screen.status.info.session_id == saved_id
