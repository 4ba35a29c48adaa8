"""MCP in the workbench screen: the trust question, the servers of this app, and the screen that lists them.

`McpHub` belongs to the app: after the first frame it reads the server configs, asks the trust question when a
project names servers nobody has answered for yet, starts what may start, hands the manager to the session
factory (`SessionRequest.mcp`) and stops every server when the app ends. Server names, commands, paths and
tool descriptions come from files and servers: they are shown as plain `Text`, never parsed as markup.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from workbench import paths
from workbench.config import Config
from workbench.tui import safe
from workbench.tui.screens.modals import Dialog

if TYPE_CHECKING:
    from workbench.core.mcp.integration import TrustQuestion
    from workbench.core.mcp.manager import McpManager, ServerStatus

STOP_TIMEOUT = 15.0


class McpHub:
    """The MCP servers of one app: asked about, started, listed, restarted and stopped."""

    def __init__(self, workspace: Path, config: Config) -> None:
        self.workspace = workspace
        self.config = config
        self.manager: McpManager | None = None
        self.configured = False  # the workspace or the user names at least one server
        self.config_errors: list[str] = []
        self.attached = False  # a session got this manager's tools (they are fixed for that session)
        self.pending = False  # the trust question is open: sessions wait for the answer
        self.announced: set[str] = set()  # failed servers already reported
        self._ready: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self._started = False
        self._stopped = False

    @property
    def ready(self) -> asyncio.Event:
        if self._ready is None:  # made on first use, inside the app's event loop
            self._ready = asyncio.Event()
        return self._ready

    @property
    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def _maybe_ready(self) -> None:
        if self._started and not self.pending:
            self.ready.set()

    def question(self) -> TrustQuestion | None:
        """What to ask before any project server starts (None: nothing to ask). Reads small files only."""
        from workbench.core.mcp.config import load_mcp_config
        from workbench.core.mcp.integration import trust_question

        found = load_mcp_config(self.workspace, config=self.config)
        self.configured = bool(found.servers)
        self.config_errors = list(found.errors)
        if not found.servers:
            return None
        question = trust_question(self.workspace, config=self.config)
        self.pending = question is not None
        return question

    def answer(self, trusted: bool) -> None:
        from workbench.core.mcp.trust import set_trusted

        set_trusted(self.workspace, trusted)

    def project_trust(self) -> bool | None:
        """The stored answer for this project (None: never asked); `[mcp] trusted_projects` counts as yes."""
        from workbench.core.mcp.trust import decision, is_trusted

        answer = decision(self.workspace)
        if answer is None and is_trusted(self.workspace, config=self.config):
            return True
        return answer

    async def start(self) -> None:
        """Start every server that may start now: user-level ones always, the project's once trusted. While the
        trust question is open the project's servers wait for `settle`, and so do sessions."""
        try:
            async with self.lock:
                if self.configured and not self._stopped and self.manager is None:
                    from workbench.core.mcp.integration import open_mcp

                    manager = await open_mcp(self.workspace, config=self.config, start=False)
                    self.manager = manager
                    await manager.start()
        finally:
            self._started = True
            self._maybe_ready()

    async def settle(self, trusted: bool) -> None:
        """The trust question answered: remember it, start the project's servers when trusted, let sessions in."""
        try:
            self.answer(trusted)
            if trusted:
                async with self.lock:  # after `start`: a manager made before the answer learns it here
                    if self.manager is not None and not self._stopped:
                        self.manager.trust_project = True
                        await self.manager.start()
        finally:
            self.pending = False
            self._maybe_ready()

    def skip(self) -> None:
        """Nothing to start (no servers configured): sessions need not wait."""
        self._started = True
        self.pending = False
        self.ready.set()

    async def for_session(self) -> McpManager | None:
        """The manager once its servers are up or failed (waits for the trust answer and the start)."""
        await self.ready.wait()
        if self.manager is not None:
            self.attached = True
        return self.manager

    def statuses(self) -> list[ServerStatus]:
        if self.manager is not None:
            return self.manager.statuses()
        if not self.configured:
            return []
        from workbench.core.mcp.manager import McpManager  # listing before the start: nothing runs

        trusted = self.project_trust() is True
        return McpManager(self._load(), workspace=self.workspace, trust_project=trusted).statuses()

    def _load(self) -> Any:
        from workbench.core.mcp.config import load_mcp_config

        return load_mcp_config(self.workspace, config=self.config)

    async def restart(self, name: str) -> ServerStatus | None:
        if self.manager is None:
            return None
        return await self.manager.restart(name)

    async def set_trust(self, trusted: bool) -> None:
        """Store a new answer and apply it: trusting starts the project's servers, distrust stops them."""
        self.answer(trusted)
        async with self.lock:
            manager = self.manager
            if manager is None:
                return
            manager.trust_project = trusted
            if trusted:
                await manager.start()
                return
            for row in manager.statuses():
                if row.scope == "project" and row.status != "not_started":
                    await manager.restart(row.name)  # a distrusted project server comes back as "not started"

    async def stop(self) -> None:
        self._stopped = True
        manager = self.manager
        if manager is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(manager.stop(), STOP_TIMEOUT)
        self.ready.set()  # nobody waits on a hub that is gone


