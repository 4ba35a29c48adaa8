"""The rewind picker and the per-hunk approval card, at 80x24 and 160x48 (each docstring says what you see),
and the picker driven end to end over a real checkpoint store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import AppMaker, wait_until
from tests.tui.samples import first_turn
from tests.tui.scripted import Ask
from tests.tui.states import approval_shown, ready, settle
from workbench.core.approvals import ApprovalRequest
from workbench.core.checkpoint.recorder import Checkpointer
from workbench.core.checkpoint.rewind import Rewinder, RewindPlan
from workbench.core.checkpoint.turns import TurnRow
from workbench.core.events import Event, ToolCallFinished, TurnStarted
from workbench.core.tools.edit import unified_diff
from workbench.tui.screens.rewind import LiveRewind, RewindScreen, open_rewind
from workbench.tui.widgets.approval import ApprovalCard

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
FIXED_TIME = dt.datetime(2026, 1, 1, 14, 5).timestamp()  # shown as 14:05; the rows keep it fixed
OLD = "".join(f"line {n}\n" for n in range(1, 25))
NEW = OLD.replace("line 3\n", "line three\n").replace("line 21\n", "line twenty-one\nand one more\n")
HUNK_REQUEST = ApprovalRequest(
    id="req-hunks",
    call_id="toolu_hunks",
    tool="Edit",
    input={"file_path": "src/retry.py"},
    summary="Edit src/retry.py (+3 -2)",
    reason="Edit asks in default mode",
    diff=unified_diff("src/retry.py", OLD, NEW),
    proposals={"session": "Edit(src/retry.py)"},
)


class SessionOver:
    """What LiveRewind uses of a session, over a real checkpoint store: turns made by calling the checkpointer
    as the session and the call gate do, with real file changes in between."""

    def __init__(self, workspace: Path) -> None:
        self.events: list[Event] = []
        self.history: list[dict[str, Any]] = []
        self.checkpoints = Checkpointer(workspace, "snap-session")
        self.workspace = workspace
        self.cuts: list[Any] = []  # conversation cuts, for undo (as a live session keeps them)

    async def turn(self, number: int, prompt: str, change: dict[str, str | None], tool: str = "Bash") -> None:
        self.events.append(TurnStarted(turn=number, prompt=prompt, persona_id="p", model="m"))
        self.history.append({"role": "user", "content": [{"type": "text", "text": prompt}]})
        self.events += await self.checkpoints.turn_start(number, len(self.history) - 1, -1)
        self.events += await self.checkpoints.before_call(f"c{number}", tool, "exec", ())
        for path, text in change.items():
            target = self.workspace / path
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        marks, _changes = await self.checkpoints.after_call(f"c{number}", tool, "exec", ())
        self.events += marks
        self.events.append(
            ToolCallFinished(call_id=f"c{number}", tool=tool, input={}, output="", is_error=False, duration_ms=1)
        )
        self.history.append({"role": "assistant", "content": [{"type": "text", "text": "done"}]})

    def rewinder(self) -> Rewinder:
        return Rewinder(self.checkpoints, self.events, self.history, self.events.append, self.cuts)


class FixedTimes(LiveRewind):
    def rows(self) -> list[TurnRow]:
        return [dataclasses.replace(row, when=FIXED_TIME) for row in super().rows()]


async def two_turns(workspace: Path) -> SessionOver:
    session = SessionOver(workspace)
    await session.turn(1, "Add a retry policy module", {"src/policy.py": "MAX_ATTEMPTS = 3\n", "NOTES.txt": None})
    await session.turn(2, "Use the policy in retry.py", {"src/retry.py": "from policy import MAX_ATTEMPTS\n"})
    return session


def picker_driver(sample_repo: Path) -> Any:
    async def drive(pilot: Pilot[Any]) -> None:
        screen: Any = pilot.app.screen
        await ready(pilot)
        session = await two_turns(sample_repo)
        open_rewind(screen, FixedTimes(session))
        await settle(pilot, lambda: isinstance(pilot.app.screen, RewindScreen))
        picker: Any = pilot.app.screen
        await settle(pilot, lambda: bool(picker.previews))
        await pilot.pause(0.2)

    return drive


@pytest.mark.parametrize("size", SIZES)
def test_rewind_picker(snap_compare: Any, make_app: AppMaker, sample_repo: Path, size: tuple[int, int]) -> None:
    """ "Rewind to before a turn" over the screen: turn 2 (highlighted) and turn 1, each with 14:05, its prompt,
    "· N file(s) · 1 command"; below, turn 2's diff ("Turn 2: what it changed  src/retry.py", red and green
    lines), and the hint "Enter rewinds files + conversation · f files only · c conversation only · Esc closes"."""
    app = make_app([first_turn()])
    assert snap_compare(app, terminal_size=size, run_before=picker_driver(sample_repo))


async def reject_second_hunk(pilot: Pilot[Any]) -> None:
    await approval_shown(pilot)
    await pilot.press("j", "space")
    await pilot.pause()
    pilot.app.screen.chat.transcript.scroll_end(animate=False)  # type: ignore[attr-defined]
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_per_hunk_card(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """An "Approval needed · Edit src/retry.py" card with two hunks: "[✓] hunk 1/2" (line 3 -> line three) and,
    under the cursor "▶ [✗] hunk 2/2  (rejected: will not be written)" with its lines dimmed and struck through;
    keys "[j/k] hunk [space] keep/reject [y/enter] apply 1 of 2 hunks [s] this session [n] deny…"."""
    app = make_app([[*first_turn()[:-2], Ask(HUNK_REQUEST)]])
    assert snap_compare(app, terminal_size=size, run_before=reject_second_hunk)


async def test_card_answers_with_the_kept_hunks(make_app: AppMaker, made_sessions: list[Any]) -> None:
    app = make_app([[*first_turn()[:-2], Ask(HUNK_REQUEST)]])
    async with app.run_test(size=(120, 40)) as pilot:
        await reject_second_hunk(pilot)
        card = pilot.app.screen.query_one(ApprovalCard)
        await pilot.press("enter")
        await wait_until(pilot, lambda: card.decision is not None)
        assert card.decision is not None and card.decision.allow and card.decision.hunks == (1,)


async def test_picker_rewinds_files_and_conversation(make_app: AppMaker, sample_repo: Path) -> None:
    """Enter on turn 1 shows the plan; y applies it: turn 1's and 2's changes are undone, the history is cut."""
    app = make_app([first_turn()])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        session = await two_turns(sample_repo)
        screen: Any = pilot.app.screen
        open_rewind(screen, LiveRewind(session))
        await settle(pilot, lambda: isinstance(pilot.app.screen, RewindScreen))
        picker: Any = pilot.app.screen
        await pilot.press("down")  # turn 1 (the newest is first)
        await pilot.press("enter")
        await settle(pilot, lambda: picker.pending is not None)
        plan: RewindPlan = picker.pending
        assert plan.to_turn == 1 and plan.files is not None
        assert {a.path for a in plan.files.actions} == {"src/policy.py", "NOTES.txt", "src/retry.py"}
        await pilot.press("y")
        await settle(pilot, lambda: not isinstance(pilot.app.screen, RewindScreen))
        assert not (sample_repo / "src" / "policy.py").exists()
        assert (sample_repo / "NOTES.txt").exists()
        assert "policy" not in (sample_repo / "src" / "retry.py").read_text()
        assert session.history == []
        assert session.events[-1].type == "rewound"
