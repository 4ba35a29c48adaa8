"""Repository root detection and file listing.

Inside git, one `git ls-files -z -co --exclude-standard` call lists tracked and untracked files (a few ms
for thousands of files); ignored entries come from a second call only when asked. Outside git, a scandir
walk honours `.gitignore` files with a small matcher. Paths are relative POSIX strings decoded with
`os.fsdecode`, so undecodable names still map back to the real file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core import hardened

if TYPE_CHECKING:  # only a folder outside git reads .gitignore files itself (pathspec takes ~10 ms to load)
    from workbench.core.repo.gitignore import IgnoreMatcher

GIT_TIMEOUT = 30.0
# Folders a walk outside git never enters, even without an ignore file.
ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn"})
WALK_CAP = 200_000  # files listed by a walk outside git (a home folder must not hang the explorer)


class RepoError(Exception):
    """A git command failed or the folder is unusable; the message is meant for the user."""


def find_root(start: Path) -> Path | None:
    """The top of the git work tree containing `start`, or None outside git (no subprocess)."""
    try:
        current = start.resolve()
    except OSError:
        return None
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def run_git(
    root: Path, *args: str, ok_codes: tuple[int, ...] = (0,), overrides: Sequence[tuple[str, str]] | None = None
) -> bytes:
    """Hardened git (see core.hardened) in `root`; a failure becomes a RepoError with git's own message."""
    try:
        return hardened.run_git(root, *args, ok_codes=ok_codes, timeout=GIT_TIMEOUT, overrides=overrides)
    except hardened.GitFailed as exc:
        raise RepoError(str(exc)) from exc


def split_z(data: bytes) -> list[str]:
    """Split NUL-separated git output into paths decoded as `os.fsdecode` would (one decode for all)."""
    text = data.decode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    return [item for item in text.split("\0") if item]


@dataclass(frozen=True)
class FileListing:
    """Every file of a workspace, as relative POSIX paths.

    `ignored` holds the ignored entries that were listed (only with `include_ignored`); a name ending in
    `/` is a whole ignored folder whose contents are listed lazily with `list_dir`.
    """

    root: Path
    files: tuple[str, ...]
    is_git: bool
    ignored: frozenset[str] = field(default_factory=frozenset)
    truncated: bool = False  # a walk outside git stopped at `WALK_CAP` files


def list_files(
    root: Path,
    include_ignored: bool = False,
    include_untracked: bool = True,
    *,
    overrides: Sequence[tuple[str, str]] | None = None,
) -> FileListing:
    """List the files of `root`: tracked, untracked, and ignored only when asked.

    Args:
        include_untracked: In git, finding untracked files walks the whole work tree (as `git status`
            does); a caller that runs `git status` anyway can skip it here and take them from the report.
        overrides: The repository's `hardened.driver_overrides`, when the caller has read them already.
    """
    if not root.is_dir():
        raise RepoError(f"not a folder: {root}")
    if find_root(root) is not None:
        others = ["-o", "--exclude-standard"] if include_untracked else []
        drivers = hardened.driver_overrides(root) if overrides is None else overrides
        files = split_z(run_git(root, "ls-files", "-z", "-c", *others, overrides=drivers))
        ignored: list[str] = []
        if include_ignored:
            listing = ("ls-files", "-z", "-o", "-i", "--exclude-standard", "--directory", "--no-empty-directory")
            ignored = split_z(run_git(root, *listing, overrides=drivers))
        # A path listed both as cached and as other (rare: an unmerged entry) appears once.
        unique = list(dict.fromkeys(files + ignored))
        return FileListing(root, tuple(unique), True, frozenset(ignored))
    return _walk(root, include_ignored)


def _walk(root: Path, include_ignored: bool, cap: int = WALK_CAP) -> FileListing:
    files: list[str] = []
    ignored: list[str] = []
    from workbench.core.repo.gitignore import IgnoreMatcher

    stack: list[tuple[str, IgnoreMatcher]] = [("", IgnoreMatcher().with_folder(root, ""))]
    truncated = False
    while stack:
        if len(files) >= cap:
            truncated = True
            break
        rel_dir, matcher = stack.pop()
        try:
            with os.scandir(root / rel_dir if rel_dir else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir and entry.name in ALWAYS_SKIPPED:
                continue
            if matcher.ignored(rel, is_dir):
                if include_ignored:
                    ignored.append(rel + "/" if is_dir else rel)
                continue
            if is_dir:
                stack.append((rel, matcher.with_folder(root, rel)))
            else:
                files.append(rel)
    files.sort()
    return FileListing(root, tuple(files + ignored), False, frozenset(ignored), truncated)


@dataclass(frozen=True)
class DirEntry:
    name: str
    path: str  # relative POSIX path
    is_dir: bool


def list_dir(root: Path, rel_dir: str) -> list[DirEntry]:
    """The direct entries of one folder on disk (for ignored folders, listed lazily); folders first."""
    base = root / rel_dir if rel_dir else root
    out: list[DirEntry] = []
    try:
        with os.scandir(base) as it:
            for entry in it:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir and entry.name in ALWAYS_SKIPPED:
                    continue
                path = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                out.append(DirEntry(entry.name, path, is_dir))
    except OSError:
        return []
    out.sort(key=lambda e: (not e.is_dir, e.name.lower(), e.name))
    return out
