"""Finding the secret files and control files inside the workspace, cheaply, before every command.

The first scan walks the workspace (not following links; dependency and cache folders such as
`node_modules` and `.venv` are skipped, and so is `.git`, whose control files are handled apart). Later
scans stat each known folder and list again only the folders whose mtime changed: a file can only appear or
vanish by changing its folder's mtime. A folder changed within the last two seconds is listed again next
time too, since a second change within the file system's timestamp granularity would leave its mtime as
it was.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

from workbench.core.sandbox.protect import CONTROL_NAMES
from workbench.core.secrets import is_secret_path

SKIP_DIRS = frozenset({
    ".git", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".gradle", ".next", ".cache", "target",
})  # fmt: skip
MAX_DIRS = 100_000
_RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class _Folder:
    mtime_ns: int | None  # None: changed too recently to trust; list it again next time
    secrets: tuple[str, ...]  # workspace-relative paths of secret files in this folder
    controls: tuple[str, ...]  # workspace-relative control files and folders in this folder
    subdirs: tuple[str, ...]  # workspace-relative folders to walk


@dataclass(frozen=True)
class ScanResult:
    secrets: tuple[str, ...]
    controls: tuple[str, ...]
    folders: int
    truncated: bool  # the workspace has more than MAX_DIRS folders: the rest was not looked at


class WorkspaceScan:
    def __init__(self, root: str) -> None:
        self.root = root
        self._folders: dict[str, _Folder] = {}
        self._lock = threading.Lock()  # a warm-up scan may run on another thread

    def warm(self) -> None:
        """Do the first (slow) scan on a background thread, before the first command needs it."""
        threading.Thread(target=self.scan, name="sandbox-scan", daemon=True).start()

    def scan(self) -> ScanResult:
        with self._lock:
            return self._scan()

    def _scan(self) -> ScanResult:
        now = time.time_ns()
        seen: dict[str, _Folder] = {}
        secrets: list[str] = []
        controls: list[str] = []
        stack = ["."]
        truncated = False
        while stack:
            rel = stack.pop()
            if len(seen) >= MAX_DIRS:
                truncated = True
                break
            folder = self._folder(rel, now)
            if folder is None:
                continue
            seen[rel] = folder
            secrets.extend(folder.secrets)
            controls.extend(folder.controls)
            stack.extend(folder.subdirs)
        self._folders = seen
        return ScanResult(tuple(secrets), tuple(controls), len(seen), truncated)

    def _folder(self, rel: str, now: int) -> _Folder | None:
        path = self.root if rel == "." else os.path.join(self.root, rel)
        try:
            mtime = os.stat(path, follow_symlinks=False).st_mtime_ns
        except OSError:
            return None
        cached = self._folders.get(rel)
        if cached is not None and cached.mtime_ns == mtime:
            return cached
        secrets: list[str] = []
        controls: list[str] = []
        subdirs: list[str] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    name = entry.name
                    child = name if rel == "." else f"{rel}/{name}"
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        continue
                    if name in CONTROL_NAMES:
                        controls.append(child)
                    if is_dir:
                        if name not in SKIP_DIRS:
                            subdirs.append(child)
                    elif is_secret_path(child) and os.path.isfile(entry.path):  # links: only to a file
                        secrets.append(child)
        except OSError:
            return None
        trusted = mtime if now - mtime > _RACY_NS else None
        return _Folder(trusted, tuple(secrets), tuple(controls), tuple(subdirs))
