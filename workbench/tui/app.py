"""The workbench app and its one factory, used by the CLI, the tests, the screenshots and `workbench serve`."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from workbench.config import Config, load_config
from workbench.core.approvals import DenyAll
from workbench.core.stop_signals import StopSignals, exit_code
from workbench.tui import host, safe
from workbench.tui.host import SessionFactory, SessionRequest
from workbench.tui.theming import DEFAULT_THEME, load_named_theme, load_themes


class WorkbenchApp(App[int]):
    """Explorer, chat and plan on one repository, driven by the core's events and approver."""

    TITLE = "workbench"
    DEFAULT_MODE = "main"
    # The main screen's layout loads with the app's stylesheet: one parse before the first frame, not two.
    CSS_PATH = "screens/main.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDING_GROUP_TITLE = "App"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("f2", "toggle_mouse", "Mouse", id="app.mouse"),
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette"),
    ]

    def __init__(
        self,
        request: SessionRequest,
        factory: SessionFactory,
        *,
        config: Config | None = None,
        theme_dirs: list[Path] | None = None,
        agents_extra: Sequence[str] = (),
        persona_label: str = "",
        credentials: Callable[[], tuple[bool, str]] = host.credentials,
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.request = request
        self.factory = factory
        self.config = config or Config()
        self.theme_dirs = theme_dirs
        self.agents_extra = list(agents_extra)
        self.persona_label = persona_label
        self.mouse_captured_by_app = True
        self.theme_errors: list[str] = []
        self._first_theme: Theme | None = None
        self.startup_notices: list[str] = []  # problems with the command line, shown once the screen is up
        self._choose_theme()
        self.add_mode("main", self.make_main_screen)
        self.mcp: Any = None  # the McpHub, made after the first frame (see start_mcp)
        self.closers: list[Callable[[], Awaitable[None]]] = []  # run on exit (an ACP agent's process)
        self.stop_signals = StopSignals(on_stop=self._stop_signal)  # SIGTERM/SIGHUP: as Ctrl-C, then exit
        self._mcp_started = False
        self._mcp_wanted = False  # the main screen asked for the servers (its first screen is complete)

    def make_main_screen(self) -> Screen[Any]:
        from workbench.tui.screens.main import MainScreen

        freeze_startup_objects()
        return MainScreen(self.request, self.factory, persona_label=self.persona_label)

    def _choose_theme(self) -> list[str]:
        """Register our themes and pick the configured one before the first stylesheet build (no re-parse).

        Only the configured theme's own file is read now when it can be found by name; the rest (and any
        errors in them) come in `register_all_themes` once the first frame is out.
        """
        wanted = self.config.ui.theme or DEFAULT_THEME
        self._first_theme = load_named_theme(wanted, self.theme_dirs)
        if self._first_theme is not None:
            self.register_theme(self._first_theme)
        else:
            self.register_all_themes()
        if wanted not in self.available_themes:
            if wanted != DEFAULT_THEME:
                self.theme_errors.append(f"theme {wanted!r} is not installed; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        # What the theme watcher does, without the full CSS re-parse it queues: nothing is parsed yet, so the
        # first parse simply uses this theme's variables.
        self.set_reactive(App.theme, wanted)
        dark = self.current_theme.dark
        classes = {name: False for name in self.classes if name.startswith("-theme-")}
        classes.update({f"-theme-{wanted}": True, "-dark-mode": dark, "-light-mode": not dark})
        self.update_classes(classes, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())
        return self.theme_errors

    def register_all_themes(self) -> None:
        loaded = load_themes(self.theme_dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        self.theme_errors.extend(loaded.errors)

    def on_mount(self) -> None:
        if self._first_theme is not None:  # the other themes, for the palette, now that the screen is drawn
            first, self._first_theme = self._first_theme, None
            self.register_all_themes()
            if self.available_themes.get(first.name) != first:  # another file redefines it: that one wins
                self.refresh_css(animate=False)
        for error in [*self.theme_errors, *self.config.errors]:
            self.notify(error, title="config", severity="warning", markup=False, timeout=8)
        for notice in self.startup_notices:
            self.notify(notice, severity="warning", markup=False, timeout=10)
        if self.config.keys:
            self.set_keymap(self.config.keys)
            for problem in self.config.unknown_keys({b.id for _, group in binding_groups(self) for b in group if b.id}):
                self.notify(problem, title="config", severity="warning", markup=False, timeout=8)
        self.stop_signals.install()
        # MCP servers may ask a question and start processes: the main screen starts them once its first screen is
        # complete (see MainScreen.screen_complete).
        if self.request.mcp is None and not self.request.demo:
            from workbench.tui.mcp_hub import McpHub

            self.mcp = self.request.mcp = McpHub(self.request.workspace, self.config)
            self.mcp.on_trust = self.trust_changed
        if self._mcp_wanted:
            self.start_mcp()

    def start_mcp(self) -> None:
        """Read the server configs off the event loop (the core's MCP modules load here), then go on below. The
        screen may ask before `on_mount` made the hub: the hub then starts as soon as it exists."""
        self._mcp_wanted = True
        if self.mcp is not None and not self.request.demo and not self._mcp_started:
            self._mcp_started = True
            self.run_worker(self._read_mcp_configs, thread=True, group="mcp-read", exit_on_error=False)

    def _read_mcp_configs(self) -> None:
        """The MCP configs and the project trust question (it covers the project's settings and personas too)."""
        hub = self.mcp
        try:
            question, error = hub.question(), ""
        except Exception as exc:  # a config we cannot read must not keep sessions waiting
            question, error = None, str(exc) or type(exc).__name__
        self.call_from_thread(self._mcp_configs_read, question, error)

    def _mcp_configs_read(self, question: Any, error: str) -> None:
        """Start the servers that need no answer; ask whether to trust the project when its files are new."""
        from workbench.tui.screens.trust import TrustScreen

        hub = self.mcp
        if error or (not hub.configured and question is None):
            hub.skip()
            if error:
                self.notify(f"MCP: {error}", severity="error", markup=False)
            return
        if hub.configured:
            self.run_worker(self._mcp_step(hub.start()), group="mcp-start", exit_on_error=False)
        else:
            hub.nothing_to_start()
        if question is not None:

            def answered(trusted: bool | None) -> None:
                self.run_worker(self._mcp_step(hub.settle(bool(trusted))), group="mcp-answer", exit_on_error=False)
                if not trusted:  # repository text: plain, one line each
                    lines = "\n".join(safe.one_line(line, 100) for line in question.withheld.lines()[:6])
                    note = f"Not trusted: its settings only tighten. Ignored:\n{lines}"
                    self.notify(note, title="project", severity="warning", markup=False, timeout=10)

            self.push_screen(TrustScreen(question), answered)

    async def _mcp_step(self, step: Awaitable[None]) -> None:
        """Run one start step of the MCP servers, then report the servers that newly failed."""
        from workbench.tui.screens.mcp import failure_notice

        try:
            await step
        except Exception as exc:
            self.notify(f"MCP: {exc}", severity="error", markup=False)
            return
        notice = failure_notice(self.mcp)
        if notice:
            self.notify(notice, title="MCP", severity="warning", markup=False, timeout=10)

    def trust_changed(self) -> None:
        """The project trust answer changes which persona answers by default: look again."""
        from workbench.tui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.load_persona_list()

    def _stop_signal(self, signum: int) -> None:
        self.run_worker(self._stop_for_signal(signum), group="stop-signal", exit_on_error=False)

    async def _stop_for_signal(self, signum: int) -> None:
        """Cancel the running turn (its commands are killed, its calls get results), close the session, exit."""
        for screen in self.screen_stack:
            stop = getattr(screen, "stop_session", None)
            if callable(stop):
                await stop()
        self.exit(return_code=exit_code(signum))

    async def on_unmount(self) -> None:
        self.stop_signals.remove()
        for close in self.closers:
            await close()
        if self.mcp is not None:
            await self.mcp.stop()  # no server process outlives the app

    def action_mcp(self) -> None:
        from workbench.tui.mcp_hub import McpHub
        from workbench.tui.screens.mcp import McpScreen

        if self.mcp is None:
            self.mcp = McpHub(self.request.workspace, self.config)
            self.mcp.on_trust = self.trust_changed
            self.mcp.question()
        self.push_screen(McpScreen(self.mcp))

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen, binding_rows

        self.push_screen(HelpScreen(binding_rows(binding_groups(self), dict(self.config.keys))))

    def action_toggle_mouse(self) -> None:
        """Stop (or resume) capturing the mouse so the terminal's own selection works."""
        driver = getattr(self, "_driver", None)
        write = getattr(driver, "write", None)
        self.mouse_captured_by_app = not self.mouse_captured_by_app
        if callable(write):
            if self.mouse_captured_by_app:
                write("\x1b[?1000h\x1b[?1003h\x1b[?1015h\x1b[?1006h")
            else:
                write("\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l")
            flush = getattr(driver, "flush", None)
            if callable(flush):
                flush()
        state = "on" if self.mouse_captured_by_app else "off: select text with the terminal, F2 turns it back on"
        self.notify(f"Mouse capture {state}")


def binding_groups(app: WorkbenchApp) -> list[tuple[str, list[Binding]]]:
    """The binding lists F1 shows, by group (their ids are what `[keys]` remaps)."""
    from workbench.tui.screens.main import MainScreen
    from workbench.tui.screens.mcp import McpScreen
    from workbench.tui.widgets.approval import ApprovalCard
    from workbench.tui.widgets.evidence import EvidenceCard
    from workbench.tui.widgets.plan import PlanPanel
    from workbench.tui.widgets.prompt import Prompt

    lists: list[tuple[str, Any]] = [
        ("app", app.BINDINGS),
        ("screen", MainScreen.BINDINGS),
        ("prompt", Prompt.BINDINGS),
        ("evidence", EvidenceCard.BINDINGS),
        ("approval", ApprovalCard.BINDINGS),
        ("plan", PlanPanel.BINDINGS),
        ("mcp servers", McpScreen.BINDINGS),
    ]
    return [(name, [b for b in group if isinstance(b, Binding)]) for name, group in lists]


_frozen = False


def freeze_startup_objects() -> None:
    """Move what the imports built out of the collector's reach, once per process.

    Modules, classes and parsed styles live as long as the process; without this the full collections that the
    first frame's allocations trigger scan all of them (two passes of ~15 ms each before the first paint).
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def create_app(
    workspace: Path,
    *,
    persona: Any = None,
    persona_label: str = "",
    model: str | None = None,
    mode: str | None = None,
    resume: str | None = None,
    continue_: bool = False,
    demo: bool = False,
    agents: Sequence[str] = (),
    factory: SessionFactory | None = None,
    config: Config | None = None,
    theme_dirs: list[Path] | None = None,
    credentials: Callable[[], tuple[bool, str]] = host.credentials,
) -> WorkbenchApp:
    """Build the app. `factory` makes sessions (default: the core's AgentSession); tests pass their own."""
    config = config if config is not None else load_config()
    request = SessionRequest(
        workspace=workspace,
        persona=persona,
        approver=DenyAll("the screen is not ready"),
        model=model,
        mode=mode,
        resume=resume,
        continue_=continue_,
        demo=demo,
        agents=tuple(agents),
        config=config,
    )
    label = persona_label or (getattr(persona, "name", "") if persona is not None else "")
    return WorkbenchApp(
        request,
        factory or host.default_session_factory,
        config=config,
        theme_dirs=theme_dirs,
        agents_extra=agents,
        persona_label=label,
        credentials=credentials,
    )


def app_from_args(args: argparse.Namespace) -> WorkbenchApp:
    persona: Any = getattr(args, "persona", None)
    label = ""
    notices: list[str] = []
    if isinstance(persona, str) and persona:
        wanted = persona
        persona, problem = find_persona(Path(args.dir), wanted, list(getattr(args, "agents", []) or []))
        if persona is None:
            notices.append(f"{problem}; the default persona answers (ctrl+n to choose one)")
        else:
            label = str(getattr(persona, "name", wanted))
    closers: list[Callable[[], Awaitable[None]]] = []
    factory = None
    spec = getattr(args, "agent", None)
    if spec:  # an external ACP agent instead of a persona
        from workbench.tui.agent import agent_factory, agent_label

        factory, label = agent_factory(spec, closers), agent_label(spec)
    app = create_app(
        Path(args.dir),
        persona=persona,
        persona_label=label,
        factory=factory,
        model=getattr(args, "model", None),
        mode=getattr(args, "mode", None),
        resume=getattr(args, "resume", None),
        continue_=bool(getattr(args, "continue_", False)),
        demo=bool(getattr(args, "demo", False)),
        agents=list(getattr(args, "agents", []) or []),
    )
    app.startup_notices.extend(notices)
    app.closers = closers
    return app


def resolve_persona(workspace: Path, wanted: str, agents: list[str]) -> Any:
    """The persona named on the command line (id, name or file), or None when none can run."""
    return find_persona(workspace, wanted, agents)[0]


def find_persona(workspace: Path, wanted: str, agents: list[str]) -> tuple[Any, str]:
    """(the persona named on the command line, "") or (None, why not), through the core's resolver."""
    from workbench.core.assembly import OpenError
    from workbench.core.assembly import load_personas as discover
    from workbench.core.assembly import resolve_persona as resolve

    try:
        return resolve(wanted, discover(workspace, agents), workspace), ""
    except OpenError as exc:
        return None, str(exc)


def run_app(args: argparse.Namespace) -> int:
    app = app_from_args(args)
    app.run(inline=bool(getattr(args, "inline", False)))
    return app.return_code or 0
