"""The main screen's state, in one place: the request, the session, and who answers (persona, model, mode).

`MainBase` holds what every part of the main screen reads; `main_repo.RepoActions`, `main_actions.ChatActions`
and `main.MainScreen` build on it in that order. Persona, model and mode are one reactive `Identity`: whoever
changes one sets `identity`, and its single watcher updates the chat's title and the status bar.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import WorkerState

from workbench.tui import host, safe
from workbench.tui.host import PersonaLoad, ScreenServices, SessionFactory, SessionLike, SessionRequest
from workbench.tui.keys import keymap_of
from workbench.tui.widgets.chat import ChatPane
from workbench.tui.widgets.plan import PlanPanel, progress_text
from workbench.tui.widgets.status import StatusBar, TopBar

if TYPE_CHECKING:
    from workbench.core.events import Event, PlanItem

PANES = ("files", "chat", "plan")
PANE_FOCUS = {"files": "#explorer", "chat": "#prompt", "plan": "#plan-items"}
WIDTH_CLASSES = [(0, "-narrow"), (110, "-wide")]


def width_class(width: int) -> str:
    """The class `HORIZONTAL_BREAKPOINTS` gives a screen this wide."""
    return [name for edge, name in WIDTH_CLASSES if width >= edge][-1]


@dataclass(frozen=True)
class Identity:
    """Who answers the next prompt, as the screen shows it."""

    persona: str = "default persona"
    persona_color: str | None = None
    model: str = ""  # the resolved model id; "" until the default persona is known
    mode: str = "default"


def title_text(identity: Identity) -> Text:
    out = Text()
    out.append(safe.one_line(identity.persona, 40), style="bold")
    if identity.model:
        out.append(f" · {safe.one_line(identity.model, 40)}")
    out.append(f" · {safe.one_line(identity.mode, 20)}")
    return out


class MainBase(Screen[None]):
    identity: reactive[Identity] = reactive(Identity, init=False)
    """Persona, model and mode; `watch_identity` is the one place they reach the chat title and the status bar."""

    def __init__(
        self,
        request: SessionRequest,
        factory: SessionFactory,
        *,
        persona_label: str = "",
        services: ScreenServices | None = None,
    ) -> None:
        # Classes set before mount: a class change later restyles every node. That includes the width class the
        # first resize would add (the app knows its size by the time it builds this screen).
        super().__init__(classes=f"-pane-chat {width_class(self.app.size.width)}")
        self.request = request
        self.factory = factory
        self.services = services or ScreenServices(config=request.config)
        self.session: SessionLike | None = None
        self._sessions_closing: list[asyncio.Future[None]] = []  # sessions being closed (their transcripts, locks)
        self.persona_load = PersonaLoad()
        self.personas_ready = False  # discovery has run (in a worker after the first frame)
        self.keys_ready = False  # the user's [keys] are in force (set by the app after the first frame)
        self.files: list[str] = []
        self.events: list[Event] = []  # everything dispatched, for tests and the outline
        self.pending_plan: tuple[PlanItem, ...] | None = None
        self.pane = "chat"
        model = host.model_label(request.persona, request.model, request.config)
        color = request.persona.color if request.persona is not None else None
        who = Identity(persona_label or "default persona", color, model, request.mode or "default")
        self.set_reactive(MainBase.identity, who)

    # -- the parts of the screen ------------------------------------------------------------------

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    @property
    def plan(self) -> PlanPanel:
        return self.query_one(PlanPanel)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def explorer_mounted(self) -> None:
        """The explorer pane holds the tree now; the start sequence (main_start.py) takes it from here."""

    def chat_busy(self) -> bool:
        return any(w.group == "agent" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers)

    def drop_session(self) -> None:
        """Forget the session (the next turn opens another): it is closed, its transcript flushed, its lock freed."""
        old, self.session = self.session, None
        if old is not None:
            self._sessions_closing.append(asyncio.ensure_future(old.aclose()))

    async def _await_closing(self) -> None:
        """Wait for the sessions being closed: reopening one of them must not find it still locked."""
        closing, self._sessions_closing = self._sessions_closing, []
        await asyncio.gather(*closing, return_exceptions=True)

    # -- who answers ----------------------------------------------------------------------------------

    def watch_identity(self, identity: Identity) -> None:
        self.chat.border_title = title_text(identity)
        self.status.update_info(
            persona=identity.persona, persona_color=identity.persona_color, model=identity.model, mode=identity.mode
        )

    def show_identity(self, **changes: Any) -> None:
        """Change some of persona, persona_color, model and mode (the watcher shows them)."""
        self.identity = replace(self.identity, **changes)

    # -- panes ------------------------------------------------------------------------------------------

    def show_pane(self, name: str) -> None:
        """Bring a pane to the front (only one shows on a narrow terminal) without moving the focus."""
        for pane in PANES:
            self.set_class(pane == name, f"-pane-{pane}")
        self.pane = name
        self.query_one(TopBar).pane = name

    def action_pane(self, name: str) -> None:
        if name not in PANES:
            return
        self.show_pane(name)
        widgets = self.query(PANE_FOCUS[name])  # none while the file tree loads: the pane shows, focus stays
        if widgets and widgets.first().focusable:
            widgets.first().focus()

    def action_focus_prompt(self) -> None:
        self.action_pane("chat")
        self.chat.prompt.focus()

    def refresh_keys(self) -> None:
        """The user's [keys] came into force: redraw the labels that name keys."""
        self.status.refresh()
        self.query_one(TopBar).refresh()
        self.plan.refresh_hints()
        self.refresh_grants()

    def show_plan_progress(self) -> None:
        items = self.plan.items
        self.query_one(TopBar).plan = progress_text(items, 10) if items else Text()

    # -- grants -----------------------------------------------------------------------------------------

    def refresh_grants(self) -> None:
        try:
            rows = host.ledger_rows(self.session)
        except Exception:  # a ledger file another process is writing: show none rather than fail
            rows = []
        grants = self.query_one("#grants", Static)
        if not rows:
            grants.update(Text("Grants: none", style="dim"))
            return
        lines = Text(f"Grants ({keymap_of(self.app).show('ledger.open', 'ctrl+g')})\n", style="bold")
        for row in rows:
            lines.append(safe.one_line(row.pattern, 60)).append(f"  {safe.one_line(row.scope, 12)}\n", style="dim")
        lines.rstrip()
        grants.update(lines)
