"""Plan panel edits, resume, the ledger, the persona picker, help, panes at 80x24, themes and the no-key state."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.theme import Theme

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import EDIT_REQUEST, PLAN_MID, first_turn
from tests.tui.scripted import Ask, ScriptedSession, make_grant
from workbench.config import Config
from workbench.core.events import PlanItem
from workbench.tui.theming import load_themes
from workbench.tui.widgets.approval import ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard
from workbench.tui.widgets.transcript import RESUME_LIVE


async def test_user_edits_to_the_plan_reach_the_session(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([first_turn()])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not screen.chat_busy() and len(screen.plan.items) == 5)
        screen.query_one("#plan-items").focus()
        await pilot.press("down", "down")  # the in-progress step
        await pilot.press("space")
        assert screen.plan.items[2].status == "completed"
        await pilot.press("shift+down")
        assert screen.plan.items[3].content == "Propose new policy"
        await pilot.press("a", *"Write a changelog", "enter")
        assert screen.plan.items[-1] == PlanItem(content="Write a changelog", status="pending")
        await pilot.press("e", "ctrl+u", *"Run all tests", "enter")
        assert screen.plan.items[-1].content == "Run all tests"
        await pilot.press("x")
        assert len(screen.plan.items) == 5
        sent = made_sessions[0].plans_set
        assert len(sent) == 5 and sent[-1] == list(screen.plan.items)
        assert "3/5" in str(screen.query_one("#topbar").plan)


async def test_plan_edits_before_a_session_are_kept_for_it(
    make_app: AppMaker, made_sessions: list[ScriptedSession]
) -> None:
    app = make_app([[]])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.query_one("#plan-items").focus()
        await pilot.press("a", *"Sketch the API", "enter")
        screen.chat.prompt.focus()
        screen.chat.prompt.value = "start"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(made_sessions) and not screen.chat_busy())
        assert made_sessions[0].plans_set == [[PlanItem(content="Sketch the API", status="pending")]]


async def test_resume_rebuilds_the_conversation_and_plan(make_app: AppMaker, sample_repo: Path) -> None:
    app = make_app(past=first_turn(), plan=PLAN_MID)
    app.request.resume = "latest"
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: screen.session is not None and bool(screen.chat.transcript.entries))
        await pilot.pause()
        t = screen.chat.transcript
        assert [e.eid for e in t.evidence_entries()] == ["E1", "E2", "E3"]
        assert [e.kind for e in t.entries] == ["user", "evidence", "evidence", "evidence", "answer"]
        assert t.live_count() == len(t.entries) <= RESUME_LIVE  # the tail as widgets, as the live session had
        assert [c.data.eid for c in screen.query(EvidenceCard)] == ["E1", "E2", "E3"]
        assert screen.plan.items == PLAN_MID


async def test_ledger_lists_and_revokes(make_app: AppMaker, made_sessions: list[ScriptedSession]) -> None:
    grants = [make_grant("g1", "Bash(pytest:*)", "session"), make_grant("g2", "Edit(src/**)", "project")]
    app = make_app([[]], grants=grants)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "hi"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(made_sessions) and not screen.chat_busy())
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert type(app.screen).__name__ == "LedgerScreen"
        await pilot.press("r")
        await pilot.pause()
        assert [g.id for g in made_sessions[0].ledger.grants] == ["g2"]
        await pilot.press("escape")


async def test_narrow_terminal_shows_one_pane_switched_by_keys(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.has_class("-narrow")
        assert screen.query_one("#chat").display and not screen.query_one("#plan-pane").display
        await pilot.press("alt+3")
        assert screen.query_one("#plan-pane").display and not screen.query_one("#chat").display
        await pilot.press("1")  # the plan list has focus, so a bare digit switches too
        assert screen.query_one("#explorer-pane").display
        await pilot.press("alt+2")
        assert screen.focused is screen.chat.prompt


async def test_help_lists_remapped_keys(make_app: AppMaker) -> None:
    config = Config(data={"keys": {"chat.outline": "ctrl+b"}})
    app = make_app(config=config)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: app.screen.keys_ready)  # type: ignore[attr-defined]
        await pilot.press("f1")
        await pilot.pause()
        help_screen = app.screen
        assert type(help_screen).__name__ == "HelpScreen"
        rows = {row[3]: row[1] for row in help_screen.rows}  # type: ignore[attr-defined]
        assert rows["chat.outline"] == "^b" and rows["approval.once"] == "y"
        await pilot.press("escape")
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert type(app.screen).__name__ == "OutlineScreen"


async def test_a_keys_entry_that_names_no_binding_is_reported(make_app: AppMaker) -> None:
    app = make_app(config=Config(data={"keys": {"app.palete": "ctrl+k", "chat.outline": "ctrl+b"}}))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_until(pilot, lambda: bool(list(app._notifications)))
        messages = [n.message for n in app._notifications]
    assert messages == ["config [keys]: no binding has the id 'app.palete'; ignored (F1 lists the ids)"]


async def test_no_key_still_works_and_says_how_to_set_one(make_app: AppMaker) -> None:
    app = make_app(key=False)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.chat.transcript.entries))
        notice = screen.chat.transcript.entries[0]
        assert notice.kind == "notice"
        body = str(notice.widget.body)  # type: ignore[union-attr]
        assert "No API key" in body and "/demo" in body
        screen.chat.prompt.value = "hello"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session is None  # nothing was sent without a key
        screen.query_one("#plan-items").focus()
        await pilot.press("a", *"still plannable", "enter")
        assert screen.plan.items[0].content == "still plannable"


def test_bundled_themes_load_and_one_is_light() -> None:
    loaded = load_themes()
    names = {t.name for t in loaded.themes}
    assert loaded.errors == []
    assert {"workbench-dusk", "workbench-paper", "workbench-moss"} <= names
    assert any(not t.dark for t in loaded.themes)


def test_bad_theme_files_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("name = [")
    (tmp_path / "nocolor.toml").write_text('name = "x"\nprimary = "not-a-colour"\n')
    (tmp_path / "good.toml").write_text('name = "mine"\nprimary = "#ff0000"\ndark = false\n')
    loaded = load_themes([tmp_path])
    assert [t.name for t in loaded.themes] == ["mine"]
    assert isinstance(loaded.themes[0], Theme) and loaded.themes[0].dark is False
    assert len(loaded.errors) == 2 and any("not valid TOML" in e for e in loaded.errors)
    assert any("not-a-colour" in e for e in loaded.errors)


async def test_user_theme_folder_and_config_choice(make_app: AppMaker) -> None:
    from workbench import paths

    folder = paths.user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\n')
    (folder / "bad.toml").write_text("oops")
    app = make_app(config=Config(data={"ui": {"theme": "mine"}}))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "mine"
        assert any("bad.toml" in e for e in app.theme_errors)


async def test_escape_while_editing_a_step_does_not_cancel_the_turn(make_app: AppMaker) -> None:
    app = make_app([[Ask(EDIT_REQUEST)]])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "edit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        screen.query_one("#plan-items").focus()
        await pilot.press("a", *"half a step", "escape")
        await pilot.pause()
        assert screen.chat_busy() and screen.plan.items == ()
        await pilot.press("escape")  # now Esc reaches the screen: the turn is cancelled
        await wait_until(pilot, lambda: not screen.chat_busy())


def test_command_line_persona_is_resolved_or_reported(sample_repo: Path) -> None:
    from workbench.cli.tui import parse_args
    from workbench.tui.app import app_from_args

    found = app_from_args(parse_args([str(sample_repo), "--persona", "code-reviewer"]))
    assert found.request.persona is not None and found.persona_label == "code-reviewer"
    assert found.startup_notices == []
    missing = app_from_args(parse_args([str(sample_repo), "--persona", "nobody-by-that-name"]))
    assert missing.request.persona is None and missing.persona_label == ""
    assert "no persona 'nobody-by-that-name'" in missing.startup_notices[0]
    custom = sample_repo / "mine.md"
    custom.write_text("---\nname: my-helper\ndescription: helps\n---\nYou help.\n")
    by_file = app_from_args(parse_args([str(sample_repo), "--persona", str(custom)]))
    assert by_file.persona_label == "my-helper"


@pytest.mark.parametrize("argv", [[], ["some folder"], ["x", "--mode", "plan", "--agents", "a", "--agents", "b"]])
def test_a_plain_command_line_reads_as_argparse_reads_it(argv: list[str]) -> None:
    """`workbench [DIR]` skips argparse: what it gives is what the parser gives."""
    from workbench.cli.tui import build_parser, from_namespace, parse_args

    assert parse_args(argv) == from_namespace(build_parser().parse_args(argv))


def test_a_usage_error_on_the_screen_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench.cli.tui import parse_args

    with pytest.raises(SystemExit) as exited:
        parse_args(["--no-such-option"])
    assert exited.value.code == 2 and "usage:" in capsys.readouterr().err


async def test_an_approval_brings_the_chat_to_the_front_on_a_narrow_terminal(make_app: AppMaker) -> None:
    app = make_app([[Ask(EDIT_REQUEST)]])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("alt+3")  # the user looks at the plan while the agent works
        assert screen.pane == "plan"
        screen.chat.prompt.post_message(screen.chat.prompt.Sent(screen.chat.prompt, "edit"))
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        await pilot.pause()
        assert screen.pane == "chat" and screen.query_one("#chat").display
        assert screen.focused is screen.query_one(ApprovalCard)
