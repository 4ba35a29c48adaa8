"""MCP in the screen, with real stdio MCP servers (tests/core/mcp/servers) and the Messages API test peer:
the trust question once per project, no process for a project nobody trusted, the palette's MCP screen,
a session that offers and calls an MCP tool, and every server stopped when the app ends."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import OptionList

from tests.core.mcp.conftest import BASIC, SERVERS, STANDINS, pid_alive, stdio, write_mcp_json
from tests.tui.conftest import AppMaker, wait_until
from tests.tui.states import settle
from workbench.config import Config
from workbench.core.mcp.trust import decision, set_trusted
from workbench.testing import MessagesPeer, reply, text, tool_use
from workbench.tui.app import WorkbenchApp, create_app, resolve_persona
from workbench.tui.screens.main import MainScreen
from workbench.tui.screens.mcp import McpScreen, TrustScreen
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard

pytestmark = pytest.mark.timeout(60)

SEED_002_MCP = [
    "mcp__context7__get-library-docs",
    "mcp__context7__resolve-library-id",
    "mcp__sequential-thinking__sequentialthinking",
]
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def marker_pids(marker: Path) -> list[int]:
    return [int(line) for line in marker.read_text().split()] if marker.exists() else []


def basic_project(repo: Path, marker: Path, *extra: str) -> None:
    write_mcp_json(repo, {"basic": stdio(BASIC, "--marker", str(marker), *extra)})


async def started(pilot: Any, app: WorkbenchApp) -> None:
    """Wait until the app's MCP servers are up or failed (the trust question answered)."""
    await wait_until(pilot, lambda: app.mcp is not None and app.mcp.ready.is_set(), timeout=20)


async def open_mcp_screen(pilot: Any, app: WorkbenchApp) -> McpScreen:
    """Through the command palette, as a user would."""
    await pilot.press("ctrl+p")
    await pilot.pause(0.1)
    await pilot.press(*"MCP servers")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, McpScreen) and bool(app.screen.query("#mcp-trust")))
    screen = app.screen
    assert isinstance(screen, McpScreen)
    return screen


def screen_text(screen: McpScreen) -> str:
    from textual.widgets import OptionList, Static

    options = screen.query_one("#mcp-servers", OptionList)
    rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return str(screen.query_one("#mcp-trust", Static).render()) + "\n" + "\n".join(rows)


async def test_dont_trust_starts_no_process_and_is_remembered(make_app: AppMaker, sample_repo: Path) -> None:
    marker = sample_repo.parent / "started.txt"
    basic_project(sample_repo, marker, "--name", "[b]not bold[/b]", "\x1b]0;pwned\x07\x1b[31mred")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen) and bool(app.screen.query("#trust-body")))
        modal = app.screen
        assert isinstance(modal, TrustScreen)
        body = str(modal.query_one("#trust-body").render())
        assert "basic" in body and "runs: " + sys.executable in body and str(BASIC) in body
        assert "[b]not bold[/b]" in body and ".mcp.json" in body  # the exact args, never read as markup
        assert "\x1b" not in body and "\x07" not in body and "red" in body  # no escape reaches the terminal
        await pilot.pause(GRACE_S + 0.05)  # the question ignores keys typed before it came up
        await pilot.press("n")
        await started(pilot, app)
        assert isinstance(app.screen, MainScreen)
        rows = app.mcp.statuses()
        assert [(r.name, r.status) for r in rows] == [("basic", "not_started")]
        assert "not trusted" in rows[0].reason
        assert app.mcp.manager is not None and app.mcp.manager.tools() == []
    assert not marker.exists()
    assert decision(sample_repo) is False

    again = make_app()  # asked once: the answer holds for the next start
    async with again.run_test(size=(120, 40)) as pilot:
        await started(pilot, again)
        await pilot.pause(0.2)
        assert isinstance(again.screen, MainScreen)
    assert not marker.exists()


async def test_trust_starts_the_server_lists_its_tools_and_stops_it_on_exit(
    make_app: AppMaker, sample_repo: Path
) -> None:
    marker = sample_repo.parent / "started.txt"
    basic_project(sample_repo, marker)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen), timeout=10)
        await pilot.pause(GRACE_S + 0.05)  # the question ignores keys typed before it came up
        await pilot.press("t")
        await started(pilot, app)
        [pid] = marker_pids(marker)
        assert pid_alive(pid)
        screen = await open_mcp_screen(pilot, app)
        shown = screen_text(screen)
        assert "Project servers (.mcp.json): trusted" in shown
        assert "basic  [project] .mcp.json" in shown and "status: started" in shown
        assert "mcp__basic__echo  Echo the text back." in shown and "mcp__basic__big_output" in shown
    assert not pid_alive(pid)  # stopped with the app
    assert decision(sample_repo) is True

    again = make_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await started(pilot, again)
        assert isinstance(again.screen, MainScreen)  # not asked twice
        pids = marker_pids(marker)
        assert len(pids) == 2 and pid_alive(pids[1])
    assert not pid_alive(pids[1])


