"""Slash commands typed in the prompt: one table, completed as you type, that other features register into.

    registry = REGISTRY.copy()                    # the built-ins and everything registered at import time
    registry.register(SlashCommand("review", "review the diff", run=lambda target, arg: target.send_prompt(...)))
    registry.run(target, "/model haiku")          # True: it was a command (known or not); never sent to the model

A command acts on a `SlashTarget` (the main screen), which declares everything a command may use, so an entry
from elsewhere (a project's `.claude/commands/*.md`, an MCP server's prompt `/mcp__server__prompt`) needs no
more than a name, a line of help and a `run`. An entry without `run` is listed but says it is not available yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

# `/name` or `/name args`; names may hold `_`, `-`, `:` and `.` (`/mcp__github__review`, `/frontend:lint`).
# Anything else that starts with a slash (`/usr/bin/env is odd`, `/ 2`) is an ordinary prompt.
_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_:.\-]*)(?:\s+(.*))?$", re.DOTALL)


class SlashTarget(Protocol):
    """What commands can do to the screen they were typed in."""

    def show_help(self) -> None: ...
    def new_session(self, *, clear: bool) -> None: ...
    def choose_model(self, arg: str) -> None: ...
    def choose_mode(self, arg: str) -> None: ...
    def choose_persona(self, arg: str) -> None: ...
    def resume(self, arg: str) -> None: ...
    def show_cost(self) -> None: ...
    def export(self, arg: str) -> None: ...
    def quit(self) -> None: ...
    def run_demo(self) -> None: ...
    def show_ledger(self) -> None: ...
    def show_outline(self) -> None: ...
    def rewind(self) -> None: ...
    def compact(self, arg: str) -> None: ...
    def send_prompt(self, text: str) -> None: ...
    def say(self, text: str, level: str = "info") -> None: ...
    def completions(self, command: str) -> Sequence[str]: ...


Run = Callable[[SlashTarget, str], None]


@dataclass(frozen=True)
class SlashCommand:
    name: str  # without the slash
    help: str
    args: str = ""  # shown after the name: "[alias|id]"
    run: Run | None = None  # None: listed, but "not available yet"
    source: str = "built-in"  # or where a custom entry came from: "(project)", "(user:git)", "(MCP server docs)"

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


def parse(text: str) -> tuple[str, str] | None:
    """(name, argument) when `text` is a slash command, else None."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    return match.group(1), (match.group(2) or "").strip()


class SlashRegistry:
    def __init__(self, commands: Iterable[SlashCommand] = ()) -> None:
        self._commands: dict[str, SlashCommand] = {}
        for command in commands:
            self.register(command)

    def register(self, command: SlashCommand) -> None:
        """Add a command, or replace the one of the same name (a feature connecting `/compact`)."""
        self._commands[command.name] = command

    def set_custom(self, commands: Iterable[SlashCommand]) -> None:
        """Replace the custom entries (a project's `.claude/commands`, MCP prompts); a built-in name stays built in."""
        for name in [n for n, c in self._commands.items() if c.source != "built-in"]:
            del self._commands[name]
        for command in commands:
            self._commands.setdefault(command.name, command)

    def copy(self) -> SlashRegistry:
        return SlashRegistry(self._commands.values())

    def get(self, name: str) -> SlashCommand | None:
        return self._commands.get(name)

    def commands(self) -> list[SlashCommand]:
        return list(self._commands.values())

    def matching(self, prefix: str) -> list[SlashCommand]:
        """Commands whose name starts with `prefix`, in registration order."""
        return [c for c in self._commands.values() if c.name.startswith(prefix)]

    def run(self, target: SlashTarget, text: str) -> bool:
        """Run `text` when it is a command; an unknown one is reported. False: an ordinary prompt."""
        parsed = parse(text)
        if parsed is None:
            return False
        name, arg = parsed
        command = self._commands.get(name)
        if command is None:
            close = [f"/{c.name}" for c in self._commands.values() if c.name.startswith(name[:2])][:4]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            target.say(f"Unknown command /{name}{hint}: nothing was sent. /help lists the commands.", "error")
            return True
        if command.run is None:
            target.say(f"/{name} is not available yet in this build.", "warning")
            return True
        command.run(target, arg)
        return True

    def complete(self, target: SlashTarget, value: str) -> str | None:
        """`value` completed: a command name, or the argument of one that offers completions."""
        if not value.startswith("/") or "\n" in value:
            return None
        name, space, arg = value[1:].partition(" ")
        if not space:
            found = self.matching(name)
            best = found[0].name if found else None
            return f"/{best}" if best and best != name else None
        command = self._commands.get(name)
        if command is None or " " in arg:
            return None
        options = [o for o in target.completions(name) if o.startswith(arg) and o != arg]
        return f"/{name} {options[0]}" if options else None


