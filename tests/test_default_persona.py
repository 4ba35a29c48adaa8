"""One default-persona rule for every front end: `workbench run` and the screen start with the same persona from
the same folder, never one with errors, and say which ones they passed over. The repository's own personas are
candidates only once the project is trusted."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.core.agent.helpers import git_repo
from tests.tui.conftest import wait_until
from workbench import headless, paths
from workbench.config import Config
from workbench.core.assembly import default_persona, load_personas
from workbench.core.trust import remember
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text
from workbench.tui.app import create_app
from workbench.tui.widgets.approval import GRACE_S

BROKEN = "---\nname: a-broken\ndescription: its prompt is empty\n---\n"
GOOD = "---\nname: b-good\ndescription: reviews\nmodel: haiku\ntools: Read, Grep\n---\nYou review code.\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = git_repo(tmp_path / "repo")
    agents = root / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "a-broken.md").write_text(BROKEN)  # first alphabetically, and it cannot run
    (agents / "b-good.md").write_text(GOOD)
    return root


async def _headless(repo: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[dict[str, Any], str]:
    with MessagesPeer([reply(text("Hello."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out, err = io.StringIO(), io.StringIO()
        code = await headless.run(RunOptions(prompt="hi", cwd=repo, output_format="json", **kw), out, err)
        model = peer.message_requests[0].body["model"]
    assert code == 0, err.getvalue()
    result = json.loads(out.getvalue())
    assert result["model"] == model
    return result, err.getvalue()


async def _screen(repo: Path, monkeypatch: pytest.MonkeyPatch, answer: str = "") -> tuple[str, str, str]:
    """(the persona the header names before any session, its model label, the persona the session used);
    `answer` is the key pressed when the trust question comes up."""
    with MessagesPeer([reply(text("Hello."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(repo, config=Config())
        async with app.run_test(size=(160, 48)) as pilot:
            screen: Any = app.screen
            if answer:
                await wait_until(pilot, lambda: type(app.screen).__name__ == "TrustScreen", timeout=10)
                await pilot.pause(GRACE_S + 0.05)
                await pilot.press(answer)
            await wait_until(pilot, lambda: app.mcp is not None and app.mcp.ready.is_set(), timeout=10)
            await wait_until(pilot, lambda: screen.personas_ready and not screen.workers, timeout=10)
            before, model = screen.identity.persona, screen.status.info.model
            await pilot.press(*"hi", "enter")
            await wait_until(pilot, lambda: screen.session is not None and not screen.chat_busy(), timeout=20)
            return before, model, screen.session.persona.id


async def test_run_and_screen_choose_the_same_persona(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remember(repo, True)
    result, err = await _headless(repo, monkeypatch)
    assert result["persona_id"] == "b-good" and result["model"] == "claude-haiku-5-5"
    assert "a-broken" in err and "E_EMPTY_PROMPT" in err  # passed over, and why
    label, model, used = await _screen(repo, monkeypatch)
    assert (label, model, used) == ("b-good", "claude-haiku-5-5", "b-good")


async def test_untrusted_both_use_the_builtin_and_say_why(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, err = await _headless(repo, monkeypatch)
    assert result["persona_id"] == "workbench"
    assert "not trusted" in err and "b-good" in err and "workbench trust" in err
    assert result["project"]["trusted"] is False and any("b-good" in line for line in result["project"]["ignored"])
    label, _, used = await _screen(repo, monkeypatch, answer="n")
    assert (label, used) == ("workbench", "workbench")


async def test_trusting_in_the_screen_makes_the_repository_persona_the_default(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    label, model, used = await _screen(repo, monkeypatch, answer="t")
    assert (label, model, used) == ("b-good", "claude-haiku-5-5", "b-good")
    result, _ = await _headless(repo, monkeypatch)  # the answer holds for `workbench run` too
    assert result["persona_id"] == "b-good" and result["project"]["trusted"] is True


async def test_no_repository_personas_both_use_the_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = git_repo(tmp_path / "plain")
    result, _ = await _headless(repo, monkeypatch)
    assert result["persona_id"] == "workbench"
    label, model, used = await _screen(repo, monkeypatch)
    assert (label, used) == ("workbench", "workbench") and model == result["model"]


async def test_config_default_wins_and_a_bad_one_is_reported(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remember(repo, True)
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('[personas]\ndefault = "debugger"\n')
    result, _ = await _headless(repo, monkeypatch)
    assert result["persona_id"] == "debugger"
    paths.config_file().write_text('[personas]\ndefault = "a-broken"\n')
    result, err = await _headless(repo, monkeypatch)
    assert result["persona_id"] == "b-good" and "[personas] default = 'a-broken' is not used" in err


def test_only_broken_personas_fall_back_to_the_builtin_with_a_notice(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / ".claude" / "agents").mkdir(parents=True)
    (repo / ".claude" / "agents" / "a-broken.md").write_text(BROKEN)
    pick = default_persona(load_personas(repo, config=Config(), repo_trusted=True), repo, Config())
    assert pick.persona.id == "workbench" and pick.how == "builtin"
    assert len(pick.notices) == 1 and "a-broken" in pick.notices[0]


def test_user_and_bundled_personas_are_not_defaults(tmp_path: Path, isolated_env: Path) -> None:
    """Only the repository's own folders (and the command line's) make a default: a user persona waits to be
    chosen, and so do the bundled ones."""
    (isolated_env / ".claude" / "agents").mkdir(parents=True)
    (isolated_env / ".claude" / "agents" / "mine.md").write_text(GOOD.replace("b-good", "mine"))
    repo = git_repo(tmp_path / "repo")
    pick = default_persona(load_personas(repo, config=Config()), repo, Config())
    assert pick.persona.id == "workbench"
    extra = tmp_path / "extra.md"
    extra.write_text(GOOD.replace("b-good", "extra"))
    pick = default_persona(load_personas(repo, [extra], config=Config()), repo, Config())
    assert (pick.persona.id, pick.how) == ("extra", "command-line")
