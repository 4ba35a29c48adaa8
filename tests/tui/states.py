"""Named app states shared by the snapshot tests and screenshots/make_screenshots.py.

Each state is (turns and session extras, a coroutine that drives the pilot there). Everything shown is
fixed: session id, durations, usage, the repo's name and contents; the cursor does not blink.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from textual.pilot import Pilot

from tests.tui.samples import EDIT_REQUEST, NETWORK_REQUEST, NO_SANDBOX, SHELL_REQUEST, USAGE, first_turn
from tests.tui.scripted import Ask, Grant
from workbench.core.events import ErrorEvent, Event, Retrying, TurnDone, TurnStarted, UsageInfo
from workbench.tui.host import PersonaChoice
from workbench.tui.widgets.approval import ApprovalCard

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


@dataclass
class State:
    name: str
    drive: Drive
    turns: list[list[Event | Ask]] = field(default_factory=list)
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
                    Grant("g1", "Bash(pytest:*)", "session", "you, turn 1"),
                    Grant("g2", "Edit(src/**)", "project", "config.toml"),
                ]
            },
        ),
        State("persona_picker", personas_open),
        State("api_error", turn_done, [error_turn()]),
    )
}