def failure_notice(hub: McpHub) -> str:
    """One notice for the servers that failed to start (empty when none did)."""
    rows = hub.statuses() if hub.manager is not None else []
    failed = [row for row in rows if row.status == "failed" and row.name not in hub.announced]
    hub.announced.update(row.name for row in failed)
    if not failed:
        return ""
    lines = [f"{safe.one_line(row.name, 40)}: {safe.one_line(row.reason, 160)}" for row in failed[:3]]
    if len(failed) > 3:
        lines.append(f"and {len(failed) - 3} more")
    verb = "server did" if len(failed) == 1 else "servers did"
    return f"{len(failed)} MCP {verb} not start (ctrl+p → MCP servers):\n" + "\n".join(lines)


def short_path(text: str, workspace: Path) -> str:
    """A config file's place as the user knows it: relative to the project, or under ~ or the config dir."""
    homes = [
        (str(workspace.resolve()), "."),
        (str(paths.config_dir()), "<config dir>"),
        (str(paths.state_dir()), "<state dir>"),
        (str(paths.user_home()), "~"),
    ]
    for prefix, label in homes:
        if prefix and text.startswith(prefix + "/"):
            rest = text[len(prefix) + 1 :]
            return rest if label == "." else f"{label}/{rest}"
        if prefix and text == prefix:
            return label
    return text


class TrustScreen(Dialog):
    """Asked once per project, before any of its own MCP servers starts. Dismisses with True or False."""

    DEFAULT_CSS = """
    TrustScreen > Vertical { height: auto; max-height: 90%; }
    TrustScreen #trust-body { height: auto; max-height: 30; overflow-y: auto; }
    TrustScreen #trust-buttons { height: 3; align: center middle; }
    TrustScreen Button { margin: 0 2; }
    """
    BINDINGS = [
        Binding("t,y", "dismiss(True)", "Trust", id="mcp-trust.yes"),
        Binding("n,escape", "dismiss(False)", "Don't trust", id="mcp-trust.no"),
    ]

    def __init__(self, question: TrustQuestion) -> None:
        super().__init__()
        self.question = question

    def body(self) -> Text:
        ws = self.question.workspace
        out = Text()
        out.append("This project's .mcp.json would start these MCP servers:\n\n")
        for server in self.question.servers:
            out.append(safe.one_line(server.name, 60), style="bold")
            out.append(f"  ({safe.one_line(short_path(server.source, ws), 80)})\n", style="dim")
            out.append("  runs: " if server.transport == "stdio" else "  contacts: ", style="dim")
            out.append(safe.one_line(server.describe(), 400) + "\n")
            if server.env:
                out.append("  env: " + safe.one_line(", ".join(sorted(server.env)), 200) + "\n", style="dim")
        out.append("\nA repository can name any command here. Servers from your own config start either way.\n")
        out.append("The answer is remembered for this project (change it in ctrl+p → MCP servers).", style="dim")
        return out

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Trust {safe.one_line(self.question.workspace.resolve().name, 40)}'s MCP servers?"
            yield Static(self.body(), id="trust-body")
            with Horizontal(id="trust-buttons"):
                yield Button(Content("Trust [t]"), id="trust-yes", variant="warning")
                yield Button(Content("Don't trust [n]"), id="trust-no", variant="primary")
            yield Static("t trusts and starts them · n or Esc: they don't start", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#trust-no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "trust-yes")


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
            yield OptionList(id="mcp-servers")
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
