"""The project trust question: asked once per set of repository files, before anything the repository supplies
takes effect (docs/permissions.md, "Project trust").

Everything shown comes from the repository (rule strings, server commands, persona names): plain `Text`, one
cleaned line each, never parsed as markup. It comes up shortly after start, while the user may be typing a
first prompt: like an approval card, it ignores its keys for `GRACE_S` after it appears.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from workbench.tui import safe
from workbench.tui.mcp_hub import short_path
from workbench.tui.screens.modals import Dialog
from workbench.tui.widgets.approval import GRACE_S

if TYPE_CHECKING:
    from workbench.core.trust_report import TrustQuestion

MAX_ITEMS = 12


class TrustScreen(Dialog):
    """Trust this project? Dismisses with True or False; the caller stores the answer."""

    DEFAULT_CSS = """
    TrustScreen > Vertical { height: auto; max-height: 90%; }
    TrustScreen #trust-scroll { height: auto; max-height: 60vh; }
    TrustScreen #trust-buttons { height: 3; align: center middle; }
    TrustScreen Button { margin: 0 2; }
    """
    AUTO_FOCUS = "#trust-no"  # the safe answer has the focus
    BINDING_GROUP_TITLE = "Trust question"
    BINDINGS = [
        Binding("t,y", "answer(True)", "Trust", id="trust.yes"),
        Binding("n,escape", "answer(False)", "Don't trust", id="trust.no"),
    ]

    def __init__(self, question: TrustQuestion) -> None:
        super().__init__()
        self.question = question
        self._shown_at = time.monotonic()

    def on_mount(self) -> None:
        self._shown_at = time.monotonic()

    def action_answer(self, trusted: bool) -> None:
        if time.monotonic() - self._shown_at >= GRACE_S:  # a key typed for the prompt is not an answer
            self.dismiss(trusted)

    def body(self) -> Text:
        ws = self.question.workspace
        found = self.question.withheld
        out = Text()
        changed = self.question.trust.changed
        if changed:
            out.append("Changed since you last answered: ", style="bold yellow")
            out.append(safe.one_line(", ".join(changed), 200) + "\n\n")
        out.append("This repository supplies settings that take effect only once you trust it:\n")
        if found.settings:
            out.append("\nSettings\n", style="bold")
            for line in found.settings[:MAX_ITEMS]:
                out.append("  " + safe.one_line(line, 160) + "\n")
            _more(out, len(found.settings))
        if found.servers:
            out.append("\nMCP servers\n", style="bold")
            for server in found.servers[:MAX_ITEMS]:
                out.append("  " + safe.one_line(server.name, 60), style="bold")
                out.append(f"  ({safe.one_line(short_path(server.source, ws), 80)})\n", style="dim")
                out.append("    runs: " if server.transport == "stdio" else "    contacts: ", style="dim")
                out.append(safe.one_line(server.describe(), 400) + "\n")
                if server.env:
                    out.append("    env: " + safe.one_line(", ".join(sorted(server.env)), 200) + "\n", style="dim")
            _more(out, len(found.servers))
        if found.personas:
            out.append("\nPersonas (chosen by default once trusted)\n", style="bold")
            for persona in found.personas[:MAX_ITEMS]:
                out.append("  " + safe.one_line(persona.id, 60), style="bold")
                out.append(f"  ({safe.one_line(short_path(persona.source.path, ws), 80)})\n", style="dim")
            _more(out, len(found.personas))
        out.append("\nUntil then its deny and ask rules still apply, and nothing else does.\n")
        out.append("The answer holds until one of these files changes.", style="dim")
        return out

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Trust {safe.one_line(self.question.workspace.name, 40)}?"
            with VerticalScroll(id="trust-scroll"):  # tab reaches it: the arrows scroll a long list
                yield Static(self.body(), id="trust-body")
            with Horizontal(id="trust-buttons"):
                yield Button(Content("Trust [t]"), id="trust-yes", variant="warning")
                yield Button(Content("Don't trust [n]"), id="trust-no", variant="primary")
            yield Static("t trusts the project · n or Esc: its settings only tighten", classes="hint", markup=False)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.action_answer(event.button.id == "trust-yes")


def _more(out: Text, count: int) -> None:
    if count > MAX_ITEMS:
        out.append(f"  and {count - MAX_ITEMS} more\n", style="dim")
