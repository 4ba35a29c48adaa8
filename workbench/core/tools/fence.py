"""The workspace fence: every path a tool touches resolves (realpath) inside the workspace, or is refused.

Refused, each with a reason the model can act on: `~` paths, absolute paths outside the workspace, `../`
escapes, a symlinked file or folder pointing out, a sibling whose name starts the same (`proj` vs
`proj_evil`: the check compares path components, never string prefixes), NUL bytes. For writes, also
`.git/` internals and the workbench's own settings and persona files.

Tools call `resolve()` in `preview()` and again in `run()`: a file swapped for a symlink after the user
approved is refused at run time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from workbench.core.tools.base import ToolError


@dataclass(frozen=True)
class Resolved:
    """A path inside the workspace: `real` is absolute with every symlink resolved, `rel` is POSIX."""

    real: Path
    rel: str  # "." for the workspace itself

    @property
    def exists(self) -> bool:
        return self.real.exists()


def protected_reason(rel: str) -> str | None:
    """Why the agent may not write `rel` (workspace-relative POSIX), or None when it may."""
    parts = [p.lower() for p in PurePosixPath(rel).parts]
    if ".git" in parts:
        return "files inside .git/ are git's internals"
    if parts and parts[0] == ".workbench":
        return ".workbench/ holds the workbench's own settings"
    if len(parts) >= 2 and parts[0] == ".claude":
        if parts[1] == "agents":
            return ".claude/agents/ holds persona files"
        if parts[1].startswith("settings") and parts[1].endswith(".json"):
            return f".claude/{parts[1]} holds permission settings"
    return None


class Fence:
    """Resolves tool paths against one workspace root."""

    def __init__(self, workspace: Path) -> None:
        self.root = workspace.resolve(strict=True)
        if not self.root.is_dir():
            raise ValueError(f"workspace is not a folder: {workspace}")

    def resolve(self, raw: object, *, base: Path | None = None, write: bool = False, what: str = "path") -> Resolved:
        """Resolve a path argument, or raise ToolError saying why it is refused.

        `base` is the folder relative paths start from (the workspace unless given, e.g. Bash's cwd).
        With `write=True` the protected folders are refused too.
        """
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError(f"{what} must be a non-empty string")
        text = raw
        if "\x00" in text:
            raise ToolError(f"{what} contains a NUL byte")
        if text.startswith("~"):
            raise ToolError(f"{what} {text!r} refused: '~' paths are outside the workspace ({self.root})")
        candidate = Path(text)
        if not candidate.is_absolute():
            candidate = (base or self.root) / candidate
        # Realpath: every symlink on the way, including the last component, is followed.
        real = Path(os.path.realpath(candidate))
        if not real.is_relative_to(self.root):
            raise ToolError(self._outside_reason(text, candidate, real, what))
        rel = real.relative_to(self.root).as_posix() or "."
        if write:
            why = protected_reason(rel)
            if why:
                raise ToolError(f"{what} {text!r} refused: {why}; the agent may not write there")
        return Resolved(real=real, rel=rel)

    def _outside_reason(self, text: str, candidate: Path, real: Path, what: str) -> str:
        lexical = Path(os.path.normpath(candidate))
        if lexical.is_relative_to(self.root):
            return (
                f"{what} {text!r} refused: it goes through a symlink that points outside the workspace "
                f"(to {real}); only paths inside {self.root} are allowed"
            )
        if ".." in Path(text).parts:
            return f"{what} {text!r} refused: '..' leads outside the workspace ({self.root})"
        return f"{what} {text!r} refused: it is outside the workspace ({self.root})"

    def rel(self, real: Path) -> str:
        return real.relative_to(self.root).as_posix() or "."