class Completer:
    """A registry and the screen its commands act on, as the prompt needs them: completion and the hint list."""

    def __init__(self, registry: SlashRegistry, target: SlashTarget) -> None:
        self.registry = registry
        self.target = target

    def complete(self, value: str) -> str | None:
        return self.registry.complete(self.target, value)

    def hints(self, value: str, limit: int = 6) -> list[SlashCommand]:
        """The commands matching a `/name` being typed (none once its argument starts)."""
        if not value.startswith("/") or " " in value:
            return []
        return self.registry.matching(value[1:])[:limit]


def prompt_command(name: str, description: str, args: str, source: str) -> SlashCommand:
    """A command the session expands itself (a custom command file, an MCP prompt): typed, it is sent as is."""

    def run(target: SlashTarget, arg: str) -> None:
        target.send_prompt(f"/{name} {arg}".rstrip())

    return SlashCommand(name, description or "a custom command", args, run, source)


def _cmd(name: str, help_text: str, run: Run | None, args: str = "") -> SlashCommand:
    return SlashCommand(name, help_text, args, run)


BUILTINS = (
    _cmd("help", "keys and commands (F1)", lambda t, a: t.show_help()),
    _cmd("clear", "start a new session here and empty the chat", lambda t, a: t.new_session(clear=True)),
    _cmd("new", "start a new session, keeping the chat on screen", lambda t, a: t.new_session(clear=False)),
    _cmd("model", "show or switch the model (an alias or an id)", lambda t, a: t.choose_model(a), "[alias|id]"),
    _cmd("mode", "show or switch the permission mode (shift+tab cycles)", lambda t, a: t.choose_mode(a), "[name]"),
    _cmd("persona", "choose the persona for the next turn", lambda t, a: t.choose_persona(a), "[id]"),
    _cmd("resume", "continue a saved session of this project", lambda t, a: t.resume(a), "[id]"),
    _cmd("compact", "summarise the conversation to free context", lambda t, a: t.compact(a), "[instructions]"),
    _cmd("cost", "tokens and cost of this session", lambda t, a: t.show_cost()),
    _cmd("export", "write this session as a Markdown report", lambda t, a: t.export(a), "[file]"),
    _cmd("rewind", "put files and the conversation back to before a turn", lambda t, a: t.rewind()),
    _cmd("grants", "the grants ledger (ctrl+g)", lambda t, a: t.show_ledger()),
    _cmd("outline", "jump to a turn or a piece of evidence", lambda t, a: t.show_outline()),
    _cmd("demo", "replay the bundled offline demo", lambda t, a: t.run_demo()),
    _cmd("exit", "quit the workbench", lambda t, a: t.quit()),
)

# Older spellings keep working; registered after the others, so completion offers the new names first.
ALIASES = (
    _cmd("ledger", "the grants ledger (same as /grants)", lambda t, a: t.show_ledger()),
    _cmd("personas", "choose a persona (same as /persona)", lambda t, a: t.choose_persona(a), "[id]"),
)
REGISTRY = SlashRegistry((*BUILTINS, *ALIASES))


def register(command: SlashCommand) -> None:
    """Add a command to every screen opened from now on."""
    REGISTRY.register(command)
