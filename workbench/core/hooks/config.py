"""Hook definitions in Claude Code's schema, from the settings files:

    {"hooks": {"PreToolUse": [{"matcher": "Bash|Edit",
                               "hooks": [{"type": "command", "command": "...", "timeout": 30}]}]}}

Read from `~/.claude/settings.json` always, and from the project's `.claude/settings.json` and
`.claude/settings.local.json` only once the project is trusted: a repository's hooks are commands anyone who can
commit to it chose (until then the session's trust notice names them among what was ignored).
`"disableAllHooks": true` in a file that counts turns every hook off. A malformed entry is reported and skipped,
never fatal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import paths

EVENTS = (
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SubagentStop",
    "SessionStart",
    "Notification",
    "PreCompact",
)
DEFAULT_TIMEOUT_S = 60.0  # Claude Code's default
MAX_TIMEOUT_S = 600.0
MAX_MATCHER = 500


@dataclass(frozen=True)
class HookCommand:
    event: str
    matcher: str  # "" matches everything
    command: str
    timeout: float  # seconds
    source: str  # the settings file it came from
    scope: str  # user | project | project local

    def matches(self, target: str | None) -> bool:
        if self.matcher in ("", "*") or target is None:
            return True
        try:
            return re.fullmatch(self.matcher, target) is not None
        except re.error:
            return self.matcher == target


@dataclass
class HookSet:
    commands: list[HookCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be read, for a notice

    def matching(self, event: str, target: str | None = None) -> list[HookCommand]:
        """The commands for `event` whose matcher takes `target`; the same command string runs once."""
        seen: set[str] = set()
        out: list[HookCommand] = []
        for hook in self.commands:
            if hook.event == event and hook.matches(target) and hook.command not in seen:
                seen.add(hook.command)
                out.append(hook)
        return out

    def __bool__(self) -> bool:
        return bool(self.commands)


def load_hooks(workspace: Path, *, trusted: bool, home: Path | None = None) -> HookSet:
    """Every hook that counts for `workspace` (see the module docstring; the files are chosen by
    workbench.core.policy.settings, which knows the project's trust)."""
    from workbench.core.policy.settings import load_hooks as hook_sections

    out = HookSet()
    user_file = (home if home is not None else paths.user_home()) / ".claude" / "settings.json"
    for source, section in hook_sections(workspace, project_trusted=trusted, home=home):
        scope = "user" if Path(source) == user_file else "project"
        _read_file(section, source, scope, out)
    return out


def _read_file(section: Any, source: str, scope: str, out: HookSet) -> None:
    if section is None:
        return
    if not isinstance(section, dict):
        out.problems.append(f'{source}: "hooks" should be an object of events; ignored')
        return
    for event, groups in section.items():
        if event not in EVENTS:
            out.problems.append(f"{source}: hook event {str(event)[:60]!r} is not one the workbench runs; ignored")
            continue
        if not isinstance(groups, list):
            out.problems.append(f"{source}: hooks.{event} should be a list; ignored")
            continue
        for group in groups:
            _read_group(event, group, source, scope, out)


def _read_group(event: str, group: Any, source: str, scope: str, out: HookSet) -> None:
    where = f"{source}: hooks.{event}"
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        out.problems.append(f"{where}: each entry needs a list of hooks; skipped")
        return
    matcher = group.get("matcher", "")
    if not isinstance(matcher, str) or len(matcher) > MAX_MATCHER:
        out.problems.append(f"{where}: matcher should be a short string; entry skipped")
        return
    for hook in group["hooks"]:
        if not isinstance(hook, dict) or hook.get("type", "command") != "command":
            kind = hook.get("type") if isinstance(hook, dict) else type(hook).__name__
            out.problems.append(f"{where}: hook type {str(kind)[:40]!r} is not supported (only command); skipped")
            continue
        command = hook.get("command")
        if not isinstance(command, str) or not command.strip():
            out.problems.append(f"{where}: a command hook needs a command; skipped")
            continue
        timeout = hook.get("timeout", DEFAULT_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            out.problems.append(f"{where}: timeout {timeout!r} is not a positive number; {DEFAULT_TIMEOUT_S:g}s used")
            timeout = DEFAULT_TIMEOUT_S
        out.commands.append(HookCommand(event, matcher, command, min(float(timeout), MAX_TIMEOUT_S), source, scope))
