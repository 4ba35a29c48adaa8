"""What the persona was told: the project instruction files its session loaded (CLAUDE.md, AGENTS.md), what
the size cap cut or left out, and the whole system prompt, read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from workbench.tui import safe
from workbench.tui.screens.modals import Dialog

if TYPE_CHECKING:
    from workbench.core.agent.memory import Memory


def memory_lines(memory: Memory | None) -> list[str]:
    """One line per instruction file: its path, how much of it was sent, and what the cap did."""
    files = list(memory.files) if memory is not None else []
    if not files:
        return ["No project instruction files (CLAUDE.md, AGENTS.md) were found."]
    out = []
    for item in files:
        note = f" — {item.note}" if item.note else ""
        out.append(f"{item.path}: {item.sent:,} of {item.size:,} bytes{note}")
    return out


class ToldScreen(Dialog):
    """The instruction files and the system prompt of the running session."""

    BINDING_GROUP_TITLE = "What the persona was told"
    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="told.close")]

    def __init__(self, persona: str, memory: Memory | None, system_prompt: str) -> None:
        super().__init__()
        self.persona = persona
        self.memory = memory
        self.system_prompt = system_prompt

    def compose(self) -> ComposeResult:
        from textual.widgets import TextArea  # loads tree-sitter: only when the dialog is opened

        files = "\n".join(safe.one_line(line, 200) for line in memory_lines(self.memory))
        with Vertical() as box:
            box.border_title = f"What {safe.one_line(self.persona, 40)} was told"
            yield Static(files, classes="files", markup=False)
            body = safe.clean(self.system_prompt, max_len=4000)
            yield TextArea(body, read_only=True, soft_wrap=True, show_line_numbers=False, id="told-body")
            yield Static("The system prompt, as sent · Esc closes", classes="hint", markup=False)
