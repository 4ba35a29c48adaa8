"""Listing the files of a workspace the way ripgrep does: .gitignore respected, hidden files kept, .git skipped.

Three ways, fastest first: `rg --files` (the ripgrep binary beside the interpreter, then on PATH);
`git ls-files -co --exclude-standard` inside a git repository; a walk with a small .gitignore matcher
otherwise. Symlinks are not followed and not listed (as rg does), so a link cannot lead a search out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from workbench.core import hardened
from workbench.core.repo.gitignore import IgnoreMatcher

LIST_TIMEOUT_S = 60.0


def find_rg() -> str | None:
    """The ripgrep binary: next to sys.executable first (the `ripgrep` wheel), then PATH."""
    beside = Path(sys.executable).parent / ("rg.exe" if os.name == "nt" else "rg")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("rg")


def walk_files(root: Path, start: Path) -> list[str]:
    """Files under `start` (workspace-relative POSIX), .gitignore files from root down to each folder applied."""
    rules = IgnoreMatcher()
    # .gitignore files of the folders above `start` (inside the workspace) apply too.
    rel_start = start.relative_to(root).as_posix() if start != root else ""
    folder = ""
    for part in [p for p in rel_start.split("/") if p]:
        rules = rules.with_folder(root, folder)
        folder = f"{folder}/{part}" if folder else part
    out: list[str] = []

    def visit(rel_dir: str, rules: IgnoreMatcher) -> None:
        here = root / rel_dir if rel_dir else root
        rules = rules.with_folder(root, rel_dir)
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name == ".git" or entry.is_symlink():
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_dir(follow_symlinks=False):
                if not rules.ignored(rel, True):
                    visit(rel, rules)
            elif entry.is_file(follow_symlinks=False) and not rules.ignored(rel, False):
                out.append(rel)

    visit(rel_start, rules)
    return out


def git_files(root: Path, start: Path) -> list[str] | None:
    """`git ls-files -co --exclude-standard` under `start`, or None when `start` is not in a git work tree."""
    try:
        args = ("ls-files", "-co", "--exclude-standard", "-z", "--", ".")
        listed = hardened.run_git(start, *args, timeout=LIST_TIMEOUT_S)
    except hardened.GitFailed:
        return None
    prefix = start.relative_to(root).as_posix() if start != root else ""
    out: list[str] = []
    for raw in listed.split(b"\0"):
        if not raw:
            continue
        name = os.fsdecode(raw)
        rel = f"{prefix}/{name}" if prefix else name
        full = root / rel
        if "/.git/" in f"/{rel}" or full.is_symlink() or not full.is_file():
            continue  # deleted tracked files, submodules, links
        out.append(rel)
    return out


def rg_files(rg: str, root: Path, start: Path) -> list[str] | None:
    target = start.relative_to(root).as_posix() if start != root else "."
    try:
        proc = subprocess.run(
            [rg, "--no-config", "--files", "--hidden", "--no-require-git", "--glob", "!.git", "--null", "--", target],
            cwd=root,
            capture_output=True,
            timeout=LIST_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            env=hardened.scrub_env(os.environ),
            preexec_fn=hardened.tool_limits(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode not in (0, 1) and not proc.stdout:
        return None  # 2 with output means some folders could not be read: the rest is still right
    out = []
    for raw in proc.stdout.split(b"\0"):
        name = os.fsdecode(raw).strip("\n")
        if name:
            out.append(name[2:] if name.startswith("./") else name)
    return out


def list_files(root: Path, start: Path, *, use_rg: bool = True) -> list[str]:
    """Every non-ignored regular file under `start`, as workspace-relative POSIX paths (unordered)."""
    if use_rg:
        rg = find_rg()
        if rg:
            found = rg_files(rg, root, start)
            if found is not None:
                return found
    found = git_files(root, start)
    if found is not None:
        return found
    return walk_files(root, start)