async def test_user_servers_start_while_the_question_is_open(make_app: AppMaker, sample_repo: Path) -> None:
    """User-level servers need no answer; the project's wait for it, and so does the first session."""
    project_marker = sample_repo.parent / "project.txt"
    user_marker = sample_repo.parent / "user.txt"
    basic_project(sample_repo, project_marker)
    home = Path(os.environ["HOME"])
    user = {"mine": stdio(BASIC, "--marker", str(user_marker), "--name", "mine")}
    (home / ".claude.json").write_text(json.dumps({"mcpServers": user}), encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen), timeout=10)
        await wait_until(pilot, lambda: user_marker.exists(), timeout=20)
        await wait_until(pilot, lambda: app.mcp.manager is not None and bool(app.mcp.manager.tools()), timeout=20)
        assert not project_marker.exists() and not app.mcp.ready.is_set()  # sessions still wait for the answer
        await pilot.pause(GRACE_S + 0.05)  # the question ignores keys typed before it came up
        await pilot.press("t")
        await started(pilot, app)
        names = {tool.name for tool in app.mcp.manager.tools()}
        assert {"mcp__mine__echo", "mcp__basic__echo"} <= names
        [project_pid] = marker_pids(project_marker)
        [user_pid] = marker_pids(user_marker)
    assert not pid_alive(project_pid) and not pid_alive(user_pid)


