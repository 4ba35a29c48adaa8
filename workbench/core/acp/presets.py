"""Which external agent `--agent` names: `acp:COMMAND ARGS`, or a preset for a known agent.

Presets (the config's `[acp.agents]` table adds or replaces them: `name = "command args"`):

    claude    claude-agent-acp      (npm i -g @zed-industries/claude-agent-acp)
    gemini    gemini --acp
    codex     codex-acp
    opencode  opencode acp

A preset is used only when its program is installed (found on PATH); otherwise the message says so.
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from workbench.config import Config

PRESETS: dict[str, str] = {
    "claude": "claude-agent-acp",
    "gemini": "gemini --acp",
    "codex": "codex-acp",
    "opencode": "opencode acp",
}
PREFIX = "acp:"


class AgentSpecError(ValueError):
    """`--agent` names nothing that can run; the message says what to do."""


@dataclass(frozen=True)
class AgentCommand:
    argv: tuple[str, ...]
    name: str  # a preset's name, else the program's file name

    @property
    def shown(self) -> str:
        return shlex.join(self.argv)


def presets(config: Config | None = None) -> dict[str, str]:
    table = dict(PRESETS)
    extra = config.acp.agents if config is not None else {}
    table.update({str(k): v for k, v in extra.items() if isinstance(v, str) and v.strip()})
    return table


def installed(argv0: str) -> bool:
    if os.sep in argv0:
        path = Path(argv0).expanduser()
        return path.is_file() and os.access(path, os.X_OK)
    return shutil.which(argv0) is not None


def installed_presets(config: Config | None = None) -> dict[str, str]:
    """The presets whose program is on PATH."""
    return {name: line for name, line in presets(config).items() if installed(shlex.split(line)[0])}


def resolve(spec: str, config: Config | None = None) -> AgentCommand:
    """`acp:COMMAND ARGS` or a preset name (`claude`, `acp:gemini`) as the command to start."""
    text = spec.strip()
    table = presets(config)
    body = text[len(PREFIX) :].strip() if text.startswith(PREFIX) else text
    if not body:
        raise AgentSpecError(f"--agent needs a command: acp:COMMAND [ARGS], or a preset ({', '.join(table)})")
    try:
        words = shlex.split(body)
    except ValueError as exc:
        raise AgentSpecError(f"--agent {spec!r}: {exc}") from None
    name = words[0]
    if len(words) == 1 and name in table:
        words = shlex.split(table[name])
    elif not text.startswith(PREFIX):
        known = ", ".join(table)
        raise AgentSpecError(f"--agent {spec!r}: not a preset ({known}); write acp:COMMAND [ARGS] for any other agent")
    else:
        name = Path(name).name
    if not installed(words[0]):
        raise AgentSpecError(f"{words[0]} is not installed (not found on PATH); install it, or name another agent")
    return AgentCommand(tuple(words), name)
