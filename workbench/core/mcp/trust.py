"""Which projects may start the MCP servers named in their own `.mcp.json`: the project trust of
`workbench.core.trust`, one answer for everything a repository supplies (settings, MCP servers, hooks, personas).

Kept for the MCP callers (`workbench mcp trust`, the MCP screen); the answer lives in the same store as
`workbench trust`'s, and holds only while the project's files are the ones it was given for.
"""

from __future__ import annotations

from pathlib import Path

from workbench.config import Config
from workbench.core.trust import assess, remember, trust_file

__all__ = ["decision", "is_trusted", "set_trusted", "trust_file"]


def decision(workspace: Path) -> bool | None:
    """True/False once the user has answered for the project's files as they are; None when never asked, or
    when a file changed since."""
    return assess(workspace, config=Config()).answered


def is_trusted(workspace: Path, *, config: Config | None = None) -> bool:
    return assess(workspace, config=config).trusted


def set_trusted(workspace: Path, trusted: bool) -> None:
    """Remember the user's answer for this project's files as they are now."""
    remember(workspace, trusted)
