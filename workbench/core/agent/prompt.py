"""The system prompt: persona body, environment, tool availability, project context (docs/personas.md).

It is built once per session and sent byte-identical on every request, so the prompt cache keeps hitting.
"""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Sequence
from pathlib import Path

from workbench.core import hardened
from workbench.core.personas.model import Persona

GIT_STATUS_MAX_LINES = 20
AVAILABLE_PREFIX = "Tools available to you in this session:"


def git_summary(workspace: Path) -> str:
    """`git status` in a few lines, or a note that this is not a git repository."""
    try:
        out = hardened.run_git(workspace, "status", "--porcelain=v1", "--branch", "--untracked-files=normal", timeout=5)
    except hardened.GitFailed as exc:
        return "not a git repository" if "failed" in str(exc) else "unavailable"
    lines = out.decode("utf-8", "replace").splitlines()
    head = lines[0][3:] if lines and lines[0].startswith("## ") else "unknown branch"
    changes = [line for line in lines[1:] if line.strip()]
    if not changes:
        return f"branch {head}; clean"
    shown = "\n".join(f"  {line}" for line in changes[:GIT_STATUS_MAX_LINES])
    more = f"\n  ... and {len(changes) - GIT_STATUS_MAX_LINES} more" if len(changes) > GIT_STATUS_MAX_LINES else ""
    return f"branch {head}; {len(changes)} changed or untracked:\n{shown}{more}"


def environment_block(workspace: Path, today: dt.date | None = None) -> str:
    day = (today or dt.date.today()).isoformat()
    return (
        "<env>\n"
        f"Working directory: {workspace}\n"
        f"Platform: {platform.system().lower()} ({platform.release()})\n"
        f"Today's date: {day}\n"
        f"Git status at the start of this session: {git_summary(workspace)}\n"
        "</env>"
    )


def availability_line(persona: Persona, offered: Sequence[str]) -> str:
    """Which tools the model has, and which tools its instructions name that it does not have (docs/personas.md)."""
    have = list(offered)
    line = AVAILABLE_PREFIX + " " + (", ".join(have) if have else "none") + "."
    named: list[str] = []
    for name in [*persona.tools.granted, *persona.tools.advisory_tools, *persona.tools.mcp]:
        if name not in have and name not in named:
            named.append(name)
    for gone in persona.tools.unavailable:
        label = gone.canonical or gone.name
        if label not in have and label not in named:
            named.append(label)
    if not named:
        return line
    plain = [n for n in named if not n.startswith("mcp__")]
    servers: list[str] = []
    for n in named:
        if n.startswith("mcp__"):
            server = n[len("mcp__") :].split("__", 1)[0]
            if server and server not in servers:
                servers.append(server)
    parts = list(plain)
    if servers:
        parts.append("MCP servers " + "/".join(servers))
    return line + " Tools named elsewhere in these instructions (" + ", ".join(parts) + ") are not available."


def build_system_prompt(
    persona: Persona,
    workspace: Path,
    offered: Sequence[str],
    *,
    today: dt.date | None = None,
    context: str | None = None,
    extras: Sequence[str] = (),
) -> str:
    """`context`: the project instructions (read from the workspace when None); `extras`: more sections (the
    skills), placed before them."""
    sections = [persona.system_prompt.strip(), environment_block(workspace, today), availability_line(persona, offered)]
    if persona.tool_name_note:
        # The loader's own availability line knows the grant, not what this session can run: ours replaces it.
        kept = [ln for ln in persona.tool_name_note.splitlines() if not ln.startswith(AVAILABLE_PREFIX)]
        if any(ln.strip() for ln in kept):
            sections.append("\n".join(kept).strip())
    sections += extras
    if context is None:
        from workbench.core.agent.memory import load_memory

        context = load_memory(workspace).text
    sections.append(context)
    return "\n\n".join(s for s in sections if s)
