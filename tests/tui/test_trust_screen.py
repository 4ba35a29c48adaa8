"""Project trust in the screen, with the real session and the Messages API test peer: the question comes once per
set of repository files; until the answer is yes, the repository's settings only tighten (issue 11, item 1)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.test_mcp_screen import main_settled, standins
from workbench.config import Config
from workbench.core.trust import assess, remember
from workbench.testing import MessagesPeer, reply, text, tool_use
from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.screens.main import MainScreen
from workbench.tui.screens.trust import TrustScreen
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard

pytestmark = pytest.mark.timeout(60)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
WIDENING = {"permissions": {"allow": ["Bash(*)"], "defaultMode": "acceptEdits"}}
RM = "touch A && rm README.md"


def widen(repo: Path, data: dict[str, Any] = WIDENING) -> Path:
    path = repo / ".claude" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


async def answer(pilot: Any, app: WorkbenchApp, key: str) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen), timeout=10)
    await pilot.pause(GRACE_S + 0.05)  # keys typed before the question came up are not answers
    await pilot.press(key)
    await wait_until(pilot, lambda: app.mcp is not None and app.mcp.ready.is_set(), timeout=10)


async def rm_turn(pilot: Any, screen: Any) -> None:
    await pilot.press(*"clean up", "enter")
    await wait_until(pilot, lambda: screen.session is not None, timeout=20)


@contextlib.asynccontextmanager
async def real_session(repo: Path, monkeypatch: pytest.MonkeyPatch, key: str, answer_text: str) -> AsyncIterator[Any]:
    """The app on `repo` with a real session whose model asks for `touch A && rm README.md`; the trust question
    answered with `key`. Yields (app, pilot)."""
    widen(repo)
    script = [reply(tool_use("Bash", {"command": RM}, id="toolu_rm")), reply(text(answer_text))]
    with MessagesPeer(script) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(repo, config=Config())
        async with app.run_test(size=(160, 48)) as pilot:
            await answer(pilot, app, key)
            yield app, pilot


async def test_untrusted_settings_change_nothing_in_the_screen(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with real_session(sample_repo, monkeypatch, "n", "Left it.") as (app, pilot):
        screen: Any = app.screen_stack[0]
        toasts = [n.message for n in app._notifications if n.title == "project"]
        assert len(toasts) == 1 and "Not trusted" in toasts[0] and "allow Bash(*)" in toasts[0]
        await rm_turn(pilot, screen)
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=20)  # it asks: no allow rule
        assert screen.session.mode == "default" and screen.status.info.mode == "default"
        await pilot.pause(GRACE_S + 0.05)
        await pilot.press("n", "enter")  # deny, with no reason
        await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)
        notices = [e.message for e in screen.events if e.type == "notice"]
    assert (sample_repo / "README.md").exists() and not (sample_repo / "A").exists()
    assert any("not trusted" in n and "allow Bash(*)" in n for n in notices)
    assert assess(sample_repo).answered is False  # remembered: not asked again


async def test_trusting_in_the_screen_applies_the_settings(sample_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with real_session(sample_repo, monkeypatch, "t", "Removed.") as (app, pilot):
        screen: Any = app.screen_stack[0]
        await rm_turn(pilot, screen)
        await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)
        assert not screen.query(ApprovalCard)
        assert screen.session.mode == "acceptEdits" and screen.status.info.mode == "acceptEdits"
    assert not (sample_repo / "README.md").exists() and (sample_repo / "A").exists()
    assert assess(sample_repo).source == "stored"


async def test_a_changed_settings_file_asks_again(make_app: AppMaker, sample_repo: Path) -> None:
    file = widen(sample_repo)
    remember(sample_repo, True)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.mcp is not None and app.mcp.ready.is_set(), timeout=10)
        await pilot.pause(0.2)
        assert isinstance(app.screen, MainScreen)  # trusted, same files: no question
    file.write_text(json.dumps({"permissions": {"allow": ["Bash(*)", "WebFetch"]}}))
    again = make_app()
    async with again.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: isinstance(again.screen, TrustScreen) and bool(again.screen.query("Static")))
        body = str(again.screen.query_one("#trust-body").render())
        assert "Changed since you last answered: .claude/settings.json" in body
        assert "allow Bash(*), WebFetch" in body
        assert not again.mcp.ready.is_set()  # sessions wait for the answer
        await pilot.pause(GRACE_S + 0.05)
        await pilot.press("n")
        await wait_until(pilot, lambda: again.mcp.ready.is_set(), timeout=10)
    assert assess(sample_repo).answered is False


async def test_repository_text_in_the_question_is_plain(make_app: AppMaker, sample_repo: Path) -> None:
    widen(sample_repo, {"permissions": {"allow": ["Bash([b]x[/b] \x1b]0;pwned\x07)"]}})
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen) and bool(app.screen.query("#trust-body")))
        body = str(app.screen.query_one("#trust-body").render())
    assert "[b]x[/b]" in body and "\x1b" not in body and "\x07" not in body


async def test_keys_typed_as_the_question_comes_up_do_not_answer_it(make_app: AppMaker, sample_repo: Path) -> None:
    widen(sample_repo)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen), timeout=10)
        await pilot.press("t", "y")  # "the bug…", typed for the prompt
        await pilot.pause(0.05)
        assert isinstance(app.screen, TrustScreen) and assess(sample_repo).undecided
        await pilot.pause(GRACE_S)
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
    assert assess(sample_repo).source == "stored"


@pytest.mark.parametrize("size", SIZES)
def test_trust_modal_snapshot(snap_compare: Any, make_app: AppMaker, sample_repo: Path, size: tuple[int, int]) -> None:
    """A dialog "Trust myservice?" over the dimmed workbench: "This repository supplies settings that take effect
    only once you trust it:"; under Settings, .claude/settings.json's allow Bash(npm test:*), Edit and its
    defaultMode acceptEdits; under MCP servers, context7 (.mcp.json) runs npx -y @upstash/context7-mcp with env
    CONTEXT7_API_KEY, sequential-thinking runs npx -y @modelcontextprotocol/server-sequential-thinking, docs contacts
    http https://mcp.example.com/mcp; under Personas, reviewer (.claude/agents/reviewer.md); that deny and ask rules
    still apply; buttons "Trust [t]" and "Don't trust [n]" (the latter focused). At 80x24 the body scrolls."""
    widen(sample_repo, {"permissions": {"allow": ["Bash(npm test:*)", "Edit"], "defaultMode": "acceptEdits"}})
    standins(sample_repo)
    agents = sample_repo / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "reviewer.md").write_text("---\nname: reviewer\ndescription: reviews\n---\nReview.\n")

    async def ask(pilot: Any) -> None:
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, TrustScreen), timeout=10)
        await main_settled(pilot)
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=size, run_before=ask)

