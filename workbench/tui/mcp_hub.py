"""The MCP servers of one app: read, asked about, started, listed, restarted and stopped; and the project trust
question, which gates them and every session (workbench.core.trust).

`McpHub` belongs to the app and is made before the first frame, so it imports nothing heavy: the core's MCP
modules load when the hub first reads the configs, after that frame. The screens that show it are in
`workbench.tui.screens.mcp`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench import paths
from workbench.config import Config
from workbench.tui import safe

if TYPE_CHECKING:
    from workbench.core.mcp.manager import McpManager, ServerStatus
    from workbench.core.trust_report import TrustQuestion

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
        self.trust_answer: bool | None = None  # the answer given in this app (None: the stored one holds)
        self.on_trust: Callable[[], None] | None = None  # told after each answer (the default persona may change)
        self._question: TrustQuestion | None = None
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
        """What to ask before anything the repository supplies takes effect: its settings, its own MCP servers,
        its personas (None: nothing to ask). Reads small files only."""
        from workbench.core.mcp.config import load_mcp_config
        from workbench.core.trust_report import trust_question

        found = load_mcp_config(self.workspace, config=self.config)
        self.configured = bool(found.servers)
        self.config_errors = list(found.errors)
        question = trust_question(self.workspace, config=self.config)
        self._question = question
        self.pending = question is not None
        return question

    def answer(self, trusted: bool) -> None:
        """Remember the answer: for the files the question showed when there was one, else for the files now."""
        from workbench.core.trust import remember

        self.trust_answer = trusted
        if self._question is not None:
            self._question.answer(trusted)
            self._question = None
        else:
            remember(self.workspace, trusted)
        if self.on_trust is not None:
            self.on_trust()

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
        """Nothing to start and nothing to ask: sessions need not wait."""
        self._started = True
        self.pending = False
        self.ready.set()

    def nothing_to_start(self) -> None:
        """No server configured; sessions still wait while the trust question is open."""
        self._started = True
        self._maybe_ready()

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
