"""The prompt: one line, history on up/down, `@path` completion (right arrow or Tab accepts)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input


class MentionSuggester(Suggester):
    """Completes the `@word` under the cursor against the repository's files."""

    def __init__(self, files: Callable[[], Sequence[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._files = files

    async def get_suggestion(self, value: str) -> str | None:
        return complete_mention(value, self._files())


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
    | tab | accept the `@file` completion |
    """

    BINDINGS = [
        Binding("up", "history(-1)", "Previous", show=False, id="prompt.history-prev"),
        Binding("down", "history(1)", "Next", show=False, id="prompt.history-next"),
        Binding("tab", "accept_completion", "Complete", show=False, id="prompt.complete"),
    ]

    DEFAULT_CSS = """
    Prompt {
        border: tall $panel;
        &:focus { border: tall $accent; }
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

    def __init__(
        self,
        files: Callable[[], Sequence[str]] | None = None,
        *,
        id: str | None = None,
        history: list[str] | None = None,
    ) -> None:
        super().__init__(
            placeholder="Ask the persona… (@ mentions a file, ↑ history, Esc cancels a turn)",
            suggester=MentionSuggester(files or (lambda: ())),
            id=id,
        )
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
        before = self.value
        self.cursor_position = len(self.value)
        self.action_cursor_right()  # at the end of the line this accepts the suggestion
        if self.value != before:
            self.value += " "
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()

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
