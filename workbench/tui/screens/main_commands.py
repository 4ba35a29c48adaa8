"""What slash commands do on the main screen: `ScreenCommands` is the `SlashTarget` the registry runs against."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from workbench.core.approvals import PermissionMode
from workbench.tui import host, render, safe
from workbench.tui.screens.main_actions import MODE_CYCLE

if TYPE_CHECKING:
    from workbench.tui.screens.main import MainScreen


class ScreenCommands:
    """The main screen as slash commands see it (workbench.tui.slash.SlashTarget)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def say(self, text: str, level: str = "info") -> None:
        transcript = self.screen.chat.transcript
        transcript.add_notice(Text(safe.clean(text)), level)
        transcript.follow()

    def show_help(self) -> None:
        from workbench.tui.screens.help import open_help

        open_help(self.screen.app, self.screen.slash.commands())

    def new_session(self, *, clear: bool) -> None:
        if self.screen.chat_busy():
            self.say("A turn is running: Esc cancels it first.", "warning")
            return
        self.screen.forget_session(clear=clear)
        self.say("New session: the next prompt starts it." if not clear else "New session.")

    def choose_model(self, arg: str) -> None:
        screen = self.screen
        if not arg:
            aliases = ", ".join(host.model_choices(screen.request.config))
            self.say(f"Model: {screen.identity.model or 'the persona’s'}. /model takes an alias ({aliases}) or an id.")
            return
        if screen.chat_busy():
            self.say("A turn is running: the model changes after it (Esc cancels it).", "warning")
            return
        try:
            resolved = screen.set_model(arg)
        except ValueError as exc:  # an external agent chooses its own model
            self.say(str(exc), "warning")
            return
        known = host.model_known(arg, screen.request.config)
        self.say(f"Model: {resolved}" + ("" if known else " (not an alias or a claude- id: sent as typed)"))

    def choose_mode(self, arg: str) -> None:
        screen = self.screen
        if not arg:
            lines = [f"Mode: {screen.identity.mode} (shift+tab in the prompt cycles {' → '.join(MODE_CYCLE)})"]
            lines += [f"  {m.value}: {m.help}" for m in PermissionMode]
            self.say("\n".join(lines))
            return
        if screen.set_mode(arg):
            self.say(f"Mode: {screen.identity.mode}")

    def choose_persona(self, arg: str) -> None:
        screen = self.screen
        if not arg:
            screen.action_personas()
            return
        if not screen.personas_ready:
            self.say("Personas are still loading; try again in a moment.", "warning")
            return
        found = [c for c in screen.persona_load.choices if arg in (c.id, c.name)]
        if not found:
            known = ", ".join(c.id for c in screen.persona_load.choices[:12])
            self.say(f"No persona {arg!r}. Known: {known}", "error")
            return
        screen.use_persona(found[0])

    def resume(self, arg: str) -> None:
        screen = self.screen
        sessions = screen.saved_sessions()
        if not arg:
            from workbench.tui.screens.modals import SessionPicker

            if not sessions:
                self.say("No saved sessions for this project yet.")
                return
            screen.app.push_screen(SessionPicker(sessions), lambda sid: screen.resume_session(sid) if sid else None)
            return
        matches = [sid for sid, _ in sessions if sid.startswith(arg) or sid.endswith(arg)]
        if len(matches) != 1:
            self.say(f"{'No' if not matches else 'More than one'} saved session matches {arg!r}.", "error")
            return
        screen.resume_session(matches[0])

    def show_cost(self) -> None:
        session = self.screen.session
        if session is None:
            self.say("No session yet: nothing spent.")
            return
        u = session.usage
        total_in = u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens
        share = f", {round(100 * u.cache_read_input_tokens / total_in)}% from the cache" if total_in else ""
        self.say(
            f"This session: {render.tokens(total_in)} tokens in{share}, {render.tokens(u.output_tokens)} out, "
            f"${u.cost_usd:.3f} ({session.model})"
        )

    def export(self, arg: str) -> None:
        screen = self.screen
        if screen.session is None:
            self.say("No session to export yet.", "warning")
            return
        from workbench import paths
        from workbench.core.session_store import export_markdown

        sid = screen.session.id
        target = Path(arg).expanduser() if arg else paths.project_state_dir(screen.request.workspace) / "exports"
        if not arg:
            target = target / f"{sid}.md"
        elif not target.is_absolute():
            target = screen.request.workspace / target
        if target.exists():
            self.say(f"{target} exists; /export takes another file name.", "error")
            return
        try:
            text = export_markdown(sid, screen.request.workspace)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except Exception as exc:  # an unwritable folder, a session file another process holds
            self.say(f"Export failed: {exc}", "error")
            return
        self.say(f"Exported to {target}")

    def quit(self) -> None:
        self.screen.app.exit()

    def run_demo(self) -> None:
        self.screen.action_demo()

    def show_ledger(self) -> None:
        self.screen.action_ledger()

    def show_outline(self) -> None:
        self.screen.action_outline()

    def compact(self, arg: str) -> None:
        """`/compact [instructions]`: the model's history replaced by a summary now."""
        if self.screen.session is None:
            self.say("Nothing to compact yet: the conversation has not started.")
            return
        self.screen.compact_conversation(arg)

    def rewind(self) -> None:
        session = self.screen.session
        if session is None or session.checkpoints is None:
            self.say("Nothing to rewind yet: this session has no checkpoints.")
            return
        self.screen.action_rewind()

    def send_prompt(self, text: str) -> None:
        self.screen.send_text(text)

    def completions(self, command: str) -> Sequence[str]:
        screen = self.screen
        if command == "model":
            return host.model_choices(screen.request.config)
        if command == "mode":
            return [m.value for m in PermissionMode]
        if command in ("persona", "personas"):
            return [c.id for c in screen.persona_load.choices]
        return []
