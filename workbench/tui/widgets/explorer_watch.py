"""What the explorer's cheap poll looks at: the open folders, the files in them and git's index and HEAD, whose
modification times change when the work tree or the repository does. Runs in a thread worker."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from workbench.core.repo import DirIndex

POLL_FILE_CAP = 3000  # files stat-ed per poll at most


def watched_names(git_files: Sequence[str], folders: Sequence[str], index: DirIndex | None) -> list[str]:
    """Git's state files, the open folders (`""` is the root) and the files in them, at most POLL_FILE_CAP."""
    names: list[str] = [*git_files, *folders]
    if index is not None:
        for folder in folders:
            names += [e.path for e in index.children(folder) if not e.is_dir]
            if len(names) > POLL_FILE_CAP:
                break
    return names[:POLL_FILE_CAP]


def stat_all(root: str, names: Sequence[str]) -> dict[str, int]:
    """Each name's modification time in ns (-1: gone or unreadable); absolute names stay as they are."""
    out: dict[str, int] = {}
    for name in names:
        try:
            out[name] = os.stat(os.path.join(root, name) if name else root).st_mtime_ns
        except OSError:
            out[name] = -1
    return out


def git_state_files(git_root: Path) -> list[str]:
    """Absolute paths of git's index and HEAD (a `.git` file points at the real folder in worktrees)."""
    git_dir = git_root / ".git"
    if git_dir.is_file():
        try:
            line = git_dir.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            line = ""
        if line.startswith("gitdir:"):
            target = Path(line[len("gitdir:") :].strip())
            git_dir = target if target.is_absolute() else git_root / target
    return [str(git_dir / "index"), str(git_dir / "HEAD")]
