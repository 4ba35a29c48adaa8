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
STEPS = [  # no text before the card: a streamed answer's last frame depends on timing
    {"plan": [["Read the README", "completed"], ["Retitle it", "in_progress"], ["Check the links", "pending"]]},
    {"ran": "grep -rn TODO src", "kind": "search"},
    {"ask": "Edit README.md", "kind": "edit", "path": "README.md"},
    {"say": "Done."},
]


def agent_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[WorkbenchApp, Path]:
    repo = make_repo(tmp_path)
    monkeypatch.setattr("workbench.core.acp.client.new_session_id", lambda: "20260101-120000-acp001")
    monkeypatch.setattr("workbench.core.acp.from_acp.clock", lambda: 100.0)  # "0 ms", however loaded
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
    for _ in range(2):  # the card's height settles over a frame or two under load: follow it to the end
        await pilot.pause(0.4)
        screen.chat.transcript.scroll_end(animate=False)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_agent_permission_is_an_approval_card(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """The chat: the prompt, a yellow notice that this external ACP agent's file and terminal requests and
    permission questions go through our policy while the tools it runs itself are outside our gate, an evidence
    line `agent:search grep -rn TODO src · outside gate · 0 ms`, a running `agent:edit Edit README.md · outside
    our gate` line, and under it an "Approval needed · Edit README.md" card with the diff (-old +new), the reason
    (the agent asks; it runs outside the workbench's gate, only the answer is ours) and only [y] once and [n]
    deny. Wide: the plan shows 1/3 with ✓ Read the README, ▶ Retitle it, ○ Check the links; the title and the
    status bar name "python (ACP)" and "ACP v1"."""
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
