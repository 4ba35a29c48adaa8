"""Where discovery looks for persona files, in precedence order, and how a folder is scanned.

Kept apart from the loader so that listing the files (for the first frame's persona hint) imports nothing
heavy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from workbench import paths
from workbench.core.trust import project_dirs

MAX_FILES = 2000  # per folder tree: a runaway scan of a huge tree is cut short
SCOPE_RANK = {"explicit": 0, "project": 1, "user": 2, "opencode": 3, "gemini": 4, "bundled": 5}


@dataclass(frozen=True)
class Source:
    path: Path
    scope: str
    explicit_file: bool = False  # a file named on the command line: any extension
    repo: bool = False  # one of the repository's own folders: its personas need the project's trust


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def default_sources(cwd: Path) -> list[Source]:
    home = paths.user_home()
    real_home = _real(home)
    folders = [(folder, folder != real_home) for folder in project_dirs(cwd)]  # the home folder is the user's
    sources: list[Source] = []
    for folder, repo in folders:
        sources.append(Source(folder / ".claude" / "agents", "project", repo=repo))
    sources.append(Source(home / ".claude" / "agents", "user"))
    for folder, repo in folders:
        sources += [
            Source(folder / ".opencode" / "agent", "opencode", repo=repo),
            Source(folder / ".opencode" / "agents", "opencode", repo=repo),
        ]
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    sources += [Source(config / "opencode" / "agent", "opencode"), Source(config / "opencode" / "agents", "opencode")]
    for folder, repo in folders:
        sources.append(Source(folder / ".gemini" / "agents", "gemini", repo=repo))
    sources.append(Source(home / ".gemini" / "agents", "gemini"))
    sources.append(Source(paths.bundled_agents_dir(), "bundled"))
    return sources


def scan_dir(folder: Path, include_txt: bool = False) -> list[Path]:
    """Persona files under `folder`, recursively, in path order; symlinked folders are not entered.

    Scanned folders take `.md` only (as Claude Code does); `include_txt` adds `.txt` and `.markdown`.
    """
    suffixes = (".md", ".txt", ".markdown") if include_txt else (".md",)
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(suffixes) and not name.startswith("."):
                found.append(Path(root) / name)
                if len(found) >= MAX_FILES:
                    return found
    return found
