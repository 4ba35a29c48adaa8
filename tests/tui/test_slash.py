"""Slash commands in the prompt: completed as typed, run on the screen, and an unknown one never reaches the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import first_turn
from tests.tui.scripted import ScriptedSession
from workbench.config import Config
from workbench.testing import MessagesPeer, reply, text
from workbench.tui.app import create_app
from workbench.tui.slash import REGISTRY, SlashCommand, SlashRegistry, parse


def notices(screen: Any) -> str:
    """Every notice line in the chat, live or frozen, as plain text."""
    out = []
    for entry in screen.chat.transcript.entries:
        if entry.kind == "notice" and entry.widget is not None:
            out.append(str(entry.widget.render()))
    return "\n".join(out)


async def typed(pilot: Any, command: str) -> Any:
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.keys_ready and screen.personas_ready)
    screen.chat.prompt.value = command
    await pilot.press("enter")
    await pilot.pause()
    return screen


async def test_model_shows_the_resolved_id_before_and_during_a_session(make_app: AppMaker) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "/model haiku")
        assert "Model: claude-haiku-5-5" in notices(screen)
        assert screen.identity.model == "claude-haiku-5-5" and "claude-haiku-5-5" in screen.status.render().plain
        assert "claude-haiku-5-5" in str(screen.chat.border_title)
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy() and screen.session is not None)
        assert screen.session.model == "claude-haiku-5-5"
        await typed(pilot, "/model opus")
        assert screen.session.model == "claude-opus-5-5" and screen.identity.model == "claude-opus-5-5"


async def test_unknown_command_is_an_error_and_makes_no_request(sample_repo: Path, monkeypatch: Any) -> None:
    with MessagesPeer([reply(text("should never be asked"))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, config=Config())
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await typed(pilot, "/nosuchcmd do things")
            await pilot.pause(0.3)
            assert "Unknown command /nosuchcmd" in notices(screen)
            assert screen.session is None and not screen.chat_busy()
            assert not [e for e in screen.chat.transcript.entries if e.kind == "user"]
        assert peer.message_requests == []


async def test_clear_empties_the_chat_and_starts_a_new_session(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([first_turn(), first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "first question")
        await wait_until(pilot, lambda: not screen.chat_busy() and len(screen.chat.transcript.entries) > 2)
        assert screen.plan.items
        await typed(pilot, "/clear")
        kinds = [e.kind for e in screen.chat.transcript.entries]
        assert kinds == ["notice"] and screen.session is None and not screen.plan.items
        assert screen.status.info.session_id == ""
        await typed(pilot, "second question")
        await wait_until(pilot, lambda: len(made_sessions) == 2 and not screen.chat_busy())
        assert screen.session is made_sessions[1]


async def test_new_keeps_the_chat_but_opens_a_new_session(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([first_turn(), first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "first question")
        await wait_until(pilot, lambda: not screen.chat_busy() and screen.session is not None)
        before = len(screen.chat.transcript.entries)
        await typed(pilot, "/new")
        assert screen.session is None and len(screen.chat.transcript.entries) == before + 1


async def test_shift_tab_cycles_the_mode_shown_and_the_session_uses_it(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await typed(pilot, "go")
        await wait_until(pilot, lambda: not screen.chat_busy() and screen.session is not None)
        assert screen.focused is screen.chat.prompt
        await pilot.press("shift+tab")
        assert screen.identity.mode == "acceptEdits" and "acceptEdits" in screen.status.render().plain
        assert made_sessions[0].mode == "acceptEdits" and screen.session is made_sessions[0]
        await pilot.press("shift+tab")
        assert screen.identity.mode == "plan" and "plan" in str(screen.chat.border_title)
        await pilot.press("shift+tab")
        assert screen.identity.mode == "default"
        await typed(pilot, "/mode dontAsk")
        assert made_sessions[0].mode == "dontAsk" and screen.focused is screen.chat.prompt


async def test_commands_complete_as_typed(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "")
        prompt = screen.chat.prompt
        await pilot.press(*"/mo")
        await wait_until(pilot, lambda: prompt._suggestion == "/model")
        hints = screen.query_one("#slash-hints")
        assert hints.display and "/model [alias|id]" in str(hints.render())
        await pilot.press("tab")
        assert prompt.value == "/model " and not hints.display
        await pilot.press(*"hai")
        await pilot.press("tab")
        assert prompt.value == "/model haiku "
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.identity.model == "claude-haiku-5-5")


async def test_persona_cost_export_and_unavailable_commands(
    make_app: AppMaker, made_sessions: list[ScriptedSession], tmp_path: Path
) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "/cost")
        assert "No session yet" in notices(screen)
        await typed(pilot, "/persona nobody-here")
        assert "No persona 'nobody-here'" in notices(screen)
        await typed(pilot, "/compact")
        assert "Nothing to compact yet" in notices(screen)
        await typed(pilot, "go")
        await wait_until(pilot, lambda: not screen.chat_busy() and screen.session is not None)
        await typed(pilot, "/cost")
        assert "This session: 0 tokens in, 0 out, $0.000 (claude-sonnet-5-5)" in notices(screen)
        await typed(pilot, "/rewind")
        assert "Nothing to rewind yet" in notices(screen)
        await typed(pilot, "/exit")
        await pilot.pause()
    assert app.return_code == 0


def test_registry_parses_and_accepts_new_entries() -> None:
    assert parse("/model haiku") == ("model", "haiku")
    assert parse("/mcp__github__review 12") == ("mcp__github__review", "12")
    assert parse("/usr/bin/env is odd") is None and parse("/ 2") is None and parse("hello /model") is None
    registry = SlashRegistry(REGISTRY.commands())
    ran: list[str] = []
    registry.register(
        SlashCommand("review", "review a diff", run=lambda target, arg: ran.append(arg), source="project")
    )
    assert registry.run(object(), "/review main") is True  # type: ignore[arg-type]
    assert ran == ["main"] and REGISTRY.get("review") is None


@pytest.mark.parametrize("command", ["/help", "/grants", "/outline"])
async def test_dialog_commands_open_their_dialog(make_app: AppMaker, command: str) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await typed(pilot, command)
        expected = {"/help": "HelpScreen", "/grants": "LedgerScreen", "/outline": "OutlineScreen"}[command]
        await wait_until(pilot, lambda: type(app.screen).__name__ == expected)


async def test_export_writes_a_report_and_never_overwrites(
    make_app: AppMaker, made_sessions: list[ScriptedSession], sample_repo: Path
) -> None:
    from workbench.core.session_store import SessionStore

    store = SessionStore(sample_repo)
    transcript = store.create(ScriptedSession.id, {"persona": {"id": "backend-architect"}, "model": "m"})
    transcript.close()
    app = make_app([first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "/export")
        assert "No session to export yet" in notices(screen)
        await typed(pilot, "go")
        await wait_until(pilot, lambda: not screen.chat_busy() and screen.session is not None)
        await typed(pilot, "/export report.md")
        assert (sample_repo / "report.md").read_text().startswith("#")
        assert f"Exported to {sample_repo / 'report.md'}" in notices(screen)
        await typed(pilot, "/export report.md")
        assert "exists; /export takes another file name" in notices(screen)


async def test_persona_and_resume_by_name(make_app: AppMaker, made_sessions: list[ScriptedSession]) -> None:
    from tests.tui.scripted import make_persona
    from workbench.tui.host import PersonaChoice

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "")
        reviewer = make_persona("code-reviewer", "green")
        screen.persona_load.choices[:] = [
            PersonaChoice("code-reviewer", "code-reviewer", "", "green", persona=reviewer)
        ]
        await typed(pilot, "/persona code-reviewer")
        assert screen.identity.persona == "code-reviewer" and screen.request.persona is reviewer
        await typed(pilot, "/resume nothing-like-this")
        assert "No saved session matches 'nothing-like-this'" in notices(screen)


async def test_a_project_command_is_completed_and_reaches_the_session(
    make_app: AppMaker, made_sessions: list[ScriptedSession], sample_repo: Path
) -> None:
    """A `.claude/commands/` file is a command like the built-ins: listed, completed, and sent as typed (the session
    expands it); written after the screen opened, it is found when typed."""
    folder = sample_repo / ".claude" / "commands"
    folder.mkdir(parents=True)
    (folder / "review.md").write_text("---\ndescription: review a file\nargument-hint: FILE\n---\nReview $ARGUMENTS\n")
    app = make_app([[], []])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await typed(pilot, "")
        await pilot.press(*"/rev")
        await wait_until(pilot, lambda: screen.chat.prompt._suggestion == "/review")
        hints = str(screen.query_one("#slash-hints").render())
        assert "/review FILE" in hints and "review a file (project)" in hints
        screen.chat.prompt.value = ""
        await typed(pilot, "/review src/payments.py")
        await wait_until(pilot, lambda: bool(made_sessions) and not screen.chat_busy())
        assert made_sessions[0].prompts == ["/review src/payments.py"]
        (folder / "ship.md").write_text("Ship it.\n")
        await typed(pilot, "/ship")
        await wait_until(pilot, lambda: made_sessions[0].prompts[-1:] == ["/ship"])
        assert "Unknown command" not in notices(screen)