async def test_the_screen_follows_servers_while_they_start(
    make_app: AppMaker, sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened at once after "trust", the screen shows the server starting, then started with its tools."""
    marker = sample_repo.parent / "started.txt"
    basic_project(sample_repo, marker)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen), timeout=10)
        await pilot.pause(GRACE_S + 0.05)  # the question ignores keys typed before it came up
        await pilot.press("t")
        await pilot.pause()
        app.action_mcp()
        await wait_until(pilot, lambda: isinstance(app.screen, McpScreen) and bool(app.screen.query("#mcp-trust")))
        screen = app.screen
        assert isinstance(screen, McpScreen)
        assert "starting" in screen_text(screen)
        await wait_until(pilot, lambda: "mcp__basic__echo" in screen_text(screen), timeout=20)
        # The tool list and the "starting" header come from separate refreshes: wait for the settled screen.
        await wait_until(
            pilot, lambda: "status: started" in screen_text(screen) and "starting" not in screen_text(screen), timeout=5
        )
        assert "status: started" in screen_text(screen) and "starting" not in screen_text(screen)


async def test_restart_and_trust_keys(make_app: AppMaker, sample_repo: Path) -> None:
    marker = sample_repo.parent / "started.txt"
    basic_project(sample_repo, marker)
    set_trusted(sample_repo, False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        screen = await open_mcp_screen(pilot, app)
        assert "not trusted: they do not start" in screen_text(screen)
        await pilot.press("r")  # nothing to restart for an untrusted project
        await pilot.pause(0.2)
        assert not marker.exists()

        await pilot.press("t")
        await wait_until(pilot, lambda: "status: started" in screen_text(screen), timeout=20)
        assert decision(sample_repo) is True
        [first] = marker_pids(marker)

        manager = app.mcp.manager
        result = await manager.call("mcp__basic__crash", {})
        assert result.is_error
        screen.reload()
        assert "status: failed: exited (exit code 3)" in screen_text(screen)
        await pilot.press("r")
        await wait_until(pilot, lambda: "status: started" in screen_text(screen), timeout=20)
        second = marker_pids(marker)[-1]
        assert second != first and pid_alive(second)
        assert (await manager.call("mcp__basic__echo", {"text": "back"})).content == "back"

        await pilot.press("t")
        await wait_until(pilot, lambda: "status: not started: project not trusted" in screen_text(screen), timeout=20)
        assert "not trusted: they do not start" in screen_text(screen)
        assert decision(sample_repo) is False
        await wait_until(pilot, lambda: not pid_alive(second), timeout=10)


async def test_no_servers_configured(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        assert app.mcp.manager is None
        screen = await open_mcp_screen(pilot, app)
        shown = screen_text(screen)
        assert "No MCP servers configured" in shown and "none configured" in shown


async def test_a_server_that_fails_to_start_is_announced(make_app: AppMaker) -> None:
    home = Path(os.environ["HOME"])
    user = {"broken": {"command": "no-such-mcp-server"}, "ok": stdio(BASIC)}
    (home / ".claude.json").write_text(json.dumps({"mcpServers": user}), encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)  # user-level servers need no trust: no question asked
        await wait_until(pilot, lambda: bool(list(app._notifications)))
        [notice] = [n.message for n in app._notifications if n.title == "MCP"]
        assert notice.startswith("1 MCP server did not start") and "broken: command not found" in notice
        assert [(r.name, r.status) for r in app.mcp.statuses()] == [("broken", "failed"), ("ok", "started")]


async def test_help_lists_the_mcp_screen_keys(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_help()
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        ids = {row[3] for row in app.screen.rows}  # type: ignore[attr-defined]
        assert {"mcp.restart", "mcp.trust", "mcp.close"} <= ids


async def test_broken_config_is_listed_and_the_app_goes_on(make_app: AppMaker, sample_repo: Path) -> None:
    (sample_repo / ".mcp.json").write_text('{"mcpServers": {"x": ', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        screen = await open_mcp_screen(pilot, app)
        assert "not valid JSON" in screen_text(screen)


async def test_the_session_offers_and_calls_the_granted_mcp_tool(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real session: the persona's `mcp__basic` grant resolves once the server runs; the call asks inline."""
    marker = sample_repo.parent / "started.txt"
    basic_project(sample_repo, marker)
    agents = sample_repo / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "mcp-user.md").write_text(
        "---\nname: mcp-user\ndescription: uses the echo server\ntools: Read, mcp__basic__echo\n---\nYou echo.\n",
        encoding="utf-8",
    )
    set_trusted(sample_repo, True)
    persona = resolve_persona(sample_repo, "mcp-user", [])
    assert persona is not None and persona.tools.mcp == []  # loaded before any server ran: unavailable
    turns = [
        reply(tool_use("mcp__basic__echo", {"text": "ping from the model"}, id="toolu_m1")),
        reply(text("The server said ping.")),
    ]
    with MessagesPeer(turns) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, persona=persona, config=Config())
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            await started(pilot, app)
            [pid] = marker_pids(marker)
            await pilot.press(*"echo something", "enter")
            await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=20)
            card = screen.query_one(ApprovalCard)
            assert card.request.tool == "mcp__basic__echo"
            await pilot.pause(GRACE_S + 0.05)
            await pilot.press("y")
            await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)
            [evidence] = [c for c in screen.query(EvidenceCard) if c.data.tool == "mcp__basic__echo"]
            assert evidence.data.finished is not None and evidence.data.finished.output == "ping from the model"
            first, second = peer.message_requests[0], peer.message_requests[1]
    assert [n for n in first.tool_names() if n.startswith("mcp__")] == ["mcp__basic__echo"]
    results = [b for m in second.messages for b in m.get("content", []) if b.get("type") == "tool_result"]
    assert "ping from the model" in json.dumps(results[-1]["content"])
    assert not pid_alive(pid)


