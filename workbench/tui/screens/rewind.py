"""The rewind picker: the session's turns (prompt, time, files changed, commands run) with a diff preview, and
the plan shown before anything changes.

`open_rewind(screen)` is the plain entry point (the palette, ctrl+t, and later a `/rewind` command). The screen
talks to the core through a `RewindSource`; `LiveRewind` is the one over a running session. Git work runs in
worker threads.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.tui import render, safe
from workbench.tui.screens.modals import Dialog
from workbench.tui.widgets.cursor_list import CursorList

if TYPE_CHECKING:
    from workbench.core.checkpoint.rewind import RewindPlan, RewindResult
    from workbench.core.checkpoint.turns import TurnRow
    from workbench.tui.host import SessionLike
    from workbench.tui.screens.main import MainScreen

PICK_HINT = "Enter rewinds files + conversation · f files only · c conversation only · u undo last rewind · Esc closes"
PLAN_HINT = "y applies (conflicts kept) · F applies and overwrites conflicts · Esc back to the turns"


class RewindSource(Protocol):
    def rows(self) -> list[TurnRow]: ...

    def preview(self, turn: int) -> str: ...

    def plan(self, turn: int, files: bool, conversation: bool) -> RewindPlan: ...

    def plan_undo(self) -> RewindPlan: ...

    def apply(self, plan: RewindPlan, force: bool) -> RewindResult: ...


class LiveRewind:
    """A running session's checkpoints, through the core."""

    def __init__(self, session: SessionLike) -> None:
        self.session = session

    def rows(self) -> list[TurnRow]:
        from workbench.core.checkpoint.turns import turn_rows

        checkpoints = self.session.checkpoints
        return turn_rows(checkpoints.store, self.session.events) if checkpoints is not None else []

    def preview(self, turn: int) -> str:
        from workbench.core.checkpoint.turns import turn_diff

        checkpoints = self.session.checkpoints
        return turn_diff(checkpoints.store, self.session.events, turn) if checkpoints is not None else ""

    def plan(self, turn: int, files: bool, conversation: bool) -> RewindPlan:
        plan: RewindPlan = self.session.rewinder().plan(turn, files=files, conversation=conversation)
        return plan

    def plan_undo(self) -> RewindPlan:
        plan: RewindPlan = self.session.rewinder().plan(undo=True)
        return plan

    def apply(self, plan: RewindPlan, force: bool) -> RewindResult:
        rewinder = self.session.rewinder()
        result: RewindResult = rewinder.apply(plan, force=force)
        if result.history is not None:
            self.session.history[:] = result.history
        return result


def row_label(row: TurnRow) -> Text:
    when = dt.datetime.fromtimestamp(row.when).strftime("%H:%M") if row.when else "--:--"
    out = Text()
    out.append(f"{row.turn:>3}  ", style="bold")
    out.append(f"{when}  ", style="dim")
    out.append(safe.one_line(row.prompt, 60))
    files = f"{len(row.files)} file{'s' if len(row.files) != 1 else ''}"
    commands = f"{row.commands} command{'s' if row.commands != 1 else ''}"
    out.append(f"  · {files} · {commands}", style="dim")
    return out


def lines_text(lines: list[str]) -> Text:
    """Plan lines (untrusted paths and diff) coloured like a diff."""
    return render.diff("\n".join(lines))


