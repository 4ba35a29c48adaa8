"""Snapshots of the workbench at 80x24 and 160x48. Each docstring says what you should see."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import AppMaker
from tests.tui.states import STATES

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def check(snap_compare: Any, make_app: AppMaker, name: str, size: tuple[int, int]) -> None:
    state = STATES[name]
    app = make_app(state.turns, **state.extras)
    assert snap_compare(app, terminal_size=size, run_before=state.drive)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The sample repo after one turn. Wide: explorer (src with A, NOTES.txt ?, the branch main), chat (the prompt,
    Read/Grep/Bash evidence lines E1-E3 with durations and exit 0, the answer in Markdown), plan 2/5 (✓ ✓ ▶ ○ ○);
    status bar with backend-architect, claude-sonnet-5-5 (what the app resolves "sonnet" to), default, 12.4k in
    (81% cached), $0.031, "^p palette  F1 help". Narrow: only the chat, the top bar's pane keys "alt+1 files alt+2
    chat alt+3 plan" with chat highlighted and plan 2/5; the status bar keeps the persona and the mode."""
    check(snap_compare, make_app, "main", size)


@pytest.mark.parametrize("size", SIZES)
def test_edit_approval_card(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """An inline "Approval needed · Edit src/retry.py" card below the evidence: the coloured diff, the rule
    "Edit asks in default mode", and keys [y] once [s] this session [a] always: Edit(src/retry.py) [n] deny…. The
    status bar, even at 80x24: ◆ backend-architect, default, "waiting for your answer" in bold yellow."""
    check(snap_compare, make_app, "edit_approval", size)


@pytest.mark.parametrize("size", SIZES)
def test_shell_approval_card(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """A Bash approval card: the exact command, then one row per segment: ✓ pytest -q allowed by Bash(pytest:*),
    ? git commit … asks by persona:git-approval; only [y] once and [n] deny, with a note that a persona rule guards
    it and it cannot be remembered."""
    check(snap_compare, make_app, "shell_approval", size)


@pytest.mark.parametrize("size", SIZES)
def test_network_approval_card(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """A Bash approval card for `npm install left-pad`: the command, ✓ npm install left-pad allowed by
    Bash(npm install:*), then a yellow line "network: this command gets network access if you allow it (npm
    install reaches the network)", the rule "asks: network access (…)", and only [y] once and [n] deny, with the
    note that network access is allowed one call at a time."""
    check(snap_compare, make_app, "network_approval", size)


@pytest.mark.parametrize("size", SIZES)
def test_no_sandbox_warning(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The main screen after one turn on a machine with no OS sandbox: the status bar shows "no sandbox" in bold
    red after the mode, and the chat starts with the warning "no OS sandbox: shell commands run unconfined (bwrap
    is not installed; Landlock is not available)"."""
    check(snap_compare, make_app, "no_sandbox", size)


@pytest.mark.parametrize("size", SIZES)
def test_plan_panel_mid_task(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The plan pane in front (narrow: alone, "alt+3 plan" highlighted in the top bar): 2/5 with a bar, two
    struck-through done steps, "▶ Proposing a new policy" highlighted by the cursor, two pending ○ steps, and the
    key hints "a add · e edit · x remove" and "space ○→▶→✓ · ⇧↑↓ move"."""
    check(snap_compare, make_app, "plan_mid_task", size)


@pytest.mark.parametrize("size", SIZES)
def test_symbol_outline(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """src/payments.py previewed with highlighting, and its outline beside it: class PaymentClient with
    __init__, charge, refund, and def backoff_delay, each with its line number; the outline has focus."""
    check(snap_compare, make_app, "symbol_outline", size)


@pytest.mark.parametrize("size", SIZES)
def test_ledger(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The Grants dialog over the screen: Bash(pytest:*) session, given by backend-architect on 2026-11-21 for
    "Run: pytest -q", highlighted; Edit(src/**) project, by code-reviewer for "Edit src/retry.py"; the hint "r
    revokes the highlighted grant · Esc closes"."""
    check(snap_compare, make_app, "ledger", size)


@pytest.mark.parametrize("size", SIZES)
def test_persona_picker(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The Personas dialog: four personas, each with a mark in its colour (● for the current one), its name in
    bold, scope and description; the highlighted row is white on blue; legacy-helper shows a yellow ⚠ warning
    line; Enter chooses, Esc closes."""
    check(snap_compare, make_app, "persona_picker", size)


@pytest.mark.parametrize("size", SIZES)
def test_api_error_state(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """After a failed turn: "retrying in 2 s (attempt 1): overloaded (529)" in yellow, then "✗ auth 401: invalid
    x-api-key" in red with the hint about ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL, then "turn ended: error"."""
    check(snap_compare, make_app, "api_error", size)


@pytest.mark.parametrize("size", SIZES)
def test_hooks_and_an_mcp_image(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """After one turn: a Bash `ls` card marked error and "hook" (E1), above it a yellow line "PreToolUse hook
    ./.claude/hooks/no-ls.sh · blocked · exit 2 · 14 ms: no ls today: use Glob"; the mcp__docs__snapshot card (E2)
    expanded, its result ending with "sent to the model: image/png image, 70 bytes"; the answer; a plain line
    "Stop hook make lint · ok · exit 0 · 812 ms"."""
    check(snap_compare, make_app, "hooks_and_image", size)


@pytest.mark.parametrize("size", SIZES)
def test_mcp_progress_on_the_card(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """A running mcp__docs__reindex card (E1, site=guide) whose line ends "· 2/3 · pages 41-80 of 120" instead of
    "running…"."""
    check(snap_compare, make_app, "mcp_progress", size)


@pytest.mark.parametrize("size", SIZES)
def test_what_the_persona_was_told(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The dialog "What backend-architect was told" over the screen: three file lines (the user's CLAUDE.md 412 of
    412 bytes; the project's CLAUDE.md 32,356 of 40,960 bytes — cut at ...; AGENTS.md 0 of 1,024 bytes — left out
    ...), then the system prompt in a read-only text area, and the hint "The system prompt, as sent · Esc
    closes"."""
    check(snap_compare, make_app, "told", size)


@pytest.mark.parametrize("size", SIZES)
def test_context_gauge_near_the_window(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The main screen after a turn whose last response filled 76% of a 200k window: the status bar ends with the
    context gauge in yellow, "ctx 76% ▰▰▰▰▰▰▱▱ of 200k" (narrow: "ctx 76%"), as it nears the 80% compaction
    point."""
    check(snap_compare, make_app, "context_near_window", size)


@pytest.mark.parametrize("size", SIZES)
def test_compacted_conversation(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """After an automatic compaction: the chat shows only the marker "── compacted · 152.0k → 4.1k tokens (auto) ·
    5 earlier entries folded: click to show ──" (wrapped at 80 columns; the first turn is folded above it), and the
    gauge is back to "ctx 2% ▱▱▱▱▱▱▱▱ of 200k" in dim colours (narrow: "ctx 2%")."""
    check(snap_compare, make_app, "compacted", size)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """F1: the "Keys and commands" dialog. First how to leave the prompt (alt+1 files, alt+2 chat, alt+3 plan, ESC
    then the digit, Tab, shift+tab), then a table: where, key, what it does, its id for [keys] (App ^q Quit
    app.quit, F1 Help, F2 Mouse capture, ^p Palette, then the Workbench screen's keys)."""
    check(snap_compare, make_app, "help", size)


@pytest.mark.parametrize("size", SIZES)
def test_slash_command_typed(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """"/mo" typed in the prompt: "del" greyed after it, and above the prompt the matching commands, "/model
    [alias|id]  show or switch the model (an alias or an id)" in bold, then "/mode [name]  show or switch the
    permission mode (shift+tab cycles)"."""
    check(snap_compare, make_app, "slash_command", size)
