"""The workbench app and its one factory, used by the CLI, the tests, the screenshots and `workbench serve`."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from workbench.config import Config, load_config
from workbench.core.approvals import DenyAll
from workbench.core.stop_signals import StopSignals, exit_code
from workbench.tui import css_table, host, safe
from workbench.tui.host import ScreenServices, SessionFactory, SessionRequest
from workbench.tui.keys import install, keymap_of
from workbench.tui.textual_compat import (
    apply_theme_before_parse,
    parse_css_through,
    publish_first_theme,
    refresh_ansi_filter,
    take_escape_digit_as_alt,
    write_to_terminal,
)
from workbench.tui.theming import DEFAULT_THEME, ansi_palette, load_named_theme, load_themes

if TYPE_CHECKING:
    from workbench.cli.tui import TuiArgs
    from workbench.core.personas.model import Persona


class WorkbenchApp(App[int]):
    """Explorer, chat and plan on one repository, driven by the core's events and approver."""

    TITLE = "workbench"
    DEFAULT_MODE = "main"
    # The main screen's layout loads with the app's stylesheet: one parse before the first frame, not two.
    CSS_PATH = "screens/main.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDING_GROUP_TITLE = "App"
    # priority: these work wherever the focus is, the prompt included (see workbench.tui.keys).
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", priority=True, id="app.help"),
        Binding("f2", "toggle_mouse", "Mouse capture", priority=True, id="app.mouse"),
        Binding("ctrl+p", "command_palette", "Palette", priority=True, id="app.palette"),
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
        warm_up: Callable[[], None] | None = host.import_sdk,
    ) -> None:
        super().__init__()
        table = css_table.active()
        if table is not None:  # the workbench command's: the CSS parsed by its last start
            parse_css_through(self.stylesheet, table)
        take_escape_digit_as_alt()  # alt+1/2/3 arrive as ESC and the digit in tmux, xterm, SSH, the console
        self.credentials = credentials
        self.warm_up = warm_up
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
        self.key_problems: list[str] = []  # [keys] entries that were not applied, and why
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
        services = ScreenServices(self.credentials, tuple(self.agents_extra), self.config, self.warm_up)
        return MainScreen(self.request, self.factory, persona_label=self.persona_label, services=services)

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
        variables = apply_theme_before_parse(self, wanted)
        self._use_ansi_palette(self.available_themes[wanted], watch=False, variables=variables)
        refresh_ansi_filter(self)
        return self.theme_errors

    def _use_ansi_palette(self, theme: Theme, watch: bool = True, variables: dict[str, str] | None = None) -> None:
        """Named colours (a diff's red, Markdown code) through a palette legible on `theme` (theming.ansi_palette)."""
        palette = ansi_palette(theme, variables)
        attribute = App.ansi_theme_dark if theme.dark else App.ansi_theme_light
        if not watch:  # before the first stylesheet parse: nothing to refresh yet
            self.set_reactive(attribute, palette)
        elif theme.dark:
            self.ansi_theme_dark = palette
        else:
            self.ansi_theme_light = palette

    def register_all_themes(self) -> None:
        loaded = load_themes(self.theme_dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        self.theme_errors.extend(loaded.errors)

    def on_mount(self) -> None:
        publish_first_theme(self)
        self.theme_changed_signal.subscribe(self, self._use_ansi_palette)  # after: the first one is in force
        if self._first_theme is not None:  # the other themes, for the palette, now that the screen is drawn
            first, self._first_theme = self._first_theme, None
            self.register_all_themes()
            if self.available_themes.get(first.name) != first:  # another file redefines it: that one wins
                self.refresh_css(animate=False)
        for error in [*self.theme_errors, *self.config.errors]:
            self.notify(error, title="config", severity="warning", markup=False, timeout=8)
        for notice in self.startup_notices:
            self.notify(notice, severity="warning", markup=False, timeout=10)
        self.call_after_refresh(self.apply_keys)
        self.stop_signals.install()
        # MCP servers may ask a question and start processes: the main screen starts them once its first screen is
        # complete (see MainScreen.screen_complete).
        if self.request.mcp is None and not self.request.demo:
            from workbench.tui.mcp_hub import McpHub

            self.mcp = self.request.mcp = McpHub(self.request.workspace, self.config)
            self.mcp.on_trust = self.trust_changed
        if self._mcp_wanted:
            self.start_mcp()

    def apply_keys(self) -> None:
        """Put the config's [keys] in force, once the first frame is out (checking them loads every binding)."""
        if self.config.keys:
            from workbench.tui.keys import binding_groups, check_keymap

            groups = binding_groups()
            self.key_problems = self.config.unknown_keys({b.id for group in groups for b in group if b.id})
            keymap, problems = check_keymap(self.config.keys, groups)
            self.key_problems += problems
            install(self, keymap)
            for problem in self.key_problems:
                self.notify(problem, title="config", severity="warning", markup=False, timeout=10)
        from workbench.tui.screens.main_base import MainBase

        for screen in self.screen_stack:
            if isinstance(screen, MainBase):
                screen.keys_ready = True
                screen.refresh_keys()

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
        from workbench.tui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                await screen.stop_session()
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

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette entries, less "Theme" and "Keys": the palette lists the themes and F1 the keys."""
        for command in super().get_system_commands(screen):
            if command.title not in ("Theme", "Keys"):
                yield command

    def action_help(self) -> None:
        from workbench.tui.screens.help import open_help
        from workbench.tui.screens.main import MainScreen

        main = [s for s in self.screen_stack if isinstance(s, MainScreen)]
        open_help(self, main[0].slash.commands() if main else ())

    def action_toggle_mouse(self) -> None:
        """Stop (or resume) capturing the mouse so the terminal's own selection works."""
        self.mouse_captured_by_app = not self.mouse_captured_by_app
        codes = "\x1b[?1000{0}\x1b[?1003{0}\x1b[?1015{0}\x1b[?1006{0}"
        write_to_terminal(self, codes.format("h" if self.mouse_captured_by_app else "l"))
        key = keymap_of(self).show("app.mouse", "f2")
        state = "on" if self.mouse_captured_by_app else f"off: select text with the terminal, {key} turns it back on"
        self.notify(f"Mouse capture {state}")


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
    persona: Persona | None = None,
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
    warm_up: Callable[[], None] | None = host.import_sdk,
) -> WorkbenchApp:
    """Build the app. `factory` makes sessions (default: the core's AgentSession); tests pass their own.
    `warm_up` loads what the first request needs once the first screen is whole (default: the SDK)."""
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
    label = persona_label or (persona.name if persona is not None else "")
    return WorkbenchApp(
        request,
        factory or host.default_session_factory,
        config=config,
        theme_dirs=theme_dirs,
        agents_extra=agents,
        persona_label=label,
        credentials=credentials,
        warm_up=warm_up,
    )


