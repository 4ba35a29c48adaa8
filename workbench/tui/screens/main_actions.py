"""The conversation side of the main screen: evidence, the outline, the ledger, personas, models and modes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work

from workbench.core.approvals import PermissionMode
from workbench.tui import host, safe
from workbench.tui.host import PersonaChoice
from workbench.tui.keys import keymap_of
from workbench.tui.screens.main_repo import RepoActions
from workbench.tui.widgets.evidence import EvidenceCard

if TYPE_CHECKING:
    from workbench.core.events import Event

# shift+tab in the prompt walks these, as in Claude Code; dontAsk and bypassPermissions are chosen by name.
MODE_CYCLE = (PermissionMode.DEFAULT, PermissionMode.ACCEPT_EDITS, PermissionMode.PLAN)


def next_mode(current: str) -> PermissionMode:
    modes = [m.value for m in MODE_CYCLE]
    return MODE_CYCLE[(modes.index(current) + 1) % len(modes)] if current in modes else MODE_CYCLE[0]


class ChatActions(RepoActions):
    """Navigation and dialogs of the conversation, and the choices that change who answers."""

    _evidence_cursor = -1

    if TYPE_CHECKING:  # provided by MainScreen

        def dispatch(self, event: Event) -> None: ...

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

        self.app.push_screen(ToldScreen(session.persona.id, session.memory, session.system_prompt))

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
            keys = keymap_of(self.app)
            view, outline = keys.show("evidence.view", "v"), keys.show("chat.outline", "ctrl+o")
            self.notify(f"{entry.eid}: press {view} on it or {outline} to open", timeout=2)

    def action_outline(self) -> None:
        t = self.chat.transcript
        turns = [(i, f"{e.turn or ''} {e.label}") for i, e in enumerate(t.entries) if e.kind == "user"]
        evidence = []
        for i, e in enumerate(t.entries):
            if e.kind == "evidence" and e.eid in t.evidence:
                data = t.evidence[e.eid]
                evidence.append((i, f"{data.eid} {safe.one_line(data.tool, 30)}"))
        self.push_outline(turns, evidence)

    def action_ledger(self) -> None:
        from workbench.tui.screens.modals import LedgerScreen

        def revoke(grant_id: str) -> None:
            if self.session is not None:
                self.session.ledger.revoke(grant_id)
            self.refresh_grants()

        self.app.push_screen(LedgerScreen(lambda: host.ledger_rows(self.session), revoke))

    # -- who answers ----------------------------------------------------------------------------------

    def action_personas(self) -> None:
        from workbench.tui.screens.modals import PersonaPicker

        current = self.request.persona.id if self.request.persona is not None else ""
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
        model = host.model_label(choice.persona, self.request.model, self.request.config)
        self.show_identity(persona=choice.name or choice.id, persona_color=choice.color, model=model)
        self.notify(f"Persona: {safe.one_line(self.identity.persona, 60)}", markup=False)

    def set_mode(self, mode: str) -> bool:
        """Switch the permission mode now (the running session too); False with a message when it cannot be."""
        if not PermissionMode.known(mode):
            self.notify(f"Unknown mode {safe.one_line(mode, 30)}; one of {', '.join(PermissionMode)}", markup=False)
            return False
        in_force = PermissionMode(mode)
        if self.session is not None:
            try:
                in_force = self.session.set_mode(mode)
            except ValueError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return False
        self.request.mode = str(in_force)
        self.show_identity(mode=str(in_force))
        return True

    def action_cycle_mode(self) -> None:
        self.set_mode(next_mode(self.identity.mode).value)

    def set_model(self, model: str) -> str:
        """Use `model` (an alias or an id) from the next request on; returns the id it resolves to. ValueError
        when the session cannot switch (an ACP agent chooses its own)."""
        self.request.model = model
        resolved = (
            self.session.set_model(model)
            if self.session is not None
            else host.model_label(self.request.persona, model, self.request.config)
        )
        self.show_identity(model=resolved)
        return resolved

    def compact_conversation(self, instructions: str = "") -> None:
        """Replace the model's history with a summary now (the palette's command and `/compact [instructions]`).
        The chat keeps every turn, folded under a marker."""
        if self.chat_busy():
            self.notify("A turn is running: compact once it ends (Esc cancels it).", severity="warning")
            return
        if self.session is None:
            self.notify("Nothing to compact yet: the conversation has not started.", markup=False)
            return
        self._compact(instructions)

    @work(exclusive=True, group="agent", exit_on_error=False, description="compact the conversation")
    async def _compact(self, instructions: str) -> None:
        session = self.session
        if session is None:
            return
        self.status.update_info(busy=True, note="compacting the conversation…")
        try:
            async for event in session.compact(instructions):
                self.dispatch(event)
        except Exception as exc:
            from workbench.core.events import ErrorEvent

            self.dispatch(ErrorEvent(kind="internal", message=f"compaction failed: {exc}"))
        finally:
            self.status.update_info(busy=False, note="")

    def unfold_compacted(self) -> None:
        """Show the turns folded under the latest compaction marker."""
        if not self.chat.transcript.unfold():
            self.notify("No compacted turns are folded.", markup=False)
