"""The screen driving a scripted ACP agent: its text, plan and tool calls as ours, its permission request a card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.acp.test_client import agent_spec
from tests.tui.samples import make_repo
from tests.tui.states import send, settle
from workbench.config import Config
from workbench.tui.agent import agent_factory
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.widgets.approval import ApprovalCard

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
STEPS = [
    {"say": "I will retitle the README."},
    {"plan": [["Read the README", "completed"], ["Retitle it", "in_progress"], ["Check the links", "pending"]]},
    {"ran": "grep -rn TODO src", "kind": "search"},
    {"ask": "Edit README.md", "kind": "edit", "path": "README.md"},
    {"say": "Done."},
]


def agent_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[WorkbenchApp, Path]:
    repo = make_repo(tmp_path)
    monkeypatch.setattr("workbench.core.acp.client.new_session_id", lambda: "20260101-120000-acp001")
    spec, log = agent_spec(tmp_path, STEPS)
    closers: list[Any] = []
    app = create_app(
        repo,
        persona_label="scripted (ACP)",
        factory=agent_factory(spec, closers),
        config=Config(),
        credentials=lambda: (True, "test key"),
    )
    app.closers = closers
    return app, log


async def card_shown(pilot: Any) -> None:
    screen: Any = pilot.app.screen
    await send(pilot, "Retitle the README")
    await settle(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=60)
    await pilot.pause(0.4)
    screen.chat.transcript.scroll_end(animate=False)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_agent_permission_is_an_approval_card(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """The chat: the prompt, a yellow notice that this external ACP agent's own tools run outside our gate, the
    agent's sentence, an evidence line `agent:search grep -rn TODO src · run by the agent itself, outside the
    workbench's gate`, and an "Approval needed · Edit README.md" card with the diff (-old +new), the reason (the
    agent asks; it runs outside our gate) and only [y] once and [n] deny. Wide: the plan shows 1/3 with ✓ Read
    the README, ▶ Retitle it, ○ Check the links; the status bar names "scripted (ACP)"."""
    app, _log = agent_app(tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=card_shown)


@pytest.mark.parametrize(("key", "answer"), [("y", "yes"), ("n", "no")])
async def test_the_card_answers_the_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, answer: str
) -> None:
    app, log = agent_app(tmp_path, monkeypatch)
    async with app.run_test(size=(160, 48)) as pilot:
        await card_shown(pilot)
        card = pilot.app.screen.query_one(ApprovalCard)
        card.focus()
        await pilot.pause(0.5)
        await pilot.press(key)
        if key == "n":
            await pilot.press("enter")  # the reason prompt: an empty reason is fine
        screen: Any = pilot.app.screen
        await settle(pilot, lambda: any(e.type == "turn_done" for e in screen.events), timeout=60)
    results = json.loads(log.read_text())["results"]
    assert [r["permission"] for r in results if "permission" in r] == [answer]
    text = " ".join(getattr(e, "text", "") for e in screen.events if e.type == "assistant_text")
    assert "Done." in text
