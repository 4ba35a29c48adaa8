"""The workbench screen: explorer | chat | plan, a top bar and a status bar.

Workers stay thin: they call the core (session factory, `run_turn`, persona discovery, credentials) and
hand each event to `dispatch`, which fans it out to the chat, the plan and the status bar through a table
from event type to handler.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.tui import host, safe, slash
from workbench.tui.commands import PROVIDERS
from workbench.tui.host import SessionLike
from workbench.tui.screens.main_actions import ChatActions
from workbench.tui.screens.main_base import PANES, WIDTH_CLASSES, title_text
from workbench.tui.screens.main_commands import ScreenCommands
from workbench.tui.screens.main_start import StartActions
from workbench.tui.textual_compat import adopt_startup_css
from workbench.tui.widgets.chat import ChatPane, TuiApprover
from workbench.tui.widgets.evidence import EvidenceCard
from workbench.tui.widgets.plan import PlanPanel
from workbench.tui.widgets.prompt import Prompt
from workbench.tui.widgets.status import StatusBar, StatusInfo, TopBar

if TYPE_CHECKING:  # the event types load with the first session, not before the first frame
    from workbench.core.events import Compacted, Event, PlanUpdated, ToolCallFinished, TurnDone, UsageUpdated

__all__ = ["PANES", "MainScreen"]

BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


class MainScreen(StartActions, ChatActions):
    # Layout rules live in main.tcss, loaded by the app with its stylesheet (see WorkbenchApp.CSS_PATH).
    COMMANDS = PROVIDERS  # type: ignore[assignment]
    HORIZONTAL_BREAKPOINTS = WIDTH_CLASSES
    BINDING_GROUP_TITLE = "Workbench"
    AUTO_FOCUS = "#prompt"  # focused as the screen mounts: no second focus change (and restyle) after it

    # priority: these work from the prompt too (over its own ctrl+f, ctrl+e...); see workbench.tui.keys.
    BINDINGS = [
        Binding("escape", "cancel_turn", "Cancel turn", id="chat.cancel"),
        Binding("alt+1", "pane('files')", "Files pane", priority=True, id="pane.files"),
        Binding("alt+2", "pane('chat')", "Chat pane", priority=True, id="pane.chat"),
        Binding("alt+3", "pane('plan')", "Plan pane", priority=True, id="pane.plan"),
        Binding("1", "pane('files')", "Files pane (outside the prompt)", show=False, id="pane.files-key"),
        Binding("2", "pane('chat')", "Chat pane (outside the prompt)", show=False, id="pane.chat-key"),
        Binding("3", "pane('plan')", "Plan pane (outside the prompt)", show=False, id="pane.plan-key"),
        Binding("alt+up", "evidence(-1)", "Prev evidence", priority=True, id="evidence.prev"),
        Binding("alt+down", "evidence(1)", "Next evidence", priority=True, id="evidence.next"),
        Binding("ctrl+o", "outline", "Outline", priority=True, id="chat.outline"),
        Binding("ctrl+g", "ledger", "Grants", priority=True, id="ledger.open"),
        Binding("ctrl+n", "personas", "Persona", priority=True, id="persona.pick"),
        Binding("ctrl+y", "copy", "Copy answer", priority=True, id="chat.copy"),
        Binding("ctrl+l", "focus_prompt", "Prompt", priority=True, id="chat.focus-prompt"),
        Binding("ctrl+f", "find_file", "Find file", priority=True, id="files.find"),
        Binding("ctrl+t", "rewind", "Rewind", priority=True, id="chat.rewind"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adopt_startup_css(self)  # no full CSS re-parse for the mode's first screen
        self.commands = ScreenCommands(self)
        self.slash = slash.REGISTRY.copy()
        self._has_key: bool | None = None
        self._handlers: dict[type[Event], Callable[..., None]] | None = None
        self._queued: str | None = None  # a prompt sent while a resumed session was opening
        self.start_init()  # the persona hint, before the first frame

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        topbar = TopBar(id="topbar")
        topbar.set_reactive(TopBar.title, self._workspace_title())
        yield topbar
        # The panes sit on the screen itself (its layout is horizontal; the bars are docked): no container
        # layer under them to lay out, style and draw.
        with Vertical(id="explorer-pane", classes="pane") as files:
            files.border_title = "Explorer"
            ready = self.first_explorer()
            if ready:
                yield from ready
            else:
                label = Text(f"{safe.one_line(self.request.workspace.name, 40)}\n(loading the file tree)")
                yield Static(label, id="explorer-placeholder")
        chat = ChatPane(self.mention_targets, slash.Completer(self.slash, self.commands), id="chat")
        chat.add_class("pane")
        chat.border_title = title_text(self.identity)
        yield chat
        with Vertical(id="plan-pane", classes="pane") as plan:
            plan.border_title = "Plan"
            yield PlanPanel(id="plan")
            yield Static(Text("Grants: none", style="dim"), id="grants")
        status = StatusBar(id="status")
        who = self.identity
        info = StatusInfo(persona=who.persona, persona_color=who.persona_color, model=who.model, mode=who.mode)
        status.set_reactive(StatusBar.info, info)  # the first frame shows it; no refresh after mount
        yield status

    def on_mount(self) -> None:
        self.chat.prompt.focus()
        # Heavy work (git, tree-sitter, persona discovery, credentials) starts once the first frame is out.
        self.call_after_refresh(self.start_background)

    def _workspace_title(self) -> Text:
        name = safe.one_line(self.request.workspace.resolve().name, 40)
        return Text("workbench · ", style="dim").append(name, "bold")

    def on_resize(self) -> None:
        self.query_one(TopBar).narrow = self.has_class("-narrow")

    # -- the agent ---------------------------------------------------------------------------------

    async def ensure_session(self) -> SessionLike:
        if self.session is None:
            await self._await_closing()
            self.request.approver = TuiApprover(self.chat)
            self.session = await self.factory(self.request)
            self._adopt_session_identity(self.session)
            self.refresh_custom_commands()  # the MCP servers it was given may offer prompts
            if self.pending_plan is not None:
                self.session.set_plan(list(self.pending_plan))
                self.pending_plan = None
        return self.session

    def _adopt_session_identity(self, session: SessionLike) -> None:
        """Show what the session resolved: persona, colour, model, mode, id."""
        persona = session.persona
        self.show_identity(persona=persona.name, persona_color=persona.color, model=session.model, mode=session.mode)
        self.request.mode = str(session.mode)
        if session.workspace.resolve() != self.request.workspace.resolve():
            self.request.workspace = session.workspace  # the demo runs on its own copy of the sample repository
            self.remount_explorer()
            self.query_one(TopBar).title = self._workspace_title()
        warning = session.sandbox_warning() or ""
        refused = warning.startswith("shell commands are refused")
        sandbox = ("commands refused: no sandbox" if refused else "no sandbox") if warning else ""
        context = host.session_context(session)  # the context gauge
        self.status.update_info(session_id=session.id, usage=session.usage, sandbox=sandbox, **context)
        if warning:
            from workbench.core.events import Notice

            self.dispatch(Notice(level="warning", message=warning))
        if session.audit_off is not None:
            self.notify(safe.one_line(session.audit_off, 200), title="audit", markup=False, timeout=10)
        notice = session.mode_notice  # a resumed session: which mode is in force and why
        if notice is not None:
            text = safe.one_line(notice.message, 200)
            if notice.level == "warning":
                self.notify(text, severity="warning", markup=False, timeout=10)
            else:
                self.notify(text, markup=False, timeout=10)

    @work(exclusive=True, group="agent", exit_on_error=False, description="open session")
    async def open_session(self) -> None:
        from workbench.tui.screens import main_tail

        shown = None
        resume = self.request.resume or ("latest" if self.request.continue_ else None)
        if resume and self.session is None and not self.chat.transcript.entries:
            shown = await main_tail.show_tail(self.chat, self.request.workspace, resume)  # before opening it
            if shown is not None and shown.plan:
                self.plan.set_items(shown.plan)
                self.show_plan_progress()
        self.status.update_info(busy=True)
        try:
            session = await self.ensure_session()
        except Exception as exc:
            from workbench.core.events import ErrorEvent

            if shown is not None:  # not this screen's session after all: its end goes too
                self.chat.clear()
                self.plan.set_items(())
            self.dispatch(ErrorEvent(kind="session", message=f"could not open the session: {exc}"))
            return
        finally:
            self.status.update_info(busy=False)
        past = list(session.events)
        head = main_tail.head_before(shown, past) if shown is not None else None
        if head is not None:
            self.chat.continue_replay(head)
        elif shown is not None:  # the shown end is not this session's end, or not numbered as it: start over
            self.chat.clear()
        if past:
            # A long session's events and history live as long as it does: out of the collector's reach, so no
            # full collection over them stalls the first frame of the conversation (or any later one).
            gc.freeze()
            if head is None:
                self.chat.replay(past)
            self.events.extend(past)
        if session.plan:
            self.plan.set_items(session.plan)
            self.show_plan_progress()
        self.refresh_grants()
        await self.chat.replay_rest()
        await self.chat.transcript.tail_drawn()  # replay_rest waits only when there is an older part to read
        self._replayed = True
        self.call_after_refresh(self.warm_up_sdk_when_whole)

    @work(exclusive=True, group="agent", exit_on_error=False, description="agent turn")
    async def run_turn(self, prompt: str) -> None:
        from workbench.core.events import ErrorEvent, TurnDone, UsageInfo

        self.status.update_info(busy=True)
        try:
            session = await self.ensure_session()
            if self.services.warm_up is not None:  # a prompt sent before the warm-up ended: wait off the UI thread
                await asyncio.to_thread(self.services.warm_up)
            async for event in session.run_turn(prompt):
                self.dispatch(event)
        except asyncio.CancelledError:
            self.chat.handle_event(TurnDone(stop_reason="cancelled", final_text="", usage=UsageInfo()))
            raise
        except Exception as exc:
            self.dispatch(ErrorEvent(kind="internal", message=str(exc) or type(exc).__name__))
        finally:
            self.status.update_info(busy=False)
            self.refresh_grants()

    # -- events ------------------------------------------------------------------------------------

    def dispatch(self, event: Event) -> None:
        """Fan one core event out to the widgets that show it."""
        self.events.append(event)
        self.chat.handle_event(event)
        handler = self.handlers().get(type(event))
        if event.agent_path:  # a subagent's plan and usage are its card's business, not the session's
            from workbench.core.events import ToolCallFinished

            if isinstance(event, ToolCallFinished):
                self._tool_finished(event)
            return
        note = status_note(event)
        if note != self.status.info.note:
            self.status.update_info(note=note)
        if handler is not None:
            handler(event)

    def handlers(self) -> dict[type[Event], Callable[..., None]]:
        """Event type -> what the screen does with it (beyond the chat, which has its own table); each handler
        takes events of its key's type."""
        if self._handlers is None:
            from workbench.core import events as ev

            self._handlers = {
                ev.PlanUpdated: self._plan_updated,
                ev.UsageUpdated: self._usage_updated,
                ev.Compacted: self._compacted,
                ev.ToolCallFinished: self._tool_finished,
                ev.TurnDone: self._turn_done,
            }
        return self._handlers

    def _plan_updated(self, event: PlanUpdated) -> None:
        self.plan.set_items(event.items)
        self.show_plan_progress()

    def _usage_updated(self, event: UsageUpdated) -> None:
        changes: dict[str, object] = {"usage": event.session, "context_tokens": event.turn.context_tokens}
        if event.window:
            changes["window"] = event.window
        self.status.update_info(**changes)
        if event.model and event.model != self.identity.model:
            self.show_identity(model=event.model)

    def _compacted(self, event: Compacted) -> None:
        self.status.update_info(context_tokens=event.tokens_after, window=event.window or self.status.info.window)

    def _tool_finished(self, event: ToolCallFinished) -> None:
        explorer = self.explorer()
        if explorer is not None and (event.files_read or event.files_changed):
            explorer.mark_files(read=event.files_read, changed=event.files_changed)

    def _turn_done(self, event: TurnDone) -> None:
        if event.session_id:
            self.status.update_info(session_id=event.session_id)
        explorer = self.explorer()
        if explorer is not None:
            explorer.refresh_status()

    @on(ChatPane.Waiting)
    def waiting_for_user(self, event: ChatPane.Waiting) -> None:
        self.status.update_info(waiting=event.waiting)
        if not event.waiting:
            return
        self.show_pane("chat")  # on a narrow terminal the card must be in front, wherever the user was
        if self.app.screen is not self:
            self.app.notify("An approval is waiting in the chat.", severity="warning")

    # -- the prompt --------------------------------------------------------------------------------

    @on(Prompt.Sent)
    def send(self, event: Prompt.Sent) -> None:
        typed = slash.parse(event.text)
        if typed is not None and self.slash.get(typed[0]) is None:
            self.refresh_custom_commands()  # a command file written since, or an MCP server that has started
        if self.slash.run(self.commands, event.text):  # a command, known or not: an unknown one is reported
            return
        self.send_text(event.text)

    def refresh_custom_commands(self) -> None:
        """The project's and the user's custom commands and the MCP servers' prompts, as slash commands; the
        session expands them when they are sent (workbench.core.project)."""
        from workbench.core.project import slash_entries

        hub = self.request.mcp
        try:
            entries = slash_entries(self.request.workspace, hub.manager if hub is not None else None)
        except Exception:  # an unreadable command folder: the built-in commands still work
            return
        self.slash.set_custom(slash.prompt_command(e.name, e.description, e.argument_hint, e.source) for e in entries)

    @on(Prompt.CycleMode)
    def cycle_mode(self) -> None:
        self.action_cycle_mode()

    def send_text(self, text: str) -> None:
        if self._opening():  # a resumed session still opening: the prompt goes once it is open
            self._queued = text
            self.notify("The session is opening: the prompt is sent once it is open.")
            return
        if self.chat_busy():
            self.notify("A turn is running: Esc cancels it.", severity="warning")
            return
        if self._has_key is False and self.session is None:
            self.notify("No API key: type /demo for the offline demo.", severity="warning")
            return
        self.chat.echo_prompt(text)
        self.run_turn(text)

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

    def _opening(self) -> bool:
        return any(w.description == "open session" and w.state in BUSY for w in self.workers)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "agent" and event.state is WorkerState.ERROR:
            from workbench.core.events import ErrorEvent

            self.dispatch(ErrorEvent(kind="internal", message=str(event.worker.error)))
        if event.worker.description == "open session" and event.state not in BUSY and self._queued is not None:
            text, self._queued = self._queued, None
            if self.session is not None:
                self.send_text(text)
            else:
                self.chat.prompt.value = text  # not sent: the user gets it back to send again

    # -- sessions ----------------------------------------------------------------------------------

    def saved_sessions(self) -> list[tuple[str, str]]:
        """(id, label) of this project's saved sessions, newest first: first prompt, time, persona, turns."""
        import datetime as dt

        try:
            from workbench.core.session_store import list_sessions

            rows = list_sessions(self.request.workspace)
        except Exception:  # an unreadable store lists nothing rather than breaking the palette
            return []
        out = []
        for s in sorted(rows, key=lambda r: r.updated, reverse=True):
            when = dt.datetime.fromtimestamp(s.updated).strftime("%Y-%m-%d %H:%M") if s.updated else ""
            prompt = safe.one_line(s.first_prompt, 60) or "(no prompt yet)"
            out.append((s.id, f"{prompt} · {when} · {s.persona_id} · {s.turns} turns"))
        return out

    def resume_session(self, sid: str) -> None:
        if self.chat_busy():
            self.notify("Wait for the turn to finish (or Esc) before resuming another session.", severity="warning")
            return
        self.forget_session(clear=True)
        self.request.resume = sid
        self.open_session()

    def forget_session(self, *, clear: bool) -> None:
        """Drop the session (the next prompt opens a new one); `clear` empties the chat and the plan too."""
        self.drop_session()
        self.request.resume = None
        self.request.continue_ = False
        self.pending_plan = None
        if clear:
            self.events.clear()
            self.chat.clear()
            self.plan.set_items(())
            self.show_plan_progress()
        self.status.update_info(session_id="", usage=None, note="")
        self.refresh_grants()

    # -- plan ---------------------------------------------------------------------------------------

    @on(PlanPanel.Changed)
    def plan_changed(self, event: PlanPanel.Changed) -> None:
        self.show_plan_progress()
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
        from workbench.core.events import AssistantText

        answers = [e for e in reversed(self.events) if isinstance(e, AssistantText)]
        if answers:
            self.app.copy_to_clipboard(answers[0].text)
            self.notify("Copied the last answer")

    def action_rewind(self) -> None:
        """The rewind picker (screens/rewind.py): turns with their diffs, then the plan, then the rewind."""
        from workbench.tui.screens.rewind import open_rewind

        open_rewind(self)


def status_note(event: Event) -> str:
    """A short live note in the status bar: thinking, retry countdowns; anything else clears it."""
    from workbench.core.events import RetryCountdown, Retrying, ThinkingDelta

    if isinstance(event, ThinkingDelta):
        return "thinking…"
    if isinstance(event, RetryCountdown):
        return f"retrying in {event.seconds_left:.0f} s"
    if isinstance(event, Retrying):
        return f"retrying in {event.delay_s:.0f} s"
    return ""
