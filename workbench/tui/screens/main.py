"""The workbench screen: explorer | chat | plan, a top bar and a status bar.

Workers stay thin: they call the core (session factory, `run_turn`, persona discovery, credentials) and
hand each event to `dispatch`, which fans it out to the chat, the plan and the status bar.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.tui import host, safe
from workbench.tui.commands import PROVIDERS
from workbench.tui.host import PersonaLoad, SessionRequest
from workbench.tui.screens.main_actions import ChatActions
from workbench.tui.screens.main_start import StartActions
from workbench.tui.widgets.chat import ChatPane, TuiApprover
from workbench.tui.widgets.evidence import EvidenceCard
from workbench.tui.widgets.plan import PlanPanel, progress_text
from workbench.tui.widgets.prompt import Prompt
from workbench.tui.widgets.status import StatusBar, StatusInfo, TopBar

if TYPE_CHECKING:  # the event types load with the first session, not before the first frame
    from workbench.core.events import Event, PlanItem, ToolCallFinished

PANES = ("files", "chat", "plan")
WIDTH_CLASSES = [(0, "-narrow"), (110, "-wide")]


def width_class(width: int) -> str:
    """The class `HORIZONTAL_BREAKPOINTS` gives a screen this wide."""
    return [name for edge, name in WIDTH_CLASSES if width >= edge][-1]


class MainScreen(StartActions, ChatActions):
    # Layout rules live in main.tcss, loaded by the app with its stylesheet (see WorkbenchApp.CSS_PATH).
    COMMANDS = PROVIDERS  # type: ignore[assignment]
    HORIZONTAL_BREAKPOINTS = WIDTH_CLASSES
    BINDING_GROUP_TITLE = "Workbench"

    BINDINGS = [
        Binding("escape", "cancel_turn", "Cancel turn", id="chat.cancel"),
        Binding("alt+1", "pane('files')", "Files", id="pane.files"),
        Binding("alt+2", "pane('chat')", "Chat", id="pane.chat"),
        Binding("alt+3", "pane('plan')", "Plan", id="pane.plan"),
        Binding("1", "pane('files')", "Files", show=False, id="pane.files-key"),
        Binding("2", "pane('chat')", "Chat", show=False, id="pane.chat-key"),
        Binding("3", "pane('plan')", "Plan", show=False, id="pane.plan-key"),
        Binding("alt+up", "evidence(-1)", "Prev evidence", id="evidence.prev"),
        Binding("alt+down", "evidence(1)", "Next evidence", id="evidence.next"),
        Binding("ctrl+o", "outline", "Outline", id="chat.outline"),
        Binding("ctrl+g", "ledger", "Grants", id="ledger.open"),
        Binding("ctrl+n", "personas", "Persona", id="persona.pick"),
        Binding("ctrl+y", "copy", "Copy answer", id="chat.copy"),
        Binding("ctrl+l", "focus_prompt", "Prompt", id="chat.focus-prompt"),
        Binding("ctrl+f", "find_file", "Find file", id="files.find"),
        Binding("ctrl+t", "rewind", "Rewind", id="chat.rewind"),
    ]

    def __init__(self, request: SessionRequest, factory: host.SessionFactory, *, persona_label: str = "") -> None:
        # Classes set before mount: a class change later restyles every node. That includes the width class the
        # first resize would add (the app knows its size by the time it builds this screen).
        super().__init__(classes=f"-pane-chat {width_class(self.app.size.width)}")
        # A mode's first screen makes Textual re-parse all CSS unless it has seen the app's current CSS. Nothing
        # changed since the startup parse: style the app node (all that refresh would add) and skip the re-parse.
        self._css_update_count = self.app._css_update_count
        self.app.stylesheet.update(self.app)
        self.request = request
        self.factory = factory
        self.session: Any = None
        self._sessions_closing: list[asyncio.Future[Any]] = []  # sessions being closed (their transcripts and locks)
        self.persona_load = PersonaLoad()
        self.personas_ready = False  # discovery has run (in a worker after the first frame)
        self.files: list[str] = []
        self.events: list[Event] = []  # everything dispatched, for tests and the outline
        self.pending_plan: tuple[PlanItem, ...] | None = None
        self.pane = "chat"
        self._persona_label = persona_label or "default persona"
        self._model_label = host.model_label(request.persona, request.model)
        self._persona_color: str | None = None
        self._hinted = False  # the first frame names the default persona from the last discovery
        if request.persona is None and not persona_label and not request.demo:
            self._use_hint()
        self._has_key: bool | None = None
        self._evidence_cursor = -1
        self._complete = False  # the first screen is whole: warm-ups and MCP may start

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        topbar = TopBar(id="topbar")
        name = safe.one_line(self.request.workspace.resolve().name, 40)
        topbar.set_reactive(TopBar.title, Text("workbench · ", style="dim").append(name, "bold"))
        yield topbar
        with Horizontal(id="panes"):
            with Vertical(id="explorer-pane", classes="pane") as files:
                files.border_title = "Explorer"
                yield from self.compose_explorer()
            chat = ChatPane(self.repo_files, id="chat")
            chat.add_class("pane")
            chat.border_title = self._title_text()
            yield chat
            with Vertical(id="plan-pane", classes="pane") as plan:
                plan.border_title = "Plan"
                yield PlanPanel(id="plan")
                yield Static(Text("Grants: none", style="dim"), id="grants")
        status = StatusBar(id="status")
        req = self.request
        info = StatusInfo(
            persona=self._persona_label,
            persona_color=self._persona_color,
            model=self._model_label,
            mode=req.mode or "default",
        )
        status.set_reactive(StatusBar.info, info)  # the first frame shows it; no refresh after mount
        yield status

    def compose_explorer(self) -> ComposeResult:
        label = Text(f"{safe.one_line(self.request.workspace.name, 40)}\n(loading the file tree)")
        yield Static(label, id="explorer-placeholder")

    def on_mount(self) -> None:
        self.chat.prompt.focus()
        # Heavy work (git, tree-sitter, persona discovery, credentials) starts once the first frame is out.
        self.call_after_refresh(self.start_background)

    def _show_workspace(self) -> None:
        name = safe.one_line(self.request.workspace.resolve().name, 40)
        self.query_one(TopBar).title = Text("workbench · ", style="dim").append(name, "bold")

    def _title_text(self) -> Text:
        req = self.request
        out = Text()
        out.append(safe.one_line(self._persona_label, 40), style="bold")
        model = self._model_label or req.model or "persona's model"
        out.append(f" · {safe.one_line(model, 40)} · {safe.one_line(req.mode or 'default', 20)}")
        return out

    def on_resize(self) -> None:
        self.query_one(TopBar).narrow = self.has_class("-narrow")

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
        target = {"files": "#explorer-pane", "chat": "#prompt", "plan": "#plan-items"}[name]
        widgets = self.query(target)
        if widgets:
            node = widgets.first()
            if node.focusable:
                node.focus()
            else:
                self.focus_next(target + " *")

    # -- the agent ---------------------------------------------------------------------------------

    def drop_session(self) -> None:
        """Forget the session (the next turn opens another): it is closed, its transcript flushed, its lock freed."""
        old, self.session = self.session, None
        close = getattr(old, "aclose", None)
        if callable(close):
            self._sessions_closing.append(asyncio.ensure_future(close()))

    async def _await_closing(self) -> None:
        """Wait for the sessions being closed: reopening one of them must not find it still locked."""
        closing, self._sessions_closing = self._sessions_closing, []
        await asyncio.gather(*closing, return_exceptions=True)

    async def ensure_session(self) -> Any:
        if self.session is None:
            await self._await_closing()
            self.request.approver = TuiApprover(self.chat)
            self.session = await self.factory(self.request)
            self._adopt_session_identity(self.session)
            if self.pending_plan is not None:
                self.session.set_plan(list(self.pending_plan))
                self.pending_plan = None
        return self.session

    def _adopt_session_identity(self, session: Any) -> None:
        """Show what the session resolved: persona, colour, model, mode, id."""
        persona: Any = getattr(session, "persona", None)
        changes: dict[str, object] = {
            "session_id": host.session_id(session),
            "usage": host.session_usage(session),
            **host.session_context(session),
        }
        name = str(getattr(persona, "name", None) or "")
        if name:
            self._persona_label = name
            changes["persona"] = self._persona_label
            changes["persona_color"] = getattr(persona, "color", None)
        model = getattr(session, "model", None)
        if isinstance(model, str) and model:
            self._model_label = model
            changes["model"] = model
        workspace = getattr(session, "workspace", None)
        if isinstance(workspace, Path) and workspace.resolve() != self.request.workspace.resolve():
            self.request.workspace = workspace  # the demo runs on its own copy of the sample repository
            self.remount_explorer()
            self._show_workspace()
        mode = getattr(session, "mode", None)
        if isinstance(mode, str) and mode:
            self.request.mode = mode
            changes["mode"] = mode
        warning = host.sandbox_warning(session)
        if warning:
            refused = warning.startswith("shell commands are refused")
            changes["sandbox"] = "commands refused: no sandbox" if refused else "no sandbox"
            from workbench.core.events import Notice

            self.dispatch(Notice(level="warning", message=warning))
        audit_off = getattr(session, "audit_off", None)
        if isinstance(audit_off, str):
            self.notify(safe.one_line(audit_off, 200), title="audit", markup=False, timeout=10)
        notice = getattr(session, "mode_notice", None)  # a resumed session: which mode is in force and why
        if notice is not None:
            text = safe.one_line(notice.message, 200)
            if notice.level == "warning":
                self.notify(text, severity="warning", markup=False, timeout=10)
            else:
                self.notify(text, markup=False, timeout=10)
        self.status.update_info(**changes)
        self.chat.border_title = self._title_text()

    @work(exclusive=True, group="agent", exit_on_error=False, description="open session")
    async def open_session(self) -> None:
        self.status.update_info(busy=True)
        try:
            session = await self.ensure_session()
        except Exception as exc:
            from workbench.core.events import ErrorEvent

            self.dispatch(ErrorEvent(kind="session", message=f"could not open the session: {exc}"))
            return
        finally:
            self.status.update_info(busy=False)
        past = host.session_events(session)
        if past:
            # A long session's events and history live as long as it does: out of the collector's reach, so no
            # full collection over them stalls the first frame of the conversation (or any later one).
            gc.freeze()
            self.chat.replay(past)
            self.events.extend(past)
        plan = host.session_plan(session)
        if plan:
            self.plan.set_items(plan)
            self._show_plan_progress()
        self._refresh_grants()
        await self.chat.replay_rest()

    @work(exclusive=True, group="agent", exit_on_error=False, description="agent turn")
    async def run_turn(self, prompt: str) -> None:
        from workbench.core.events import ErrorEvent, TurnDone

        self.status.update_info(busy=True)
        try:
            session = await self.ensure_session()
            async for event in session.run_turn(prompt):
                self.dispatch(event)
        except asyncio.CancelledError:
            self.chat.handle_event(TurnDone(stop_reason="cancelled", final_text="", usage=host.session_usage(None)))
            raise
        except Exception as exc:
            self.dispatch(ErrorEvent(kind="internal", message=str(exc) or type(exc).__name__))
        finally:
            self.status.update_info(busy=False)
            self._refresh_grants()

    def dispatch(self, event: Event) -> None:
        """Fan one core event out to the widgets that show it."""
        from workbench.core.events import Compacted, PlanUpdated, ToolCallFinished, TurnDone, UsageUpdated

        self.events.append(event)
        self.chat.handle_event(event)
        if event.agent_path:  # a subagent's plan and usage are its card's business, not the session's
            if isinstance(event, ToolCallFinished):
                self._mark_files(event)
            return
        self._status_note(event)
        if isinstance(event, PlanUpdated):
            self.plan.set_items(event.items)
            self._show_plan_progress()
        elif isinstance(event, UsageUpdated):
            changes: dict[str, object] = {"usage": event.session, "context_tokens": event.turn.context_tokens}
            if event.window:
                changes["window"] = event.window
            if event.model:
                changes["model"] = event.model
                if event.model != self._model_label:
                    self._model_label = event.model
                    self.chat.border_title = self._title_text()
            self.status.update_info(**changes)
        elif isinstance(event, Compacted):
            self.status.update_info(context_tokens=event.tokens_after, window=event.window or self.status.info.window)
        elif isinstance(event, ToolCallFinished):
            self._mark_files(event)
        elif isinstance(event, TurnDone):
            if event.session_id:
                self.status.update_info(session_id=event.session_id)
            explorer = self._explorer()
            if explorer is not None:
                explorer.refresh_status()

    def _mark_files(self, event: ToolCallFinished) -> None:
        explorer = self._explorer()
        if explorer is not None and (event.files_read or event.files_changed):
            explorer.mark_files(read=event.files_read, changed=event.files_changed)

    def _status_note(self, event: Event) -> None:
        """A short live note in the status bar: thinking, retry countdowns."""
        from workbench.core.events import RetryCountdown, Retrying, ThinkingDelta

        if isinstance(event, ThinkingDelta):
            note = "thinking…"
        elif isinstance(event, RetryCountdown):
            note = f"retrying in {event.seconds_left:.0f} s"
        elif isinstance(event, Retrying):
            note = f"retrying in {event.delay_s:.0f} s"
        else:
            note = ""
        if note != self.status.info.note:
            self.status.update_info(note=note)

    def _show_plan_progress(self) -> None:
        items = self.plan.items
        self.query_one(TopBar).plan = progress_text(items, 10) if items else Text()

    def _refresh_grants(self) -> None:
        try:
            rows = host.ledger_rows(self.session)
        except Exception:
            rows = []
        grants = self.query_one("#grants", Static)
        if not rows:
            grants.update(Text("Grants: none", style="dim"))
            return
        lines = Text("Grants (ctrl+g)\n", style="bold")
        for row in rows:
            lines.append(safe.one_line(row.pattern, 60)).append(f"  {safe.one_line(row.scope, 12)}\n", style="dim")
        lines.rstrip()
        grants.update(lines)

    @on(ChatPane.Waiting)
    def waiting_for_user(self, event: ChatPane.Waiting) -> None:
        self.status.update_info(waiting=event.waiting)
        if not event.waiting:
            return
        self.show_pane("chat")  # on a narrow terminal the card must be in front, wherever the user was
        if self.app.screen is not self:
            self.app.notify("An approval is waiting in the chat.", severity="warning")

    @on(Prompt.Sent)
    def send(self, event: Prompt.Sent) -> None:
        text = event.text
        if text.startswith("/") and self.slash(text):
            return
        if self.chat_busy():
            self.notify("A turn is running: Esc cancels it.", severity="warning")
            return
        if self._has_key is False and self.session is None:
            self.notify("No API key: type /demo for the offline demo.", severity="warning")
            return
        self.chat.echo_prompt(text)
        self.run_turn(text)

    def slash(self, text: str) -> bool:
        name, _, arg = text[1:].partition(" ")
        actions = {
            "demo": self.action_demo,
            "ledger": self.action_ledger,
            "grants": self.action_ledger,
            "outline": self.action_outline,
            "personas": self.action_personas,
            "help": self.app.action_help,  # type: ignore[attr-defined]
        }
        if name == "mode" and arg:
            self.set_mode(arg.strip())
            return True
        action = actions.get(name)
        if action is None:
            return False
        action()
        return True

    async def stop_session(self) -> None:
        """Cancel a running turn as Esc does, wait for its cleanup, and close the session (its transcript is
        flushed): what a stop signal does before the app exits."""
        running = self.workers.cancel_group(self, "agent")
        await asyncio.gather(*(worker.wait() for worker in running), return_exceptions=True)
        self.drop_session()
        await self._await_closing()

    async def on_unmount(self) -> None:
        await self.stop_session()  # quitting: the transcript is flushed and the session's lock freed

    def action_cancel_turn(self) -> None:
        if self.chat_busy():
            self.workers.cancel_group(self, "agent")
            self.notify("Turn cancelled.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "agent" and event.state is WorkerState.ERROR:
            from workbench.core.events import ErrorEvent

            self.dispatch(ErrorEvent(kind="internal", message=str(event.worker.error)))

    # -- plan ---------------------------------------------------------------------------------------

    @on(PlanPanel.Changed)
    def plan_changed(self, event: PlanPanel.Changed) -> None:
        self._show_plan_progress()
        if self.session is not None:
            self.session.set_plan(list(event.items))
        else:
            self.pending_plan = event.items

    def action_demo(self) -> None:
        """Replay the bundled demo session through this screen (no key needed; tools run for real)."""
        if self.chat_busy():
            return
        self.request.demo = True
        self.request.resume = None
        self.request.continue_ = False
        self.drop_session()
        self.chat.transcript.add_notice(Text("Offline demo: a recorded session replayed with live tools."))
        try:
            prompt = host.demo_prompt()
        except Exception as exc:  # the demo data may be missing from a trimmed install
            self.notify(f"The demo is not available: {exc}", severity="error", markup=False)
            return
        self.chat.echo_prompt(prompt)
        self.run_turn(prompt)

    def action_copy(self) -> None:
        focused = self.focused
        if isinstance(focused, EvidenceCard) and focused.data.finished is not None:
            self.app.copy_to_clipboard(focused.data.finished.output)
            self.notify(f"Copied the result of {focused.data.eid}")
            return
        answers = [e for e in reversed(self.events) if e.type == "assistant_text"]
        if answers:
            self.app.copy_to_clipboard(answers[0].text)  # type: ignore[attr-defined]
            self.notify("Copied the last answer")

    def action_rewind(self) -> None:
        """The rewind picker (screens/rewind.py): turns with their diffs, then the plan, then the rewind."""
        from workbench.tui.screens.rewind import open_rewind

        open_rewind(self)

    def action_focus_prompt(self) -> None:
        self.action_pane("chat")
        self.chat.prompt.focus()
