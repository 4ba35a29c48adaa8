"""Git status from one `git status --porcelain=v2 -z --branch` call, parsed here.

The call is the hardened git of core.hardened (no fsmonitor, hooks or filter drivers of the repository run), a
plain subprocess: porcelain v2 gives every state at once, and nothing heavier than `subprocess` is imported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from workbench.core.repo.listing import find_root, run_git

STATUS_ARGS = (
    "status",
    "--porcelain=v2",
    "-z",
    "--branch",
    "--untracked-files=normal",
)


class FileStatus(StrEnum):
    """The decoration letter shown beside a path."""

    CONFLICTED = "!"
    DELETED = "D"
    ADDED = "A"
    RENAMED = "R"
    MODIFIED = "M"
    UNTRACKED = "?"


# Which status wins when a folder holds several (a conflict matters most).
PRIORITY: dict[FileStatus, int] = {
    FileStatus.CONFLICTED: 6,
    FileStatus.DELETED: 5,
    FileStatus.ADDED: 4,
    FileStatus.RENAMED: 3,
    FileStatus.MODIFIED: 2,
    FileStatus.UNTRACKED: 1,
}


@dataclass(frozen=True)
class FileState:
    status: FileStatus
    staged: bool = False  # the index differs from HEAD
    unstaged: bool = False  # the work tree differs from the index
    orig_path: str | None = None  # for renames and copies


@dataclass
class StatusReport:
    """The status of a work tree. Paths are relative POSIX paths from the workspace folder."""

    branch: str | None = None  # None when HEAD is detached
    oid: str | None = None  # None before the first commit
    upstream: str | None = None
    ahead: int = 0
    behind: int = 0
    files: dict[str, FileState] = field(default_factory=dict)
    untracked_dirs: tuple[str, ...] = ()  # "dir/" entries: everything below is untracked
    _dirs: dict[str, FileStatus] | None = field(default=None, repr=False)

    def status_of(self, path: str) -> FileStatus | None:
        state = self.files.get(path)
        if state is not None:
            return state.status
        for prefix in self.untracked_dirs:
            if path.startswith(prefix):
                return FileStatus.UNTRACKED
        return None

    def dir_status(self, rel_dir: str) -> FileStatus | None:
        """The strongest status among everything below `rel_dir` ("" is the root)."""
        if self._dirs is None:
            self._dirs = self._fold_dirs()
        return self._dirs.get(rel_dir)

    def _fold_dirs(self) -> dict[str, FileStatus]:
        dirs: dict[str, FileStatus] = {}
        items = [(p, s.status) for p, s in self.files.items()]
        items += [(d.rstrip("/"), FileStatus.UNTRACKED) for d in self.untracked_dirs]
        for path, status in items:
            parts = path.split("/")
            for i in range(len(parts) - 1, -1, -1):
                parent = "/".join(parts[:i])
                current = dirs.get(parent)
                if current is not None and PRIORITY[current] >= PRIORITY[status]:
                    break
                dirs[parent] = status
        # An untracked folder is itself untracked (not only its parents).
        for d in self.untracked_dirs:
            dirs.setdefault(d.rstrip("/"), FileStatus.UNTRACKED)
        return dirs

    @property
    def changed_count(self) -> int:
        return len(self.files) + len(self.untracked_dirs)


def _ordinary_status(xy: str) -> FileStatus:
    x, y = xy[0], xy[1]
    if "D" in (x, y):
        return FileStatus.DELETED
    if x == "A" or x == "C":
        return FileStatus.ADDED
    if x == "R":
        return FileStatus.RENAMED
    return FileStatus.MODIFIED


def _relative(path: str, prefix: str) -> str | None:
    if not prefix:
        return path
    return path[len(prefix) :] if path.startswith(prefix) else None


def parse_porcelain_v2(data: bytes, prefix: str = "") -> StatusReport:
    """Parse `git status --porcelain=v2 -z --branch` output.

    Args:
        data: Raw stdout.
        prefix: The workspace folder relative to the repository root ("sub/dir/"), stripped from paths;
            entries outside it are dropped.
    """
    report = StatusReport()
    untracked: list[str] = []
    items = data.split(b"\0")
    i = 0
    while i < len(items):
        raw = items[i]
        i += 1
        if not raw:
            continue
        line = os.fsdecode(raw)
        kind = line[0]
        if kind == "#":
            _parse_header(report, line)
        elif kind == "1":
            fields = line.split(" ", 8)
            _add(report, fields[8], prefix, _state(fields[1], _ordinary_status(fields[1])))
        elif kind == "2":
            fields = line.split(" ", 9)
            orig = os.fsdecode(items[i]) if i < len(items) else None
            i += 1
            status = FileStatus.RENAMED if fields[1][0] == "R" or fields[8].startswith("R") else FileStatus.ADDED
            if "D" in fields[1]:
                status = FileStatus.DELETED
            _add(report, fields[9], prefix, _state(fields[1], status, orig))
        elif kind == "u":
            fields = line.split(" ", 10)
            _add(report, fields[10], prefix, FileState(FileStatus.CONFLICTED, True, True))
        elif kind == "?":
            path = _relative(line[2:], prefix)
            if path is not None:
                if path.endswith("/"):
                    untracked.append(path)
                else:
                    report.files[path] = FileState(FileStatus.UNTRACKED, False, True)
    report.untracked_dirs = tuple(untracked)
    return report


def _state(xy: str, status: FileStatus, orig: str | None = None) -> FileState:
    return FileState(status, staged=xy[0] != ".", unstaged=xy[1] != ".", orig_path=orig)


def _add(report: StatusReport, path: str, prefix: str, state: FileState) -> None:
    rel = _relative(path, prefix)
    if rel:
        report.files[rel] = state


def _parse_header(report: StatusReport, line: str) -> None:
    parts = line.split(" ")
    if len(parts) < 3:
        return
    key, value = parts[1], parts[2]
    if key == "branch.head":
        report.branch = None if value == "(detached)" else value
    elif key == "branch.oid":
        report.oid = None if value == "(initial)" else value
    elif key == "branch.upstream":
        report.upstream = value
    elif key == "branch.ab" and len(parts) >= 4:
        report.ahead = int(parts[2].lstrip("+") or 0)
        report.behind = int(parts[3].lstrip("-") or 0)


def repo_prefix(workspace: Path) -> tuple[Path, str] | None:
    """(repository root, the workspace's "sub/dir/" prefix within it), or None outside git."""
    root = find_root(workspace)
    if root is None:
        return None
    rel = workspace.resolve().relative_to(root).as_posix()
    return root, "" if rel == "." else rel + "/"


def git_status(workspace: Path, *, overrides: Sequence[tuple[str, str]] | None = None) -> StatusReport:
    """The status of the work tree holding `workspace`; an empty report outside git. `overrides`: the
    repository's `hardened.driver_overrides`, when the caller has read them already.

    Raises:
        RepoError: git failed (a broken repository, a missing git binary).
    """
    found = repo_prefix(workspace)
    if found is None:
        return StatusReport()
    root, prefix = found
    return parse_porcelain_v2(run_git(root, *STATUS_ARGS, overrides=overrides), prefix)
