"""MCP in the workbench screen: the screen that lists the servers.

The app's `McpHub` (workbench.tui.mcp_hub) reads the server configs after the first frame, asks the project
trust question (workbench.tui.screens.trust) when the repository supplies something nobody has answered for
yet, starts what may start, hands the manager to the session factory (`SessionRequest.mcp`) and stops every
server when the app ends. Server names, commands, paths and tool descriptions come from files and servers: they
are shown as plain `Text`, never parsed as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from workbench.tui import safe
from workbench.tui.mcp_hub import McpHub, failure_notice, short_path
from workbench.tui.screens.modals import Dialog
from workbench.tui.screens.trust import TrustScreen
from workbench.tui.widgets.cursor_list import CursorList

if TYPE_CHECKING:
    from workbench.core.mcp.manager import ServerStatus

__all__ = ["McpHub", "McpScreen", "TrustScreen", "failure_notice"]


def status_style(row: ServerStatus) -> str:
    return {"started": "green", "failed": "red", "starting": "yellow"}.get(row.status, "dim")


def server_text(row: ServerStatus, workspace: Path) -> Text:
    out = Text()
    out.append(safe.one_line(row.name, 60), style="bold")
    out.append(f"  [{row.scope}] ", style="dim")
    out.append(safe.one_line(short_path(row.source, workspace), 120) + "\n", style="dim")
    out.append(f"  {row.transport}: ", style="dim")
    out.append(safe.one_line(row.target, 300) + "\n")
    out.append("  status: ", style="dim")
    out.append(safe.one_line(row.label, 300), style=status_style(row))
    if row.status == "failed" and row.log:
        out.append("\n  server log: " + safe.one_line(short_path(row.log, workspace), 200), style="dim")
    for tool in row.tools:
        out.append("\n    " + safe.one_line(tool, 80))
        description = safe.one_line(row.descriptions.get(tool, ""), 80)
        if description:
            out.append("  " + description, style="dim")
    for error in row.errors:
        out.append("\n  ⚠ " + safe.one_line(error, 200), style="yellow")
    return out


class McpScreen(Dialog):
    """Each MCP server: where it is configured, its status and tools; `r` restarts, `t` changes the trust."""

    BINDING_GROUP_TITLE = "MCP servers"
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close", id="mcp.close"),
        Binding("r", "restart", "Restart server", id="mcp.restart"),
        Binding("t", "toggle_trust", "Trust / distrust project", id="mcp.trust"),
    ]

    def __init__(self, hub: McpHub) -> None:
        super().__init__()
        self.hub = hub
        self.rows: list[ServerStatus] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "MCP servers"
            yield Static(id="mcp-trust")
            yield CursorList(id="mcp-servers")  # the highlighted row in the cursor's colours only
            yield Static(
                "r restart the server · t trust or distrust the project · Esc close",
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.reload()
        self._poll = self.set_interval(0.5, self.poll)

    def poll(self) -> None:
        """Follow servers that are still starting; stop looking once every one is up or failed."""
        busy = not self.hub.ready.is_set() or any(row.status == "starting" for row in self.rows)
        self.reload()
        if not busy:
            self._poll.pause()

    def trust_line(self) -> Text:
        answer = self.hub.project_trust()
        has_project = any(row.scope == "project" for row in self.rows)
        text = Text("Project servers (.mcp.json): ", style="bold")
        if answer is True:
            text.append("trusted", style="green")
        elif answer is False:
            text.append("not trusted: they do not start", style="yellow")
        elif has_project:
            text.append("not asked yet: they do not start", style="yellow")
        else:
            text.append("none configured", style="dim")
        if not self.hub.ready.is_set():
            text.append("  · starting servers…", style="dim")
        return text

    def reload(self) -> None:
        try:
            self.rows = self.hub.statuses()
        except Exception as exc:  # a config file changed under us: say so instead of closing the app
            self.rows = []
            self.notify(f"MCP: {safe.one_line(str(exc), 200)}", severity="error", markup=False)
        self.query_one("#mcp-trust", Static).update(self.trust_line())
        options = self.query_one("#mcp-servers", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for error in self.hub.config_errors:
            options.add_option(Option(Text("⚠ " + safe.one_line(error, 300), style="yellow"), disabled=True))
        if not self.rows:
            options.add_option(
                Option(
                    Text(
                        "No MCP servers configured. Add them to .mcp.json (project), ~/.claude.json or the "
                        "workbench's mcp.json (user).",
                        style="dim",
                    ),
                    disabled=True,
                )
            )
            return
        first = options.option_count
        for row in self.rows:
            options.add_option(Option(server_text(row, self.hub.workspace), id=f"srv-{options.option_count}"))
        options.highlighted = highlighted if highlighted is not None and highlighted >= first else first

    def selected(self) -> ServerStatus | None:
        options = self.query_one("#mcp-servers", OptionList)
        index = options.highlighted
        first = options.option_count - len(self.rows)
        if index is None or index < first or not self.rows:
            return None
        return self.rows[index - first]

    def action_restart(self) -> None:
        row = self.selected()
        if row is None:
            return
        if self.hub.manager is None:
            self.notify("The servers have not been started yet.", markup=False)
            return
        if row.status == "not_started" and row.scope == "project":
            self.notify("This project is not trusted: t trusts it.", severity="warning", markup=False)
            return
        self.run_worker(self._restart(row.name), group="mcp", exclusive=True, exit_on_error=False)

    async def _restart(self, name: str) -> None:
        self._poll.resume()
        self.notify(f"Restarting {safe.one_line(name, 60)}…", markup=False)
        try:
            row = await self.hub.restart(name)
        except Exception as exc:
            self.notify(f"Restart failed: {safe.one_line(str(exc), 200)}", severity="error", markup=False)
            row = None
        if row is not None:
            self.notify(f"{safe.one_line(name, 60)}: {safe.one_line(row.label, 200)}", markup=False)
        self.reload()

    def action_toggle_trust(self) -> None:
        trusted = self.hub.project_trust() is True
        self.run_worker(self._set_trust(not trusted), group="mcp", exclusive=True, exit_on_error=False)

    async def _set_trust(self, trusted: bool) -> None:
        self._poll.resume()
        await self.hub.set_trust(trusted)
        verb = "trusted: its servers start" if trusted else "not trusted: its servers are stopped"
        note = " (the current session keeps the tools it was given)" if self.hub.attached else ""
        self.notify(f"This project is {verb}{note}.", markup=False)
        self.reload()
