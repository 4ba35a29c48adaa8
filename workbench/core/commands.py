"""Custom slash commands, as Claude Code reads them: Markdown files in `.claude/commands/` (the project's, from the
working folder up to the repository root, closest first) and `~/.claude/commands/`, each one a prompt.

`.claude/commands/review.md` is `/review`; a subfolder only groups (`frontend/component.md` is `/component`,
described as "(project:frontend)"); a project command hides a user command of the same name. Frontmatter, all
optional: `description`, `argument-hint`, `allowed-tools` and `model`. In the body `$ARGUMENTS` is everything
typed after the command and `$1`, `$2`, ... its words; a body without `$ARGUMENTS` gets the arguments appended.

What differs from Claude Code, on purpose: a command file is repository input, so its `allowed-tools` only ever
narrows what the turn may do (every call still goes through the policy and its approvals), and `!` shell lines
are not run before the prompt is sent: they reach the model as text.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.agent.expand import Expansion, TurnCheck
from workbench.core.claude_files import claude_folders, plain_text, read_markdown, tool_entries

MAX_COMMAND_BYTES = 256 * 1024
MAX_COMMANDS = 500  # per folder tree
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_POSITIONAL = re.compile(r"\$([1-9])")


@dataclass(frozen=True)
class CustomCommand:
    name: str  # without the slash
    path: Path
    scope: str  # project | user
    namespace: str = ""  # the subfolder it sits in ("frontend")
    description: str = ""
    argument_hint: str = ""
    allowed_tools: tuple[str, ...] = ()
    model: str | None = None
    body: str = ""

    @property
    def label(self) -> str:
        """Where it comes from, as the palette shows it: "(project)", "(user:git)"."""
        return f"({self.scope}{':' + self.namespace if self.namespace else ''})"


@dataclass
class CommandSet:
    commands: dict[str, CustomCommand] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    hidden: list[CustomCommand] = field(default_factory=list)  # same name as a command of higher precedence

    def get(self, name: str) -> CustomCommand | None:
        return self.commands.get(name)


def discover_commands(workspace: Path) -> CommandSet:
    found = CommandSet()
    for folder, scope in claude_folders(workspace, "commands"):
        for file in _markdown_files(folder):
            command = _load(file, folder, scope, found.problems)
            if command is None:
                continue
            if command.name in found.commands:
                found.hidden.append(command)
            else:
                found.commands[command.name] = command
    return found


def _markdown_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    from workbench.core.personas.discovery import scan_dir

    return scan_dir(folder)[:MAX_COMMANDS]


def _load(file: Path, folder: Path, scope: str, problems: list[str]) -> CustomCommand | None:
    name = file.stem
    if not _NAME.match(name):
        problems.append(f"{file}: {name!r} cannot be typed as a slash command; skipped")
        return None
    read = read_markdown(file, MAX_COMMAND_BYTES, problems)
    if read is None:
        return None
    data, body = read
    namespace = "/".join(file.relative_to(folder).parent.parts)
    return CustomCommand(
        name=name,
        path=file,
        scope=scope,
        namespace=namespace,
        description=plain_text(data.get("description")) or _first_line(body),
        argument_hint=plain_text(data.get("argument-hint")),
        allowed_tools=tuple(tool_entries(data.get("allowed-tools"))),
        model=plain_text(data.get("model")) or None,
        body=body.strip(),
    )


def _first_line(body: str) -> str:
    for line in body.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120]
    return ""


def split_command(prompt: str) -> tuple[str, str] | None:
    """`/review src/a.py` -> ("review", "src/a.py"); None when the prompt is not a slash command."""
    text = prompt.strip()
    if not text.startswith("/") or text.startswith("//"):
        return None
    head, _, rest = text[1:].partition(" ")
    head, _, more = head.partition("\n")
    if not head:
        return None
    return head, (more + "\n" + rest if more else rest).strip()


def expand(command: CustomCommand, arguments: str, *, workspace: Path) -> Expansion:
    """The prompt a command becomes, with what its frontmatter asks of the turn."""
    try:
        words = shlex.split(arguments)
    except ValueError:
        words = arguments.split()
    body = command.body
    if "$ARGUMENTS" in body:
        text = body.replace("$ARGUMENTS", arguments)
    else:
        text = body + (f"\n\nARGUMENTS: {arguments}" if arguments else "")
    text = _POSITIONAL.sub(lambda m: words[int(m.group(1)) - 1] if int(m.group(1)) <= len(words) else "", text)
    try:
        shown = command.path.relative_to(workspace)
    except ValueError:
        shown = command.path
    check = tool_check(command.allowed_tools, f"/{command.name}") if command.allowed_tools else None
    model = None
    if command.model:
        from workbench.core.models import resolve_model

        model = resolve_model(command.model).resolved
    return Expansion(text=text, source=f"/{command.name} from {shown}", check=check, model=model)


def tool_check(entries: Iterable[str], owner: str) -> TurnCheck:
    """A check that refuses every call outside `entries` (`Read`, `Bash(git diff:*)`, `mcp__srv`): it only
    narrows; what it lets through still goes through the policy."""
    from workbench.core.toolnames import lookup

    names: set[str] = set()
    bash: list[str] = []
    listed = list(entries)
    for entry in listed:
        tool = lookup(entry)
        if tool is None or tool.canonical is None:
            continue
        if tool.canonical == "Bash" and tool.specifier:
            bash.append(tool.specifier)
        else:
            names.add(tool.canonical)
    shown = ", ".join(listed)

    def check(name: str, args: dict[str, Any]) -> str | None:
        if name in names or any(_mcp_covers(entry, name) for entry in names):
            return None
        if name == "Bash" and bash and _bash_allowed(args.get("command"), bash):
            return None
        return f"{owner} allows only {shown} in this turn"

    return check


def _mcp_covers(entry: str, name: str) -> bool:
    if not entry.startswith("mcp__") or not name.startswith("mcp__"):
        return False
    server = entry.removesuffix("__*")
    return entry == "mcp__*" or (server.count("__") == 1 and name.startswith(server + "__"))


def _bash_allowed(command: Any, specifiers: list[str]) -> bool:
    """Every part of the command matches one of the command's `Bash(...)` entries."""
    from workbench.core.policy.rules import bash_matcher
    from workbench.core.policy.shell import analyze

    if not isinstance(command, str):
        return False
    analysis = analyze(command)
    if analysis.error is not None or not analysis.segments:
        return False
    matchers = [bash_matcher(spec) for spec in specifiers]
    return all(
        segment.opaque is None and any(m(text) for m in matchers for text in segment.allow_texts())
        for segment in analysis.segments
    )
