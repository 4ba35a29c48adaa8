"""How the main screen starts: what the full first screen shows comes first, everything else after it.

After the first frame the explorer (its code, file list and git status read in one worker) and, unless the
last discovery's answer still holds (the persona hint), persona discovery start at once. The rendering
warm-up, the repository's file list, persona discovery (when the hint named the persona) and the MCP
servers wait until the screen is complete, so they never compete with it for the GIL.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.screen import Screen

from workbench.tui import host, render, safe
from workbench.tui.host import PersonaLoad, SessionRequest

if TYPE_CHECKING:
    from workbench.tui.widgets.chat import ChatPane
    from workbench.tui.widgets.status import StatusBar

SCREEN_WAIT_S = 1.0  # the longest the warm-ups wait for the first screen to be complete


class StartActions(Screen[None]):
    """Mixed into MainScreen; relies on its request, status, chat and explorer."""

    request: SessionRequest
    session: Any
    persona_load: PersonaLoad
    personas_ready: bool
    files: list[str]
    _persona_label: str
    _persona_color: str | None
    _model_label: str
    _hinted: bool
    _complete: bool
    _has_key: bool | None

    if TYPE_CHECKING:  # provided by MainScreen and its other mixins

        @property
        def chat(self) -> ChatPane: ...

        @property
        def status(self) -> StatusBar: ...

        def mount_explorer(self) -> None: ...

        def _explorer(self) -> Any: ...

        def action_demo(self) -> None: ...

        def open_session(self) -> Any: ...

        def _title_text(self) -> Text: ...

    def _use_hint(self) -> None:
        """The default persona as the last discovery found it, when nothing it read has changed since (a few
        stat calls): the first frame names it; discovery runs after the frame and corrects it if need be."""
        from workbench.core.personas.hint import read_hint

        hint = read_hint(self.request.workspace, getattr(self.app, "agents_extra", ()))
        if hint is not None:
            self._hinted = True
            self._persona_label = hint.name or hint.id
            self._persona_color = hint.color
            self._model_label = self.request.model or hint.model

    # -- background start --------------------------------------------------------------------------

    def start_background(self) -> None:
        """What the full first screen shows comes first (the tree with its git letters, the persona and its
        model); warm-ups and the rest wait until it is complete, so they never compete with it for the GIL."""
        self.mount_explorer()
        if not self._hinted:  # named already: discovery (for the picker) can wait for the complete screen
            self.load_persona_list()
        self.check_credentials()
        if self.request.demo:
            self.action_demo()
        elif self.request.resume or self.request.continue_:
            # A saved conversation is drawn as soon as its session opens: markdown and Pygments must be loaded by
            # then (rendering first would wait on this import anyway).
            self.warm_up_rendering()
            self.open_session()
        self.set_timer(SCREEN_WAIT_S, self.screen_complete)  # a slow repository does not hold the rest back

    def screen_complete(self) -> None:
        """The first screen is whole (or it took too long): start what it did not need."""
        if self._complete:
            return
        self._complete = True
        self.call_after_refresh(self._after_first_screen)  # once the complete frame is drawn

    def _after_first_screen(self) -> None:
        if self._hinted and not self.personas_ready:
            self.load_persona_list()
        self.load_repo_files()
        if not (self.request.resume or self.request.continue_):  # started already for a resumed session
            self.warm_up_rendering()
        start_mcp = getattr(self.app, "start_mcp", None)
        if callable(start_mcp):
            start_mcp()

    def _check_complete(self) -> None:
        explorer = self._explorer()
        named = self.personas_ready or self._hinted
        if named and explorer is not None and (explorer.status is not None or not explorer.is_git):
            self.screen_complete()

    def on_repo_explorer_status_changed(self) -> None:
        self._check_complete()

    @work(thread=True, exclusive=True, group="files", exit_on_error=False, description="list repository files")
    def load_repo_files(self) -> None:
        from workbench.core import hardened

        listing = ("ls-files", "-z", "--cached", "--others", "--exclude-standard")
        try:
            out = hardened.run_git(self.request.workspace, *listing, timeout=10)
        except hardened.GitFailed:
            return
        files = sorted({p for p in out.decode("utf-8", "replace").split("\0") if p})
        self.app.call_from_thread(setattr, self, "files", files)

    @work(thread=True, exclusive=True, group="warm-up", exit_on_error=False, description="load markdown and Pygments")
    def warm_up_rendering(self) -> None:
        render.warm_up()
        # Everything loaded so far lives as long as the app: move it out of the collector's reach, so the
        # full collections during a long stream scan only new objects (50 ms pauses become a few ms).
        self.app.call_from_thread(gc.freeze)

    @work(thread=True, exclusive=True, group="credentials", exit_on_error=False, description="check credentials")
    def check_credentials(self) -> None:
        ok, message = self.app.credentials()  # type: ignore[attr-defined]
        self.app.call_from_thread(self.show_credentials, ok, message)

    def show_credentials(self, ok: bool, message: str) -> None:
        self._has_key = ok
        if ok or self.session is not None or self.request.demo or self.request.resume or self.request.continue_:
            return
        body = Text()
        body.append("No API key\n", style="bold yellow")
        body.append(safe.clean(message) + "\n\n")
        body.append("Everything else works: explorer, outline, plan, personas.\n")
        body.append("Type /demo (or ctrl+p → Run the offline demo) to replay a recorded session with live tools.")
        self.chat.transcript.add_notice(body, "warning")

    @work(thread=True, exclusive=True, group="personas", exit_on_error=False, description="discover personas")
    def load_persona_list(self) -> None:
        from workbench.core.personas.hint import PersonaHint, fingerprint, write_hint

        workspace, extra = self.request.workspace, self.app.agents_extra  # type: ignore[attr-defined]
        taken = fingerprint(workspace, extra)  # before discovery reads anything
        load = host.load_personas(workspace, extra, config=self.request.config)
        self.app.call_from_thread(self._personas_loaded, load)
        first = load.default
        hint = PersonaHint(first.id, first.name, first.color, load.default_model) if first is not None else None
        write_hint(workspace, hint, taken)

    def _personas_loaded(self, load: PersonaLoad) -> None:
        self.persona_load = load
        self.personas_ready = True
        self.call_after_refresh(self._check_complete)
        if self.request.persona is not None or self.session is not None:
            return
        # Name the persona the first turn will use, before any session exists (a hint may have named it already).
        choice = load.default
        self._persona_label = (choice.name or choice.id) if choice else "default persona"
        self._model_label = self.request.model or load.default_model
        color = choice.color if choice else None
        self.status.update_info(persona=self._persona_label, persona_color=color, model=self._model_label)
        self.chat.border_title = self._title_text()
