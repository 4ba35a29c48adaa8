"""F1 help: every binding of every screen and widget with the key in force and its id, and the slash commands.

The list is generated from the classes' BINDINGS (`workbench.tui.keys.binding_classes`), so a new binding shows
up here without anyone adding it, and a `[keys]` remapping shows the key that really works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from workbench.tui import safe
from workbench.tui.keys import KeyMap, binding_classes, display, group_title, keymap_of
from workbench.tui.screens.modals import Dialog
from workbench.tui.slash import REGISTRY, SlashCommand

Row = tuple[str, str, str, str]  # where, key, what it does, binding id

LEAVE_THE_PROMPT = (
    "From the prompt, at any width: {files} files, {chat} chat, {plan} plan (ESC then the digit works too: that is "
    "what alt+digit sends over SSH and tmux); Tab leaves the prompt when there is nothing to complete; "
    "shift+tab cycles the permission mode."
)


def binding_rows(keymap: KeyMap, commands: Sequence[SlashCommand] = ()) -> list[Row]:
    """(where, key in force, description, id) for every binding of every workbench class, then the commands."""
    rows: list[Row] = []
    for cls in binding_classes():
        for b in cls.BINDINGS:
            if not isinstance(b, Binding):
                continue
            key = keymap.key(b.id, b.key) if b.id else b.key
            shown = ", ".join(display(k) for k in key.split(","))
            rows.append((group_title(cls), shown, b.description or b.action, b.id or ""))
    for command in commands or REGISTRY.commands():
        note = "" if command.run is not None else " (not available yet)"
        does = safe.one_line(command.help + ("" if command.source == "built-in" else f" {command.source}"), 200)
        rows.append(("commands", safe.one_line(command.usage, 60), does + note, ""))
    return rows


def help_table(rows: list[Row]) -> Table:
    table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
    table.add_column("where", ratio=1)
    table.add_column("key", ratio=1)
    table.add_column("does", ratio=2)
    table.add_column(Text("id (for [keys] in config.toml)"), ratio=2, style="dim")
    last = ""
    for group, key, desc, bid in rows:
        table.add_row(Text(group if group != last else "", style="bold"), Text(key), Text(desc), Text(bid))
        last = group
    return table


def open_help(app: App[Any], commands: Sequence[SlashCommand] = ()) -> None:
    """F1 over `app`; `commands`: the slash commands of the screen it was asked from (its project's too)."""
    keymap = keymap_of(app)
    panes = {name: keymap.show(f"pane.{name}", f"alt+{n}") for n, name in enumerate(("files", "chat", "plan"), 1)}
    app.push_screen(HelpScreen(binding_rows(keymap, commands), LEAVE_THE_PROMPT.format(**panes)))


class HelpScreen(Dialog):
    BINDING_GROUP_TITLE = "Help"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def __init__(self, rows: list[Row], note: str = "") -> None:
        super().__init__()
        self.rows = rows
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Keys and commands"
            with VerticalScroll():
                if self.note:
                    yield Static(Text(self.note), classes="note")
                yield Static(help_table(self.rows))
            yield Static(
                'Remap any key in config.toml, e.g. [keys] "app.palette" = "ctrl+k" · Esc closes',
                classes="hint",
                markup=False,
            )
