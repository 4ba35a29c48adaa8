"""Named app states shared by the snapshot tests and screenshots/make_screenshots.py.

Each state is (turns and session extras, a coroutine that drives the pilot there). Everything shown is
fixed: session id, durations, usage, the repo's name and contents; the cursor does not blink.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textual.pilot import Pilot

from tests.tui.samples import (
    EDIT_REQUEST,
    NETWORK_REQUEST,
    NO_SANDBOX,
    REWIND_PROMPTS,
    SHELL_REQUEST,
    USAGE,
    first_turn,
    small_turn,
)
from tests.tui.scripted import Ask, Hold, make_grant
from workbench.core.agent.memory import Memory, MemoryFile
from workbench.core.events import (
    AssistantText,
    Compacted,
    ErrorEvent,
    Event,
    HookRan,
    Retrying,
    Rewound,
    ToolCallFinished,
    ToolCallReady,
    ToolProgress,
    TurnDone,
    TurnStarted,
    UsageInfo,
    UsageUpdated,
)
from workbench.tui.host import PersonaChoice
from workbench.tui.widgets.approval import ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard

Drive = Callable[[Pilot[Any]], Awaitable[None]]


async def settle(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        try:
            if condition():
                break
        except Exception:  # the widgets may not be composed yet
            pass
        await pilot.pause(0.02)
    else:
        raise AssertionError("state not reached")


async def ready(pilot: Pilot[Any]) -> None:
    """The explorer has its git status, the prompt does not blink."""
    screen: Any = pilot.app.screen
    screen.chat.prompt.cursor_blink = False
    await settle(pilot, lambda: bool(screen.query("#explorer")) and screen.query_one("#explorer").status is not None)
    await pilot.pause()


async def send(pilot: Pilot[Any], text: str = "Review the payments module and propose a safer retry policy.") -> None:
    screen: Any = pilot.app.screen
    await ready(pilot)
    screen.chat.prompt.focus()
    screen.chat.prompt.value = text
    await pilot.press("enter")


async def turn_done(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await send(pilot)
    await settle(pilot, lambda: not screen.chat_busy() and any(e.type == "turn_done" for e in screen.events))
    await pilot.pause(0.1)


async def approval_shown(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await send(pilot)
    await settle(pilot, lambda: bool(screen.query(ApprovalCard)))
    await pilot.pause(0.4)
    screen.chat.transcript.scroll_end(animate=False)
    await pilot.pause()


async def plan_focused(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await turn_done(pilot)
    await pilot.press("alt+3")
    screen.query_one("#plan-items").focus()
    await pilot.press("down", "down")
    await pilot.pause()


async def outline_open(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await ready(pilot)
    screen.open_preview("src/payments.py")
    await settle(pilot, lambda: type(pilot.app.screen).__name__ == "PreviewScreen")
    preview_screen: Any = pilot.app.screen
    await settle(pilot, lambda: bool(preview_screen.query_one("#preview-outline").symbols))
    preview_screen.query_one("#preview-outline").focus()
    await pilot.pause(0.1)


async def ledger_open(pilot: Pilot[Any]) -> None:
    await turn_done(pilot)
    await pilot.press("ctrl+g")
    await pilot.pause(0.1)


PERSONAS = [
    PersonaChoice(
        "backend-architect", "backend-architect", "Designs services and reviews backend code.", "blue", "bundled"
    ),
    PersonaChoice("code-reviewer", "code-reviewer", "Reviews diffs for bugs, tests and style.", "green", "bundled"),
    PersonaChoice("debugger", "debugger", "Finds the root cause of failures.", "red", "project"),
    PersonaChoice(
        "legacy-helper",
        "legacy-helper",
        "Old Gemini-style subagent.",
        None,
        "user",
        "warning: tool 'WebSearch' unavailable",
    ),
]


async def personas_open(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await ready(pilot)
    await settle(pilot, lambda: screen.personas_ready)
    screen.persona_load.choices[:] = PERSONAS
    await pilot.press("ctrl+n")
    await pilot.pause(0.1)


async def help_open(pilot: Pilot[Any]) -> None:
    await ready(pilot)
    await pilot.press("f1")
    await settle(pilot, lambda: type(pilot.app.screen).__name__ == "HelpScreen")
    await pilot.pause(0.1)


async def command_typed(pilot: Pilot[Any]) -> None:
    """A slash command half typed: the matching commands above the prompt, the rest of the name greyed."""
    screen: Any = pilot.app.screen
    await ready(pilot)
    await settle(pilot, lambda: screen.personas_ready)
    screen.chat.prompt.focus()
    await pilot.press(*"/mo")
    await settle(pilot, lambda: screen.chat.prompt._suggestion == "/model")
    await pilot.pause(0.1)


def error_turn() -> list[Event | Ask]:
    prompt = "Review the payments module and propose a safer retry policy."
    return [
        TurnStarted(turn=1, prompt=prompt, persona_id="b", model="m"),
        Retrying(attempt=1, delay_s=2, reason="overloaded (529)"),
        ErrorEvent(
            kind="auth",
            status_code=401,
            message="invalid x-api-key",
            hint="Check ANTHROPIC_API_KEY, or point ANTHROPIC_BASE_URL at a compatible server.",
        ),
        TurnDone(stop_reason="error", final_text="", usage=UsageInfo()),
    ]


PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HOOK_PROMPT = "List the folder, then take a screenshot of the docs page."


def hooks_turn() -> list[Event | Ask | Hold]:
    """A PreToolUse hook blocks `ls`; an MCP tool's picture goes to the model; a Stop hook lets the turn end."""
    return [
        TurnStarted(turn=1, prompt=HOOK_PROMPT, persona_id="b", model="m"),
        ToolCallReady(call_id="h1", tool="Bash", input={"command": "ls"}, summary="ls"),
        HookRan(
            hook_event="PreToolUse",
            command="./.claude/hooks/no-ls.sh",
            source=".claude/settings.json",
            outcome="blocked",
            exit_code=2,
            duration_ms=14,
            message="no ls today: use Glob",
            target="Bash",
            call_id="h1",
        ),
        ToolCallFinished(
            call_id="h1",
            tool="Bash",
            input={"command": "ls"},
            is_error=True,
            duration_ms=15,
            output="Blocked by a PreToolUse hook: no ls today: use Glob",
            decision="hook",
        ),
        ToolCallReady(call_id="h2", tool="mcp__docs__snapshot", input={"page": "/guide"}, summary="page=/guide"),
        ToolCallFinished(
            call_id="h2",
            tool="mcp__docs__snapshot",
            input={"page": "/guide"},
            is_error=False,
            duration_ms=420,
            output="the guide page\n[image content: image/png, 70 bytes; sent to the model as an image]",
            media=({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},),
        ),
        AssistantText(text="The docs page shows the guide."),
        HookRan(
            hook_event="Stop",
            command="make lint",
            source="~/.claude/settings.json",
            outcome="ok",
            exit_code=0,
            duration_ms=812,
        ),
        TurnDone(stop_reason="end_turn", final_text="The docs page shows the guide.", usage=UsageInfo()),
    ]


