"""How the main screen starts: what the full first screen shows comes first, everything else after it.

The explorer is in the first frame when `workbench [DIR]` read its file list and git status in time (they are
read as the process starts); else it comes after the first frame, its code and the same read in one worker.
Persona discovery starts after the first frame unless the last discovery's answer still holds (the persona
hint). The screen is complete once the tree has been drawn with its letters and the persona is named; the
rendering warm-up, the repository's file list, persona discovery (when the hint named the persona), the SDK
and the MCP servers wait until then, so they never compete with it for the GIL.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work

from workbench.core import dataclass_code
from workbench.core.quietgc import startup_done
from workbench.tui import host, render, safe
from workbench.tui.host import PersonaLoad
from workbench.tui.keys import keymap_of
from workbench.tui.screens.main_base import Identity, MainBase

if TYPE_CHECKING:
    from workbench.tui.widgets.explorer import RepoExplorer

SCREEN_WAIT_S = 1.0  # the longest the warm-ups wait for the first screen to be complete


class StartActions(MainBase):
    """Mixed into MainScreen: its start after the first frame."""

    _has_key: bool | None
    _hinted = False  # the first frame names the default persona from the last discovery
    _complete = False  # the first screen is whole: warm-ups and MCP may start
    _replayed = False  # a resumed session's end is drawn (its older part read in after it)
    _sdk_asked = False

    if TYPE_CHECKING:  # provided by MainScreen and its other mixins

        def mount_explorer(self) -> None: ...

        def explorer(self) -> RepoExplorer | None: ...

        def action_demo(self) -> None: ...

        def open_session(self) -> Any: ...

        def refresh_custom_commands(self) -> None: ...

    def start_init(self) -> None:
        """Before the first frame: the default persona as the last discovery found it, when nothing it read has
        changed since (a few stat calls); discovery runs after the frame and corrects it if need be."""
        request = self.request
        if request.persona is not None or request.demo or self.identity.persona != "default persona":
            return
        from workbench.core.personas.hint import read_hint

        hint = read_hint(request.workspace, self.services.agents)
        if hint is not None:
            self._hinted = True
            model = self.identity.model if request.model else hint.model
            self.set_reactive(MainBase.identity, Identity(hint.name or hint.id, hint.color, model, self.identity.mode))

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
        startup_done()  # the collector, held off since the process started (workbench.cli.tui)
        dataclass_code.release()  # the start's table of dataclass code (workbench.cli) is done with
        self.call_after_refresh(self._after_first_screen)  # once the complete frame is drawn

    def _after_first_screen(self) -> None:
        if self._hinted and not self.personas_ready:
            self.load_persona_list()
        self.call_later(self.refresh_custom_commands)
        self.load_repo_files()
        if not (self.request.resume or self.request.continue_):  # started already for a resumed session
            self.warm_up_rendering()
        from workbench.tui.host import StartsMcp

        if isinstance(self.app, StartsMcp):  # the workbench's app; a test may host the screen in a plain one
            self.app.start_mcp()
        self.warm_up_sdk_when_whole()

    def warm_up_sdk_when_whole(self) -> None:
        """Once the first screen is whole, a resumed session's end included: the SDK, in a thread, so the first
        prompt does not wait over a second for its import. Not sooner: the import holds the GIL."""
        resuming = self.request.resume or self.request.continue_
        if self._sdk_asked or not self._complete or (resuming and not self._replayed):
            return
        if self.services.warm_up is not None:
            self._sdk_asked = True
            self.warm_up_sdk()

    def warm_up_sdk(self) -> None:
        """In a thread of its own, not a worker: quitting must not wait for the import to end (workers run in
        the event loop's executor, which the app's exit waits for). A failure is left to the first request."""
        warm_up = self.services.warm_up
        if warm_up is None:
            return

        def load() -> None:
            with contextlib.suppress(Exception):
                warm_up()  # the SDK's import freezes what it loaded (core.agent.client.import_sdk)

        threading.Thread(target=load, name="warm-up-sdk", daemon=True).start()

    def explorer_mounted(self) -> None:
        self.call_after_refresh(self.check_complete)  # outside git no status follows: the tree completes it

    def check_complete(self) -> None:
        """Complete once the tree has been drawn with its letters and the persona is named. A tree that is not
        shown (a narrow terminal shows one pane) completes it when its letters are in."""
        explorer = self.explorer()
        if explorer is None or not (self.personas_ready or self._hinted):
            return
        shown = all(node.display for node in explorer.ancestors_with_self)
        ready = explorer.status is not None or not explorer.is_git
        if explorer.drawn_whole or (ready and not shown):
            self.screen_complete()

    def on_repo_explorer_status_changed(self) -> None:
        self.check_complete()

    def on_repo_explorer_drawn(self) -> None:
        self.check_complete()

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
        ok, message = self.services.credentials()
        self.app.call_from_thread(self.show_credentials, ok, message)

    def show_credentials(self, ok: bool, message: str) -> None:
        self._has_key = ok
        if ok or self.session is not None or self.request.demo or self.request.resume or self.request.continue_:
            return
        body = Text()
        body.append("No API key\n", style="bold yellow")
        body.append(safe.clean(message) + "\n\n")
        body.append("Everything else works: explorer, outline, plan, personas.\n")
        palette = keymap_of(self.app).show("app.palette", "ctrl+p")
        body.append(f"Type /demo (or {palette} → Run the offline demo) to replay a recorded session with live tools.")
        self.chat.transcript.add_notice(body, "warning")

    @work(thread=True, exclusive=True, group="personas", exit_on_error=False, description="discover personas")
    def load_persona_list(self) -> None:
        from workbench.core.personas.hint import PersonaHint, fingerprint, write_hint

        workspace, extra = self.request.workspace, self.services.agents
        taken = fingerprint(workspace, extra)  # before discovery reads anything
        load = host.load_personas(workspace, extra, config=self.request.config)
        self.app.call_from_thread(self._personas_loaded, load)
        first = load.default
        hint = PersonaHint(first.id, first.name, first.color, load.default_model) if first is not None else None
        write_hint(workspace, hint, taken)

    def _personas_loaded(self, load: PersonaLoad) -> None:
        self.persona_load = load
        self.personas_ready = True
        self.call_after_refresh(self.check_complete)
        if self.request.persona is not None or self.session is not None:
            return
        # Name the persona the first turn will use, before any session exists (a hint may have named it already).
        choice = load.default
        model = self.identity.model if self.request.model else load.default_model
        if choice is not None:
            self.show_identity(persona=choice.name or choice.id, persona_color=choice.color, model=model)
        elif self._hinted:  # the hint named one that discovery no longer finds
            self.show_identity(persona="default persona", persona_color=None, model=model)
