"""The prompt: one line, history on up/down, `/command` and `@path` completion (right arrow or Tab accepts).

The grey completion after the cursor is only ever the rest of what is typed (Input draws the suggestion from
the cursor on); a completion that rewrites the word (`@sessi` to `@requests/sessions.py`) waits for Tab.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from workbench.tui import safe
from workbench.tui.slash import Completer


class PromptSuggester(Suggester):
    """Completes a `/command` (and its argument) or the trailing `@word` against the repository's files."""

    def __init__(self, prompt: Prompt) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.prompt = prompt

    async def get_suggestion(self, value: str) -> str | None:
        done = self.prompt.completion(value)
        # Only what adds to the typed text: the Input draws the suggestion from the cursor on.
        return done if done is not None and done.startswith(value) and done != value else None


def complete_mention(value: str, files: Sequence[str]) -> str | None:
    """`value` with its trailing `@prefix` completed to the shortest matching path (or a path containing it)."""
    at = value.rfind("@")
    if at < 0 or (at > 0 and not value[at - 1].isspace()):
        return None
    prefix = value[at + 1 :]
    if not prefix or any(ch.isspace() for ch in prefix):
        return None
    starts = [f for f in files if f.startswith(prefix)]
    if not starts:
        lowered = prefix.lower()
        starts = [f for f in files if f.lower().rsplit("/", 1)[-1].startswith(lowered)]
    if not starts:
        return None
    best = min(starts, key=lambda f: (len(f), f))
    if best == prefix:
        return None
    return value[:at] + "@" + best


class Prompt(Input):
    """Where the user writes. Enter sends; up/down walk the history.

    | Key | Action |
    | :- | :- |
    | enter | send |
    | up / down | previous / next prompt |
    | tab | complete the `/command` or `@file`; with nothing to complete, leave the prompt |
    | shift+tab | next permission mode |
    """

    BINDING_GROUP_TITLE = "Prompt"
    BINDINGS = [
        Binding("up", "history(-1)", "Previous prompt", show=False, id="prompt.history-prev"),
        Binding("down", "history(1)", "Next prompt", show=False, id="prompt.history-next"),
        Binding("tab", "accept_completion", "Complete, or leave the prompt", show=False, id="prompt.complete"),
        Binding("shift+tab", "cycle_mode", "Next permission mode", show=False, id="prompt.cycle-mode"),
    ]

    DEFAULT_CSS = """
    Prompt {
        border: tall $panel;
        /* No focus tint: at 16 colours a tinted panel turns grey and the text on it unreadable. */
        &:focus { border: tall $accent; background-tint: $foreground 0%; }
        /* Textual's $text-disabled hint is too faint to read: the placeholder is italic, the completion dim. */
        & > .input--placeholder { color: $foreground; text-style: italic; }
        & > .input--suggestion { color: $foreground; text-style: dim; }
        /* The cursor over the completion's first letter: its own colours, not dimmed. */
        & > .input--cursor { text-style: not dim; }
    }
    """

    class Sent(Message):
        """A prompt was submitted (handled by the chat pane)."""

        def __init__(self, prompt: Prompt, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

        @property
        def control(self) -> Prompt:
            return self.prompt

    class CycleMode(Message):
        """shift+tab: the next permission mode, as in Claude Code (handled by the screen)."""

    def __init__(
        self,
        files: Callable[[], Sequence[str]] | None = None,
        commands: Completer | None = None,
        *,
        id: str | None = None,
        history: list[str] | None = None,
    ) -> None:
        super().__init__(
            placeholder="Ask the persona… (/ commands, @ files, ↑ history, Esc cancels a turn)",
            id=id,
        )
        self.suggester = PromptSuggester(self)
        self._files = files or (lambda: ())
        self.commands = commands
        self.history: list[str] = list(history or [])
        self._cursor = len(self.history)
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._cursor == len(self.history):
            self._draft = self.value
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.value = self._draft if self._cursor == len(self.history) else self.history[self._cursor]
        self.cursor_position = len(self.value)

    def action_accept_completion(self) -> None:
        """Complete the `/command` or `@file` being typed; with nothing to complete, move on to the next widget."""
        value = self.value
        done = self.completion(value)
        if done is None or done == value:
            self.screen.focus_next()
            return
        self.value = done + " "
        self.cursor_position = len(self.value)

    def completion(self, value: str) -> str | None:
        """`value` with its `/command`, the command's argument, or its trailing `@path` completed."""
        if value.startswith("/"):
            return self.commands.complete(value) if self.commands is not None else None
        return complete_mention(value, self._files())

    def action_cycle_mode(self) -> None:
        self.post_message(self.CycleMode())

    async def action_submit(self) -> None:
        text = self.value.strip()
        if not text:
            return
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._cursor = len(self.history)
        self._draft = ""
        self.value = ""
        self.post_message(self.Sent(self, text))

    def mention(self, path: str) -> None:
        """Insert `@path` at the end (from the explorer)."""
        sep = "" if not self.value or self.value.endswith(" ") else " "
        self.value = f"{self.value}{sep}@{path} "
        self.cursor_position = len(self.value)
        self.focus()


class SlashHints(Static):
    """The commands matching the `/name` being typed, above the prompt; hidden otherwise."""

    DEFAULT_CSS = """
    SlashHints {
        height: auto;
        max-height: 6;
        padding: 0 1;
        color: $text-muted;
        background: $boost;
        display: none;
    }
    """

    def show_for(self, commands: Completer | None, value: str) -> None:
        found = commands.hints(value) if commands is not None else []
        self.display = bool(found)
        if not found:
            return
        usages = [safe.one_line(c.usage, 60) for c in found]  # a custom command's name and text are the repo's
        width = max(len(u) for u in usages) + 2
        lines = Text(no_wrap=True, overflow="ellipsis")
        for n, (usage, command) in enumerate(zip(usages, found, strict=True)):
            lines.append(f"{usage:<{width}}", style="bold" if n == 0 else "")
            source = "" if command.source == "built-in" else f" {command.source}"
            lines.append(safe.one_line(command.help + source, 200) + ("" if command.run else " (not available yet)"))
            if n < len(found) - 1:
                lines.append("\n")
        self.update(lines)