def progress_turn() -> list[Event | Ask | Hold]:
    """An MCP call still running, its server's last progress report on the card."""
    return [
        TurnStarted(turn=1, prompt="Index the docs.", persona_id="b", model="m"),
        ToolCallReady(call_id="p1", tool="mcp__docs__reindex", input={"site": "guide"}, summary="site=guide"),
        ToolProgress(call_id="p1", tool="mcp__docs__reindex", progress=2, total=3, message="pages 41-80 of 120"),
        Hold(),
    ]


async def running(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await send(pilot, "Index the docs.")
    await settle(pilot, lambda: any(e.type == "tool_progress" for e in screen.events))
    screen.status._ticker.pause()  # the busy spinner stands still on its first frame
    screen.status.frame = 0
    await pilot.pause(0.1)


async def expanded_turn(pilot: Pilot[Any]) -> None:
    """The turn done; the MCP call's card expanded (it names the image sent with its result)."""
    screen: Any = pilot.app.screen
    await send(pilot, HOOK_PROMPT)
    await settle(pilot, lambda: not screen.chat_busy() and any(e.type == "turn_done" for e in screen.events))
    card = next(c for c in screen.query(EvidenceCard) if c.data.call_id == "h2")
    card.expanded = True
    await pilot.pause(0.1)


async def told_open(pilot: Pilot[Any]) -> None:
    screen: Any = pilot.app.screen
    await turn_done(pilot)
    screen.action_told()
    await pilot.pause(0.2)


TOLD_MEMORY = Memory(
    files=[
        MemoryFile("/home/dev/.claude/CLAUDE.md", 412, 412),
        MemoryFile("/work/payments/CLAUDE.md", 40_960, 32_356, "cut at 32,356 of 40,960 bytes (the 32 KiB cap)"),
        MemoryFile("/work/payments/AGENTS.md", 1_024, 0, "left out: the 32 KiB cap was used up by earlier files"),
    ]
)
TOLD_PROMPT = (
    "You are backend-architect.\n\n<env>\nWorking directory: /work/payments\n</env>\n\n"
    "Tools available to you in this session: Read, Grep, Bash.\n\n"
    "Project instructions (follow them where they apply):\n"
    '<project-instructions file="/home/dev/.claude/CLAUDE.md">\nAnswer in British English.\n</project-instructions>'
)
NEAR_WINDOW = UsageInfo(input_tokens=1_200, cache_read_input_tokens=148_000, output_tokens=2_800, cost_usd=0.071)


def near_window_turn() -> list[Event | Ask]:
    """The first turn, its last response leaving the conversation at 76% of a 200k window (compaction at 80%)."""
    events = first_turn()
    usage = UsageUpdated(turn=NEAR_WINDOW, session=NEAR_WINDOW, model="claude-sonnet-4-5", window=200_000)
    return [*events[:-1], usage, events[-1]]


def compacted_turn() -> list[Event | Ask]:
    """The first turn, then an automatic compaction: the turn folds under the marker, the gauge drops."""
    events = near_window_turn()
    compacted = Compacted(
        trigger="auto",
        tokens_before=152_000,
        tokens_after=4_100,
        messages_before=14,
        messages_after=1,
        window=200_000,
        summary="## Goal\nA safer retry policy for the payments module.",
    )
    return [*events[:-1], compacted, events[-1]]


REWIND_TURNS = [small_turn(n) for n in (1, 2, 3)]
REWOUND = Rewound(
    to_turn=2, files=True, conversation=True, restored=("src/retry.py",), deleted=("src/policy.py",), checkpoint="c"
)


def turns_done(screen: Any, count: int) -> bool:
    return not screen.chat_busy() and sum(e.type == "turn_done" for e in screen.events) == count


async def turns_sent(pilot: Pilot[Any], prompts: tuple[str, ...] = REWIND_PROMPTS) -> None:
    """Each prompt sent in turn, each turn finished before the next."""
    screen: Any = pilot.app.screen
    for number, prompt in enumerate(prompts, 1):
        await send(pilot, prompt)
        await settle(pilot, partial(turns_done, screen, number))


async def rewound(pilot: Pilot[Any]) -> None:
    """Three turns, then a rewind of files and conversation to turn 2, as the picker's `y` ends one."""
    from workbench.core.checkpoint.restore import Applied
    from workbench.core.checkpoint.rewind import RewindResult
    from workbench.tui.screens.rewind import done

    screen: Any = pilot.app.screen
    await turns_sent(pilot)
    done(screen, RewindResult(REWOUND, Applied(["src/retry.py"], ["src/policy.py"]), None))
    await settle(pilot, lambda: bool(screen.query("RewindMarker")))
    await pilot.pause(0.2)


@dataclass
class State:
    name: str
    drive: Drive
    turns: list[list[Event | Ask | Hold]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


STATES = {
    s.name: s
    for s in (
        State("main", turn_done, [first_turn()], {"usage": USAGE}),
        State("edit_approval", approval_shown, [[*first_turn()[:-2], Ask(EDIT_REQUEST)]]),
        State("shell_approval", approval_shown, [[*first_turn()[:-2], Ask(SHELL_REQUEST)]]),
        State("network_approval", approval_shown, [[*first_turn()[:-2], Ask(NETWORK_REQUEST)]]),
        State("no_sandbox", turn_done, [first_turn()], {"usage": USAGE, "sandbox_warning": NO_SANDBOX}),
        State("plan_mid_task", plan_focused, [first_turn()]),
        State("symbol_outline", outline_open),
        State(
            "ledger",
            ledger_open,
            [first_turn()],
            {
                "grants": [
                    make_grant("g1", "Bash(pytest:*)", "session", "Run: pytest -q"),
                    make_grant("g2", "Edit(src/**)", "project", "Edit src/retry.py", "code-reviewer"),
                ]
            },
        ),
        State("persona_picker", personas_open),
        State("api_error", turn_done, [error_turn()]),
        State("hooks_and_image", expanded_turn, [hooks_turn()]),
        State("mcp_progress", running, [progress_turn()]),
        State("told", told_open, [first_turn()], {"usage": USAGE, "told": (TOLD_MEMORY, TOLD_PROMPT)}),
        State("context_near_window", turn_done, [near_window_turn()]),
        State("compacted", turn_done, [compacted_turn()]),
        State("rewound", rewound, REWIND_TURNS),
        State("help", help_open),
        State("slash_command", command_typed),
    )
}
