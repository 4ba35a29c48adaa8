"""Modal screens: the whole result of a call, the turn outline, the grant ledger, the persona and session pickers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.tui import render, safe
from workbench.tui.host import GrantRow, PersonaChoice
from workbench.tui.keys import keymap_of
from workbench.tui.widgets.evidence import EvidenceData, summary_line
from workbench.tui.widgets.status import persona_style


class Dialog(ModalScreen[Any]):
    """A centred box over the dimmed screen; every dialog here shares its look."""

    DEFAULT_CSS = """
    Dialog {
    align: center middle;
    & > Vertical {
        width: 90%;
        max-width: 140;
        height: 80%;
        border: round $primary;
        border-title-color: $foreground;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    & .hint { color: $text-muted; height: 1; }
    & OptionList {
        height: 1fr;
        border: none;
        /* No focus tint: at 16 colours a tinted list turns grey and the text on it unreadable. */
        &:focus { border: none; background-tint: $foreground 0%; }
        & > .option-list--option-disabled { color: $foreground; text-style: dim italic; }
    }
    }
    """


    def hint(self, what: str, close_id: str, close_keys: str = "escape") -> Static:
        """The dialog's last line: what it does, and the key that closes it (the one in force)."""
        close = keymap_of(self.app).show(close_id, close_keys)
        return Static(f"{what} · {close} closes" if what else f"{close} closes", classes="hint", markup=False)


class EvidenceScreen(Dialog):
    """The whole input and result of one call, in a read-only text view."""

    BINDING_GROUP_TITLE = "Result view"
    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="evidence-view.close")]

    def __init__(self, data: EvidenceData) -> None:
        super().__init__()
        self.data = data

    def compose(self) -> ComposeResult:
        from textual.widgets import TextArea  # loads tree-sitter: only when a result is opened

        fin = self.data.finished
        parts = ["# input", render.pretty_input(dict(self.data.input))]
        if fin is not None:
            if fin.diff:
                parts += ["", "# diff", fin.diff]
            parts += ["", "# error" if fin.is_error else "# result", fin.output or ""]
        body = safe.clean("\n".join(parts), max_len=20_000)
        with Vertical() as box:
            box.border_title = f"{self.data.eid} · {safe.one_line(self.data.tool, 40)}"
            yield Static(summary_line(self.data, False), classes="summary")
            yield TextArea(body, read_only=True, show_line_numbers=True, soft_wrap=False, id="evidence-body")
            yield self.hint("the text can be selected and copied", "evidence-view.close", "escape,q")


class OutlineScreen(Dialog):
    """The turns of the conversation; Enter jumps to one."""

    BINDING_GROUP_TITLE = "Outline"
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="outline.close")]

    def __init__(self, turns: list[tuple[int, str]], evidence: list[tuple[int, str]]) -> None:
        super().__init__()
        self.turns = turns
        self.evidence = evidence

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        for index, label in self.turns:
            options.append(Option(Text(f"turn · {label}"), id=f"e{index}"))
        for index, label in self.evidence:
            options.append(Option(Text(f"  {label}", style="italic"), id=f"e{index}"))
        with Vertical() as box:
            box.border_title = "Outline: turns and evidence"
            yield OptionList(*options, id="outline-list")
            yield self.hint("Enter jumps", "outline.close")

    @on(OptionList.OptionSelected, "#outline-list")
    def jump(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int((event.option.id or "e0")[1:]))


class LedgerScreen(Dialog):
    """Standing grants of this session and project; `r` revokes the highlighted one."""

    BINDING_GROUP_TITLE = "Grants"
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="ledger.close"),
        Binding("r,delete", "revoke", "Revoke", id="ledger.revoke"),
    ]

    def __init__(self, rows: Callable[[], list[GrantRow]], revoke: Callable[[str], object]) -> None:
        super().__init__()
        self._rows = rows
        self._revoke = revoke
        self.rows: list[GrantRow] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Grants"
            yield OptionList(id="grants")
            revoke = keymap_of(self.app).show("ledger.revoke", "r,delete")
            yield self.hint(f"{revoke} revokes the highlighted grant", "ledger.close", "escape,q")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.rows = self._rows()
        options = self.query_one("#grants", OptionList)
        options.clear_options()
        if not self.rows:
            options.add_option(
                Option(Text("No standing grants: every ask will ask again.", style="dim"), disabled=True)
            )
            return
        for row in self.rows:
            line = Text()
            line.append(f"{safe.one_line(row.pattern, 120):<40}", style="bold")
            line.append(f"  {safe.one_line(row.scope, 20):<9}")
            line.append(f"  {safe.one_line(row.origin, 60)}", style="italic")
            options.add_option(Option(line, id=row.id or None))
        options.highlighted = 0

    def action_revoke(self) -> None:
        options = self.query_one("#grants", OptionList)
        index = options.highlighted
        if index is None or index >= len(self.rows):
            return
        row = self.rows[index]
        self._revoke(row.id)
        self.notify(f"Revoked {safe.one_line(row.pattern, 80)}", markup=False)
        self.reload()


class PersonaPicker(Dialog):
    """Choose the persona for the next turn."""

    BINDING_GROUP_TITLE = "Personas"
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="personas.close")]

    def __init__(self, choices: list[PersonaChoice], errors: list[str], current: str = "") -> None:
        super().__init__()
        self.choices = choices
        self.errors = errors
        self.current = current

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        surface = Color.parse(self.app.theme_variables.get("surface", "#222222"))
        for choice in self.choices:
            # Only the mark wears the persona's colour: the name must read on the highlighted row too.
            line = Text()
            line.append("● " if choice.id == self.current else "■ ", style=persona_style(choice.color, surface))
            line.append(safe.one_line(choice.name or choice.id, 60), style="bold")
            if choice.scope:
                line.append(f"  [{safe.one_line(choice.scope, 20)}]")
            if choice.description:
                line.append("\n    " + safe.one_line(choice.description, 110))
            if choice.problem:
                line.append("\n    ⚠ " + safe.one_line(choice.problem, 110), style="yellow")
            options.append(Option(line, id=choice.id or None))
        with Vertical() as box:
            box.border_title = "Personas"
            yield OptionList(*options, id="persona-list")
            if self.errors:
                yield Static(Text("\n".join(safe.one_line(e, 150) for e in self.errors[:5]), style="yellow"))
            yield self.hint("Enter chooses", "personas.close")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for n, choice in enumerate(self.choices):
            if choice.id == self.current:
                options.highlighted = n

    @on(OptionList.OptionSelected, "#persona-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])


class SessionPicker(Dialog):
    """Choose a saved session of this project to continue (`/resume`); dismisses with its id or None."""

    BINDING_GROUP_TITLE = "Sessions"
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="sessions.close")]

    def __init__(self, sessions: list[tuple[str, str]]) -> None:
        super().__init__()
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        options = [Option(Text(safe.one_line(label, 200)), id=sid) for sid, label in self.sessions]
        with Vertical() as box:
            box.border_title = "Resume a session"
            yield OptionList(*options, id="session-list")
            yield self.hint("Enter resumes", "sessions.close")

    @on(OptionList.OptionSelected, "#session-list")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