def app_from_args(args: TuiArgs) -> WorkbenchApp:
    """The app for `workbench [DIR]`'s arguments (workbench.cli.tui.build_parser)."""
    persona: Persona | None = None
    label = ""
    notices: list[str] = []
    if args.persona:
        persona, problem = find_persona(Path(args.dir), args.persona, list(args.agents))
        if persona is None:
            notices.append(f"{problem}; the default persona answers (ctrl+n to choose one)")
        else:
            label = persona.name
    closers: list[Callable[[], Awaitable[None]]] = []
    factory = None
    warm_up: Callable[[], None] | None = host.import_sdk
    if args.agent:  # an external ACP agent instead of a persona: it never needs the SDK
        from workbench.tui.agent import agent_factory, agent_label

        factory, label = agent_factory(args.agent, closers), agent_label(args.agent)
        warm_up = None
    app = create_app(
        Path(args.dir),
        persona=persona,
        persona_label=label,
        factory=factory,
        model=args.model,
        mode=args.mode,
        resume=args.resume,
        continue_=bool(args.continue_),
        demo=bool(args.demo),
        agents=list(args.agents),
        warm_up=warm_up,
    )
    app.startup_notices.extend(notices)
    app.closers = closers
    return app


def resolve_persona(workspace: Path, wanted: str, agents: list[str]) -> Persona | None:
    """The persona named on the command line (id, name or file), or None when none can run."""
    return find_persona(workspace, wanted, agents)[0]


def find_persona(workspace: Path, wanted: str, agents: list[str]) -> tuple[Persona | None, str]:
    """(the persona named on the command line, "") or (None, why not), through the core's resolver."""
    from workbench.core.assembly import OpenError
    from workbench.core.assembly import load_personas as discover
    from workbench.core.assembly import resolve_persona as resolve

    try:
        return resolve(wanted, discover(workspace, agents), workspace), ""
    except OpenError as exc:
        return None, str(exc)


def run_app(args: TuiArgs) -> int:
    app = app_from_args(args)
    app.run(inline=bool(args.inline))
    return app.return_code or 0
