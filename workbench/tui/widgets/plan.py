"""The plan panel: the agent's steps with status and progress; the user can add, edit, reorder and check.

Every user change posts `PlanPanel.Changed`; the screen hands the new list to `session.set_plan`, so the
agent hears about it on its next turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from workbench.tui import safe
from workbench.tui.keys import keymap_of

if TYPE_CHECKING:  # the event types load with the first change, not before the first frame
    from workbench.core.events import PlanItem

MARKS = {"completed": ("✓", "green"), "in_progress": ("▶", "bold yellow"), "pending": ("○", "dim")}
NEXT_STATUS = {"pending": "in_progress", "in_progress": "completed", "completed": "pending"}


def progress_text(items: tuple[PlanItem, ...] | list[PlanItem], width: int = 20) -> Text:
    """`2/5 ━━━━━━━────────` for the plan header and the top bar."""
    total = len(items)
    done = sum(1 for i in items if i.status == "completed")
    out = Text(f"{done}/{total} ")
    if total:
        filled = round(width * done / total)
        out.append("━" * filled, style="green").append("─" * (width - filled), style="dim")
    return out


def item_text(item: PlanItem) -> Text:
    mark, style = MARKS.get(item.status, ("○", "dim"))
    label = item.active_form if item.status == "in_progress" and item.active_form else item.content
    out = Text()
    out.append(mark + " ", style=style)
    out.append(safe.one_line(label, 300), style="strike" if item.status == "completed" else "")
    return out


class PlanPanel(Vertical):
    """The plan.

    | Key | Action |
    | :- | :- |
    | space | next status: pending → in progress → done → pending |
    | a | add a step |
    | e | edit the step |
    | shift+up / shift+down | move the step |
    | x | remove the step |
    """

    BINDING_GROUP_TITLE = "Plan"
    BINDINGS = [
        Binding("space", "cycle", "Next status (○ → ▶ → ✓)", id="plan.check"),
        Binding("a", "add", "Add", id="plan.add"),
        Binding("e", "edit", "Edit", id="plan.edit"),
        Binding("shift+up", "move(-1)", "Move up", id="plan.move-up"),
        Binding("shift+down", "move(1)", "Move down", id="plan.move-down"),
        Binding("x", "remove", "Remove", id="plan.remove"),
        Binding("escape", "stop_editing", "Stop editing", show=False, id="plan.stop-editing"),
    ]

    DEFAULT_CSS = """
    PlanPanel {
        height: 1fr;
        & > .progress { height: 1; padding: 0 1; }
        & > OptionList {
            height: 1fr;
            border: none;
            padding: 0;
            background: transparent;
            &:focus { border: none; background-tint: $foreground 3%; }
        }
        & > Input { display: none; }
        &.-editing > Input { display: block; }
        & > .hint { height: auto; color: $text-muted; padding: 0 1; }
    }
    """

    class Changed(Message):
        """The user changed the plan; `items` is the whole new list."""

        def __init__(self, panel: PlanPanel, items: tuple[PlanItem, ...]) -> None:
            super().__init__()
            self.panel = panel
            self.items = items

        @property
        def control(self) -> PlanPanel:
            return self.panel

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: tuple[PlanItem, ...] = ()
        self._editing: int | None = None  # index being edited; -1 adds a new step

    def compose(self) -> ComposeResult:
        yield Static(progress_text(()), classes="progress")
        yield OptionList(id="plan-items")
        yield Static(self._hint_text(), classes="hint")

    def _hint_text(self) -> Text:
        keys = keymap_of(self.app)

        def key(binding_id: str, default: str) -> str:
            return keys.show(binding_id, default)

        move = f"{key('plan.move-up', 'shift+up')}/{key('plan.move-down', 'shift+down')}"
        return Text(
            f"{key('plan.add', 'a')} add · {key('plan.edit', 'e')} edit · {key('plan.remove', 'x')} remove\n"
            f"{key('plan.check', 'space')} ○→▶→✓ · {'⇧↑↓' if move == 'shift+up/shift+down' else move} move"
        )

    def refresh_hints(self) -> None:
        """The user's [keys] came into force."""
        self.query_one(".hint", Static).update(self._hint_text())

    def set_items(self, items: tuple[PlanItem, ...] | list[PlanItem]) -> None:
        """Show a plan (from the agent or a resume); does not post Changed."""
        self.items = tuple(items)
        self._refresh_view()

    def _refresh_view(self, highlight: int | None = None) -> None:
        if not self.is_mounted:
            return
        options = self.query_one(OptionList)
        keep = options.highlighted if highlight is None else highlight
        options.clear_options()
        options.add_options([Option(item_text(i)) for i in self.items])
        if self.items:
            options.highlighted = max(0, min(len(self.items) - 1, keep or 0))
        self.query_one(".progress", Static).update(progress_text(self.items))

    def on_mount(self) -> None:
        self._refresh_view()

    def _changed(self, items: tuple[PlanItem, ...], highlight: int | None = None) -> None:
        self.items = items
        self._refresh_view(highlight)
        self.post_message(self.Changed(self, items))

    @property
    def cursor(self) -> int | None:
        highlighted = self.query_one(OptionList).highlighted
        return highlighted if highlighted is not None and highlighted < len(self.items) else None

    def action_cycle(self) -> None:
        i = self.cursor
        if i is None:
            return
        from workbench.core.events import PlanItem

        item = self.items[i]
        new = PlanItem(
            content=item.content, status=NEXT_STATUS.get(item.status, "pending"), active_form=item.active_form
        )
        self._changed((*self.items[:i], new, *self.items[i + 1 :]), i)

    def action_move(self, step: int) -> None:
        i = self.cursor
        if i is None or not 0 <= i + step < len(self.items):
            return
        items = list(self.items)
        items[i], items[i + step] = items[i + step], items[i]
        self._changed(tuple(items), i + step)

    def action_remove(self) -> None:
        i = self.cursor
        if i is None:
            return
        self._changed(self.items[:i] + self.items[i + 1 :], max(0, i - 1))

    def action_add(self) -> None:
        self._open_editor(-1, "")

    def action_edit(self) -> None:
        i = self.cursor
        if i is not None:
            self._open_editor(i, self.items[i].content)

    def _open_editor(self, index: int, value: str) -> None:
        self._editing = index
        self.add_class("-editing")
        found = self.query("#plan-edit")
        if found:
            editor = found.first(Input)
        else:  # made on first use: a hidden editor would only slow the first frame
            # The step's text is there to be changed, not replaced: no select-all when it takes focus.
            editor = Input(placeholder="step (Enter saves, Esc cancels)", id="plan-edit", select_on_focus=False)
            self.mount(editor, before=self.query_one(".hint"))
        editor.value = value
        editor.cursor_position = len(value)
        editor.focus()

    @on(Input.Submitted, "#plan-edit")
    def save_step(self, event: Input.Submitted) -> None:
        from workbench.core.events import PlanItem

        event.stop()
        text = event.value.strip()
        index, self._editing = self._editing, None
        self.remove_class("-editing")
        self.query_one(OptionList).focus()
        if not text or index is None:
            return
        if index < 0:
            self._changed((*self.items, PlanItem(content=text, status="pending")), len(self.items))
            return
        old = self.items[index]
        new = PlanItem(content=text, status=old.status, active_form="")
        self._changed((*self.items[:index], new, *self.items[index + 1 :]), index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop_editing":
            return self.has_class("-editing")  # otherwise Esc falls through to the screen (cancel the turn)
        return True

    def action_stop_editing(self) -> None:
        self._editing = None
        self.remove_class("-editing")
        self.query_one(OptionList).focus()
