"""Hostile text through every widget that shows untrusted text: no crash, no action run, no escape emitted."""

from __future__ import annotations

import re

from rich.console import Console

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.scripted import Ask, make_grant
from workbench.core.approvals import ApprovalRequest, SegmentVerdict, Verdict
from workbench.core.events import (
    AssistantText,
    ErrorEvent,
    Notice,
    PlanItem,
    PlanUpdated,
    TextDelta,
    ToolCallFinished,
    ToolCallReady,
    TurnDone,
    TurnStarted,
    UsageInfo,
)
from workbench.tui.host import PersonaChoice
from workbench.tui.widgets.approval import ApprovalCard
from workbench.tui.widgets.evidence import EvidenceCard

MARKUP = "[bold red]X[/] [@click=app.quit]quit[/] [/ [link=file:///etc/passwd]l[/link]"
ESCAPES = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31mred\x9b1m\x1bP+q\x1b\\"
BIDI = "\u202eexe.txt\u202c\u2066x\u2069\u200b"
LONG = "A" * 10_000
BINARY = b"\x00\x01\x02\xff\xfe ELF\x7f".decode("utf-8", "replace")
HOSTILE = f"{MARKUP} {ESCAPES} {BIDI} {BINARY}\n{LONG}"

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_turn() -> list[object]:
    request = ApprovalRequest(
        id="r1",
        call_id="c9",
        tool=f"Bash{ESCAPES}",
        input={"command": HOSTILE},
        summary=f"Run: {MARKUP}",
        reason=f"{MARKUP}{ESCAPES}",
        rule=MARKUP,
        diff=f"--- a/{MARKUP}\n+++ b/x\n@@ -1 +1 @@\n-{ESCAPES}\n+{BIDI}\n+{LONG}",
        command=HOSTILE,
        command_visible=None,
        segments=(SegmentVerdict(HOSTILE, HOSTILE, Verdict.ASK, MARKUP, ESCAPES),),
        proposals={"session": MARKUP, "project": ESCAPES},
    )
    return [
        TurnStarted(turn=1, prompt=HOSTILE, persona_id="p", model="m"),
        TextDelta(text=HOSTILE[:500]),
        TextDelta(text=HOSTILE[500:]),
        AssistantText(text=HOSTILE),
        ToolCallReady(call_id="c1", tool=MARKUP, input={"file_path": HOSTILE}, summary=HOSTILE),
        ToolCallFinished(
            call_id="c1",
            tool=MARKUP,
            input={"file_path": HOSTILE, MARKUP: ESCAPES},
            output=HOSTILE,
            is_error=True,
            duration_ms=1,
            diff=HOSTILE,
            decision=MARKUP,
        ),
        ToolCallFinished(
            call_id="c2",
            tool="Read",
            input={"file_path": "bin.dat"},
            output=BINARY * 100,
            is_error=False,
            duration_ms=1,
        ),
        PlanUpdated(items=(PlanItem(content=HOSTILE, status="in_progress", active_form=MARKUP),)),
        Notice(level="warning", message=HOSTILE),
        ErrorEvent(kind=MARKUP, message=HOSTILE, hint=ESCAPES, status_code=500),
        Ask(request),
        TurnDone(stop_reason=MARKUP, final_text=HOSTILE, usage=UsageInfo()),
    ]


def assert_clean_screen(svg: str) -> None:
    assert "\x1b" not in svg and "&#27;" not in svg and "\x07" not in svg
    assert not CONTROL.search(svg)


async def test_hostile_text_everywhere(make_app: AppMaker) -> None:
    app = make_app([hostile_turn()], grants=[make_grant("g", MARKUP, "session", ESCAPES, BIDI)])
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        screen.chat.prompt.value = "go"
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)))
        await pilot.pause(0.4)
        assert_clean_screen(app.export_screenshot())
        card = screen.query_one(ApprovalCard)
        for y in range(2, 38, 3):  # clicking anywhere on hostile text runs nothing
            await pilot.click(offset=(60, y))
        card.focus()
        await pilot.press("y")
        await wait_until(pilot, lambda: not screen.chat_busy())
        for ev_card in screen.query(EvidenceCard):
            ev_card.expanded = True
        await pilot.pause()
        svg = app.export_screenshot()
        assert_clean_screen(svg)
        assert "[@click=app.quit]" in svg.replace("&#160;", " ")
        shown = ""
        for ev_card in screen.query(EvidenceCard):
            console = Console(width=110, record=True, force_terminal=False, color_system=None)
            console.print(ev_card.render())
            shown += console.export_text()
        assert "<U+202E>" in shown and "binary output" in shown and "<ESC>]52;c;" in shown
        assert card.decision is not None

        await wait_until(pilot, lambda: screen.personas_ready)
        screen.use_persona(PersonaChoice(id="x", name=HOSTILE, description=HOSTILE, color=MARKUP))
        screen.persona_load.choices.append(PersonaChoice(id="y", name=MARKUP, description=ESCAPES, problem=BIDI))
        for key in ("ctrl+n", "escape", "ctrl+g", "escape", "ctrl+o", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert_clean_screen(app.export_screenshot())
        screen.query_one(EvidenceCard).focus()
        await pilot.press("v")
        await pilot.pause()
        assert_clean_screen(app.export_screenshot())
        await pilot.press("escape")
        assert app.is_running and app.return_code is None


def test_frozen_renderables_emit_no_escapes() -> None:
    """The same data frozen into history renders to plain segments only."""
    from workbench.tui.widgets.approval import request_body
    from workbench.tui.widgets.evidence import EvidenceData, body_renderable, summary_line

    fin = ToolCallFinished(
        call_id="c", tool=MARKUP, input={"x": HOSTILE}, output=HOSTILE, is_error=False, duration_ms=1
    )
    data = EvidenceData.from_finished("E1", fin)
    req = hostile_turn()[-2].request  # type: ignore[attr-defined]
    console = Console(width=100, record=True, force_terminal=False, color_system=None)
    for renderable in (summary_line(data, True), body_renderable(data, full=True), request_body(req)):
        console.print(renderable)
    text = console.export_text()
    assert not CONTROL.search(text)
    assert "[@click=app.quit]" in text
