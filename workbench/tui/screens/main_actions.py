"""Navigation and dialogs of the main screen: evidence, the outline, the ledger, personas and modes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.worker import WorkerState

from workbench.tui import host, safe
from workbench.tui.host import PersonaChoice, PersonaLoad, SessionRequest
from workbench.tui.screens.main_repo import RepoActions
from workbench.tui.widgets.chat import ChatPane
from workbench.tui.widgets.evidence import EvidenceCard
from workbench.tui.widgets.plan import PlanPanel
from workbench.tui.widgets.status import StatusBar


class ChatActions(RepoActions):
    """Mixed into MainScreen; relies on its chat, status, session and request."""

    request: SessionRequest
    session: Any
    persona_load: PersonaLoad
    _evidence_cursor: int
    _persona_label: str
    _model_label: str

    @property
    def chat(self) -> ChatPane:
        return self.query_one(ChatPane)

    @property
    def plan(self) -> PlanPanel:
        return self.query_one(PlanPanel)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def chat_busy(self) -> bool:
        return any(w.group == "agent" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers)

    if TYPE_CHECKING:  # provided by MainScreen

        def action_pane(self, name: str) -> None: ...

        def dispatch(self, event: Any) -> None: ...

        def _title_text(self) -> Text: ...

        def _refresh_grants(self) -> None: ...

        def drop_session(self) -> None: ...

    @on(EvidenceCard.ViewRequested)
    def view_evidence(self, event: EvidenceCard.ViewRequested) -> None:
        from workbench.tui.screens.modals import EvidenceScreen  # dialogs load when first opened

        self.app.push_screen(EvidenceScreen(event.data))

    def action_told(self) -> None:
        """What the persona of the running session was told: its instruction files and system prompt."""
        session = self.session
        if session is None:
            self.notify("No session yet: the persona is told its instructions when the first prompt is sent.")
            return
        from workbench.tui.screens.told import ToldScreen

        persona = getattr(getattr(session, "persona", None), "id", "") or self._persona_label
        screen = ToldScreen(persona, getattr(session, "memory", None), getattr(session, "system_prompt", ""))
        self.app.push_screen(screen)

    def action_evidence(self, step: int) -> None:
        entries = self.chat.transcript.evidence_entries()
        if not entries:
            return
        focused = self.focused
        if isinstance(focused, EvidenceCard):
            ids = [e.eid for e in entries]
            if focused.data.eid in ids:
                self._evidence_cursor = ids.index(focused.data.eid)
        if self._evidence_cursor < 0:
            self._evidence_cursor = len(entries) if step < 0 else -1
        self._evidence_cursor = max(0, min(len(entries) - 1, self._evidence_cursor + step))
        entry = entries[self._evidence_cursor]
        self.chat.transcript.reveal(entry)
        if entry.widget is None and entry.eid:
            self.notify(f"{entry.eid}: press v on it or ctrl+o to open", timeout=2)

    def action_outline(self) -> None:
        t = self.chat.transcript
        turns = [(i, f"{e.turn or ''} {e.label}") for i, e in enumerate(t.entries) if e.kind == "user"]
        evidence = []
        for i, e in enumerate(t.entries):
            if e.kind == "evidence" and e.eid in t.evidence:
                data = t.evidence[e.eid]
                evidence.append((i, f"{data.eid} {safe.one_line(data.tool, 30)}"))

        self._push_outline(turns, evidence)

    def _push_outline(self, turns: list[tuple[int, str]], evidence: list[tuple[int, str]]) -> None:
        from workbench.tui.screens.modals import EvidenceScreen, OutlineScreen

        t = self.chat.transcript

        def jump(index: int | None) -> None:
            if index is not None and 0 <= index < len(t.entries):
                entry = t.entries[index]
                self.action_pane("chat")
                t.reveal(entry)
                if entry.widget is None and entry.eid in t.evidence:
                    self.app.push_screen(EvidenceScreen(t.evidence[entry.eid]))

        self.app.push_screen(OutlineScreen(turns, evidence), jump)

    def compact_conversation(self, instructions: str = "") -> None:
        """Replace the model's history with a summary now (the palette's command; `/compact [instructions]`
        calls this). The chat keeps every turn, folded under a marker."""
        if self.chat_busy():
            self.notify("A turn is running: compact once it ends (Esc cancels it).", severity="warning")
            return
        if not callable(getattr(self.session, "compact", None)):
            self.notify("Nothing to compact yet: the conversation has not started.", markup=False)
            return
        self._compact(instructions)

    @work(exclusive=True, group="agent", exit_on_error=False, description="compact the conversation")
    async def _compact(self, instructions: str) -> None:
        self.status.update_info(busy=True, note="compacting the conversation…")
        try:
            async for event in self.session.compact(instructions):
                self.dispatch(event)
        except Exception as exc:
            from workbench.core.events import ErrorEvent

            self.dispatch(ErrorEvent(kind="internal", message=f"compaction failed: {exc}"))
        finally:
            self.status.update_info(busy=False, note="")

    def unfold_compacted(self) -> None:
        if not self.chat.transcript.unfold():
            self.notify("No compacted turns are folded.", markup=False)

    def action_ledger(self) -> None:
        from workbench.tui.screens.modals import LedgerScreen

        def revoke(grant_id: str) -> None:
            ledger = getattr(self.session, "ledger", None)
            if ledger is not None:
                ledger.revoke(grant_id)
            self._refresh_grants()

        self.app.push_screen(LedgerScreen(lambda: host.ledger_rows(self.session), revoke))

    def action_personas(self) -> None:
        from workbench.tui.screens.modals import PersonaPicker

        current = getattr(self.request.persona, "id", "")
        self.app.push_screen(
            PersonaPicker(self.persona_load.choices, self.persona_load.errors, current),
            lambda choice: self.use_persona(choice) if choice else None,
        )

    def use_persona(self, choice: PersonaChoice) -> None:
        if self.chat_busy():
            self.notify("Wait for the turn to finish (or Esc) before switching persona.", severity="warning")
            return
        self.request.persona = choice.persona
        self.drop_session()  # the next turn opens a session with the new persona
        self._persona_label = choice.name or choice.id
        self.status.update_info(persona=self._persona_label, persona_color=choice.color)
        self._model_label = host.model_label(choice.persona, self.request.model)
        self.chat.border_title = self._title_text()
        self.notify(f"Persona: {safe.one_line(self._persona_label, 60)}", markup=False)

    def set_mode(self, mode: str) -> None:
        from workbench.core.approvals import PermissionMode

        if not PermissionMode.known(mode):
            self.notify(f"Unknown mode {safe.one_line(mode, 30)}; one of {', '.join(PermissionMode)}", markup=False)
            return
        self.request.mode = mode
        setter = getattr(self.session, "set_mode", None)
        if callable(setter):
            setter(mode)
        elif not self.chat_busy():
            self.drop_session()
        self.status.update_info(mode=mode)
        self.chat.border_title = self._title_text()