async def test_seed_002_gets_its_mcp_tools_in_a_screen_session(
    seeds_dir: Path, sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seed 002 names context7 and sequential-thinking tools; with stand-ins trusted, the session offers them."""
    write_mcp_json(
        sample_repo,
        {"context7": stdio(STANDINS, "context7"), "sequential-thinking": stdio(STANDINS, "sequential-thinking")},
    )
    [seed] = sorted(seeds_dir.glob("002_*.txt"))
    persona = resolve_persona(sample_repo, str(seed), [])
    assert persona is not None and persona.tools.mcp == []  # no server known when it was first read
    with MessagesPeer([reply(text("Ready."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, persona=persona, config=Config())
        async with app.run_test(size=(160, 48)) as pilot:
            screen: Any = app.screen_stack[0]
            await wait_until(pilot, lambda: isinstance(app.screen, TrustScreen), timeout=10)
            await pilot.pause(GRACE_S + 0.05)  # the question ignores keys typed before it came up
            await pilot.press("t")
            await started(pilot, app)
            await pilot.press(*"hello", "enter")
            await wait_until(pilot, lambda: screen.session is not None and not screen.chat_busy(), timeout=20)
            assert sorted(screen.session.persona.tools.mcp) == SEED_002_MCP
            offered = peer.message_requests[0].tool_names()
    assert sorted(n for n in offered if n.startswith("mcp__")) == SEED_002_MCP


# ── snapshots ───────────────────────────────────────────────────────────────────────────────────────


async def main_settled(pilot: Any) -> None:
    """The screen under the dialog is still: the explorer has its git status, the prompt does not blink."""
    main: Any = pilot.app.screen_stack[0]
    main.chat.prompt.cursor_blink = False
    await settle(pilot, lambda: bool(main.query("#explorer")) and main.query_one("#explorer").status is not None)
    await settle(pilot, lambda: main.personas_ready)


def standins(repo: Path) -> None:
    write_mcp_json(
        repo,
        {
            "context7": {
                "command": "npx",
                "args": ["-y", "@upstash/context7-mcp"],
                "env": {"CONTEXT7_API_KEY": "${CONTEXT7_KEY:-}"},
            },
            "sequential-thinking": {
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-sequential-thinking"],
            },
            "docs": {"type": "http", "url": "https://mcp.example.com/mcp"},
        },
    )


def three_servers(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user server that starts (docs, seven tools with descriptions), one that fails, and a project server of
    an untrusted project."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    home = Path(os.environ["HOME"])
    user = {
        "docs": {"command": "python", "args": ["basic.py", "--name", "docs"], "cwd": str(SERVERS)},
        "broken": {"command": "no-such-mcp-server"},
    }
    (home / ".claude.json").write_text(json.dumps({"mcpServers": user}), encoding="utf-8")
    write_mcp_json(repo, {"context7": {"command": "npx", "args": ["-y", "@upstash/context7-mcp"]}})
    set_trusted(repo, False)


async def show_servers(pilot: Any) -> None:
    """The servers up (or failed), then the MCP screen, its first server highlighted."""
    app: Any = pilot.app
    await started(pilot, app)
    await main_settled(pilot)
    app.action_mcp()
    await wait_until(pilot, lambda: isinstance(app.screen, McpScreen))
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_mcp_screen_snapshot(
    snap_compare: Any,
    make_app: AppMaker,
    sample_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    """The "MCP servers" dialog: "Project servers (.mcp.json): not trusted: they do not start"; docs [user]
    ~/.claude.json, stdio python basic.py --name docs, status started (green), its seven tools mcp__docs__echo …
    mcp__docs__fail with their descriptions; broken [user] failed: command not found (red); context7 [project]
    .mcp.json, not started: project not trusted; the key hints r / t / Esc at the bottom; a toast "MCP: 1 MCP server
    did not start" naming broken. The highlighted row (docs) is all in the cursor's colours, bold white on blue:
    no grey labels or green status on the blue."""
    three_servers(sample_repo, monkeypatch)
    app = make_app()
    assert snap_compare(app, terminal_size=size, run_before=show_servers)


async def test_at_completes_the_resources_of_a_running_server(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`@` in the prompt completes to a running server's resources as well as to files, and the resource the
    prompt names reaches the model."""
    from tests.core.mcp.conftest import RICH

    write_mcp_json(sample_repo, {"rich": stdio(RICH)})
    set_trusted(sample_repo, True)
    with MessagesPeer([reply(text("It says to be kind."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, config=Config())
        async with app.run_test(size=(120, 40)) as pilot:
            await started(pilot, app)
            screen = app.screen
            assert isinstance(screen, MainScreen)
            screen.chat.prompt.focus()
            await pilot.press(*"look at @src/", "tab")  # files still complete
            assert screen.chat.prompt.value.startswith("look at @src/") and "rich:" not in screen.chat.prompt.value
            screen.chat.prompt.value = ""
            await pilot.press(*"summarise @rich:file:///g", "tab")
            assert screen.chat.prompt.value == "summarise @rich:file:///guide.md "
            await pilot.press("enter")
            await wait_until(pilot, lambda: any(e.type == "turn_done" for e in screen.events), timeout=20)
        sent = json.dumps(peer.message_requests[0].messages)
    assert "guide.md" in sent and "Always write tests." in sent


async def test_only_the_highlighted_row_drops_its_colours(
    make_app: AppMaker, sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The highlighted row is plain (its colours would be dim on the cursor); moving on gives them back."""
    three_servers(sample_repo, monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await show_servers(pilot)
        options = app.screen.query_one("#mcp-servers", OptionList)

        def styled(index: int) -> bool:
            prompt = options.get_option_at_index(index).prompt
            return isinstance(prompt, Text) and bool(prompt.spans)

        assert options.highlighted == 0 and not styled(0) and styled(1) and styled(2)
        await pilot.press("down")
        await wait_until(pilot, lambda: options.highlighted == 1 and styled(0) and not styled(1))
        await pilot.pause(0.6)  # a reload of the list (every 0.5 s while a server starts) keeps it so
        assert options.highlighted == 1 and styled(0) and not styled(1) and styled(2)
