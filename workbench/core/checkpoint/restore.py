"""Writing a rewind's file actions to the workspace: restore from the store, delete what the agent created.

Every path is relative and checked: no `..`, no `.git`, and no parent folder that is a symlink (a link made
since could otherwise send a write outside the workspace). Files are written through a temp file and renamed
into place; symlinks are recreated as links, never followed. Folders the rewind emptied, and that did not
exist at the target, are removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from workbench.core.checkpoint import snapshot
from workbench.core.checkpoint.gitstore import GitStore
from workbench.core.checkpoint.plan import FileAction


@dataclass
class Applied:
    restored: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # path, why


def _unsafe(path: str) -> str | None:
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
        return "not a plain path inside the workspace"
    return None


def _parents_ok(root: Path, path: str, create: bool) -> str | None:
    """None when every parent folder of `path` is a real folder (made if `create`); else why not."""
    current = root
    for part in PurePosixPath(path).parts[:-1]:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            if not create:
                return None
            os.mkdir(current)
            continue
        if stat.S_ISLNK(st.st_mode):
            return f"{current.relative_to(root).as_posix()} is a symlink"
        if not stat.S_ISDIR(st.st_mode):
            return f"{current.relative_to(root).as_posix()} is not a folder"
    return None


def _write(target: Path, mode: str, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.wbrewind")
    try:
        if mode == "120000":
            os.symlink(os.fsdecode(data), tmp)
        else:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if mode == "100755":
                    current = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
                    os.fchmod(fh.fileno(), current | ((current & 0o444) >> 2))
        if os.path.isdir(target) and not os.path.islink(target):
            raise IsADirectoryError(f"{target.name} is a folder now")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def apply_actions(store: GitStore, target_tree: str, actions: Sequence[FileAction]) -> Applied:
    root = store.workspace
    done = Applied()
    deletes = sorted((a for a in actions if a.action == "delete"), key=lambda a: -a.path.count("/"))
    restores = sorted((a for a in actions if a.action == "restore"), key=lambda a: a.path.count("/"))
    for act in deletes:
        why = _unsafe(act.path) or _parents_ok(root, act.path, create=False)
        if why:
            done.failed.append((act.path, why))
            continue
        target = root / act.path
        try:
            if os.path.isdir(target) and not os.path.islink(target):
                done.failed.append((act.path, "it is a folder now"))
                continue
            os.unlink(target)
        except FileNotFoundError:
            pass
        except OSError as exc:
            done.failed.append((act.path, exc.strerror or str(exc)))
            continue
        done.deleted.append(act.path)
    # Before the restores: a folder the deletes emptied may stand where a file goes back (a file made a folder).
    _remove_empty_folders(store, target_tree, done.deleted)
    blobs = store.read_blobs([a.entry.oid for a in restores if a.entry is not None])
    for act in restores:
        entry = act.entry
        assert entry is not None
        why = _unsafe(act.path) or ("a nested repository is not restored" if entry.mode == "160000" else None)
        try:
            why = why or _parents_ok(root, act.path, create=True)
            if not why:
                _write(root / act.path, entry.mode, blobs[entry.oid])
        except OSError as exc:
            why = exc.strerror or str(exc)
        if why:
            done.failed.append((act.path, why))
        else:
            done.restored.append(act.path)
    return done


def _remove_empty_folders(store: GitStore, target_tree: str, deleted: Sequence[str]) -> None:
    folders: set[str] = set()
    for path in deleted:
        parent = PurePosixPath(path).parent
        while str(parent) not in ("", "."):
            folders.add(str(parent))
            parent = parent.parent
    if not folders:
        return
    kept = snapshot.folders_in(store, target_tree, sorted(folders))
    for folder in sorted(folders, key=lambda f: -f.count("/")):
        if folder in kept:
            continue
        with contextlib.suppress(OSError):  # not empty (an ignored file, say): it stays
            os.rmdir(store.workspace / folder)