class RewindScreen(Dialog):
    """Pick a turn; see what it changed; see the plan; apply it.

    | Key | Action |
    | :- | :- |
    | enter | plan a rewind of files and conversation to before the turn |
    | f / c | plan a rewind of the files only / the conversation only |
    | u | plan the undo of the last rewind |
    | y | apply the plan (conflicts are kept) |
    | F | apply the plan and overwrite conflicts |
    | escape | back to the turns, or close |
    """

    BINDING_GROUP_TITLE = "Rewind"
    BINDINGS = [
        Binding("escape", "back", "Back / close", id="rewind.close"),
        Binding("f", "plan(True, False)", "Files only", id="rewind.files"),
        Binding("c", "plan(False, True)", "Conversation only", id="rewind.conversation"),
        Binding("u", "undo", "Undo the last rewind", id="rewind.undo"),
        Binding("y", "apply(False)", "Apply", id="rewind.apply"),
        Binding("F", "apply(True)", "Apply, overwrite conflicts", id="rewind.force"),
    ]

    DEFAULT_CSS = """
    RewindScreen {
        & #rewind-turns { height: 1fr; max-height: 12; }
        & #rewind-preview-box { height: 2fr; border-top: solid $foreground 30%; }
        & #rewind-hint { height: auto; }  /* every key, on two lines at 80 columns */
    }
    """

    def __init__(self, source: RewindSource, rows: list[TurnRow]) -> None:
        super().__init__()
        self.source = source
        self.rows = rows
        self.pending: RewindPlan | None = None
        self.previews: dict[int, str] = {}

    def compose(self) -> ComposeResult:
        options = [Option(row_label(row), id=f"t{row.turn}") for row in reversed(self.rows)]
        with Vertical() as box:
            box.border_title = "Rewind to before a turn"
            yield CursorList(*options, id="rewind-turns")  # the highlighted row in the cursor's colours only
            with VerticalScroll(id="rewind-preview-box"):
                yield Static(Text("(choose a turn)", style="dim"), id="rewind-preview")
            yield Static(PICK_HINT, classes="hint", markup=False, id="rewind-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if self.rows:
            self.show_turn(self.rows[-1].turn)

    def _turn(self) -> int | None:
        option_list = self.query_one(OptionList)
        index = option_list.highlighted
        if index is None:
            return None
        option = option_list.get_option_at_index(index)
        return int((option.id or "t0")[1:])

    @on(OptionList.OptionHighlighted, "#rewind-turns")
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.pending = None
        self.query_one("#rewind-hint", Static).update(PICK_HINT)
        self.show_turn(int((event.option.id or "t0")[1:]))

    def show_turn(self, turn: int) -> None:
        if turn in self.previews:
            self._show_preview(turn, self.previews[turn])
        else:
            self.load_preview(turn)

    @work(thread=True, exclusive=True, group="rewind-preview", exit_on_error=False)
    def load_preview(self, turn: int) -> None:
        try:
            text = self.source.preview(turn)
        except Exception as exc:  # a broken store shows as a message, not a crash
            text = f"(no diff: {exc})"
        self.app.call_from_thread(self._show_preview, turn, text)

    def _show_preview(self, turn: int, text: str) -> None:
        self.previews[turn] = text
        if self.pending is not None or self._turn() not in (turn, None):
            return
        row = next((r for r in self.rows if r.turn == turn), None)
        title = Text(f"Turn {turn}: what it changed", style="bold")
        if row is not None and row.files:
            title.append("  " + safe.one_line(", ".join(row.files), 200), style="dim")
        body, more = render.head(text, 300) if text else (safe.clean("(no file changes in this turn)"), 0)
        parts: list[Any] = [title, render.diff(body)]
        if more:
            parts.append(Text(f"… {more} more lines", style="dim italic"))
        self.query_one("#rewind-preview", Static).update(Group(*parts))

    @on(OptionList.OptionSelected, "#rewind-turns")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.action_plan(True, True)

    def action_plan(self, files: bool, conversation: bool) -> None:
        turn = self._turn()
        if turn is not None:
            self.query_one("#rewind-preview", Static).update(Text("working out the plan…", style="dim"))
            self.make_plan(turn, files, conversation)

    def action_undo(self) -> None:
        self.query_one("#rewind-preview", Static).update(Text("working out the plan…", style="dim"))
        self.make_plan(0, True, True, undo=True)

    @work(thread=True, exclusive=True, group="rewind-plan", exit_on_error=False)
    def make_plan(self, turn: int, files: bool, conversation: bool, undo: bool = False) -> None:
        try:
            plan = self.source.plan_undo() if undo else self.source.plan(turn, files, conversation)
        except Exception as exc:
            what = "nothing to undo" if undo else f"no rewind to turn {turn}"
            self.app.call_from_thread(self._failed, f"{what}: {exc}")
            return
        self.app.call_from_thread(self._show_plan, plan)

    def _failed(self, message: str) -> None:
        self.query_one("#rewind-preview", Static).update(Text(safe.clean(message), style="red"))

    def _show_plan(self, plan: RewindPlan) -> None:
        from workbench.core.checkpoint.report import plan_lines

        self.pending = plan
        self.query_one("#rewind-preview", Static).update(lines_text(plan_lines(plan)))
        self.query_one("#rewind-hint", Static).update(PLAN_HINT)

    def action_apply(self, force: bool) -> None:
        if self.pending is not None:
            plan, self.pending = self.pending, None
            self.query_one("#rewind-preview", Static).update(Text("rewinding…", style="dim"))
            self.run_apply(plan, force)

    @work(thread=True, exclusive=True, group="rewind-apply", exit_on_error=False)
    def run_apply(self, plan: RewindPlan, force: bool) -> None:
        try:
            result = self.source.apply(plan, force)
        except Exception as exc:
            self.app.call_from_thread(self._failed, f"the rewind failed: {exc}")
            return
        self.app.call_from_thread(self.dismiss, result)

    def action_back(self) -> None:
        if self.pending is not None:
            self.pending = None
            self.query_one("#rewind-hint", Static).update(PICK_HINT)
            turn = self._turn()
            if turn is not None:
                self.show_turn(turn)
            return
        self.dismiss(None)


def open_rewind(screen: MainScreen, source: RewindSource | None = None) -> None:
    """Open the picker over `screen` (the main screen) for its session; what a `/rewind` command calls."""
    if screen.chat_busy():
        screen.notify("Wait for the turn to finish (or Esc) before rewinding.", severity="warning")
        return
    session = screen.session
    if source is None:
        if session is None or session.checkpoints is None:
            screen.notify("Nothing to rewind yet: this session has no checkpoints.", markup=False)
            return
        source = LiveRewind(session)
    chosen = source

    def loaded(rows: list[TurnRow]) -> None:
        if not rows:
            screen.notify("Nothing to rewind yet: no turn has a checkpoint.", markup=False)
            return
        screen.app.push_screen(RewindScreen(chosen, rows), lambda result: done(screen, result))

    def work_rows() -> None:
        try:
            rows = chosen.rows()
        except Exception as exc:
            screen.app.call_from_thread(screen.notify, f"Rewind: {exc}", severity="error", markup=False)
            return
        screen.app.call_from_thread(loaded, rows)

    screen.run_worker(work_rows, thread=True, group="rewind-rows", exit_on_error=False)


def done(screen: MainScreen, result: RewindResult | None) -> None:
    """The rewind went through: the chat shows it as a resumed session will (its event folds the rewound turns
    under a marker), plus the files it could not write, which only this moment knows."""
    if result is None:
        return
    screen.dispatch(result.event)
    if result.applied.failed:
        failed = [f"could not write {p}: {why}" for p, why in result.applied.failed]
        screen.chat.transcript.add_notice(Text(safe.clean("\n".join(failed))), "error")
    screen.chat.transcript.follow()
    explorer = screen.explorer()
    if explorer is not None:
        explorer.refresh_status()
