"""F1 help: every binding with its key (after the user's [keys] remapping) and its id for the config file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from workbench.tui.screens.modals import Dialog


def binding_rows(
    groups: Iterable[tuple[str, Iterable[BindingType]]], keymap: Mapping[str, str]
) -> list[tuple[str, str, str, str]]:
    """(group, key, description, id) for every binding that has an id."""
    rows = []
    for title, bindings in groups:
        for b in bindings:
            if not isinstance(b, Binding) or not b.id:
                continue
            key = keymap.get(b.id, b.key)
            rows.append((title, key, b.description or b.action, b.id))
    return rows


def help_table(rows: list[tuple[str, str, str, str]]) -> Table:
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


class HelpScreen(Dialog):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Keys"
            with VerticalScroll():
                yield Static(help_table(self.rows))
            yield Static(
                'Remap any key in config.toml, e.g. [keys] "app.palette" = "ctrl+k" · Esc closes',
                classes="hint",
                markup=False,
            )
