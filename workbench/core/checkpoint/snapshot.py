"""Taking a snapshot of the workspace into the private store, and comparing snapshots.

Incremental: `ls-files -m -d -o --exclude-standard` against the private index (its stat cache) names only
the paths that changed since the last snapshot; only those are hashed (`update-index`), then `write-tree`
(whose cache-tree rebuilds only touched folders) and `commit-tree`. The first snapshot of a repository
starts from the user's index (see `GitStore.seed_from_repository`); a plain folder's hashes every file
once. A file over the size cap is not stored: it is listed as "unkept" with its size and mtime, so a
later diff still sees it change, and a rewind says it cannot bring it back.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from workbench.core.checkpoint.gitstore import GitStore, StoreError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
REF_PREFIX = "refs/workbench/"


@dataclass(frozen=True)
class Snapshot:
    commit: str
    tree: str
    unkept: dict[str, str] = field(default_factory=dict)  # path -> "size:mtime_ns" of files too large to keep


@dataclass(frozen=True)
class Entry:
    """One file in a snapshot: git mode ("100644", "100755", "120000") and blob id."""

    mode: str
    oid: str


@dataclass(frozen=True)
class Change:
    path: str
    status: str  # A added, M modified, D deleted, T type changed


def _split(data: bytes) -> list[str]:
    text = data.decode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    return [item for item in text.split("\0") if item]


def _encode(path: str) -> bytes:
    return path.encode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())


@dataclass
class Taken:
    """What one snapshot found: the snapshot and the files it left out for their size."""

    snapshot: Snapshot
    too_large: list[tuple[str, int]] = field(default_factory=list)
    new_commit: bool = True


def take(
    store: GitStore,
    *,
    max_file_bytes: int,
    extra: Iterable[str] = (),
    previous: Snapshot | None = None,
    ref: str = "",
    message: dict[str, object] | None = None,
) -> Taken:
    """Snapshot the workspace (call under `store.locked()`). `extra` names ignored files to keep anyway.

    The store's first snapshot starts from the user's index when there is one (see `seed_from_repository`),
    so it costs about one `git status`; if git can't use that copy, every file is hashed instead."""
    seeded = store.seed_from_repository()
    try:
        return _take(store, max_file_bytes, extra, previous, ref, message)
    except StoreError:
        if not seeded:
            raise
        store.unseed()
        return _take(store, max_file_bytes, extra, previous, ref, message)


def _take(
    store: GitStore,
    max_file_bytes: int,
    extra: Iterable[str],
    previous: Snapshot | None,
    ref: str,
    message: dict[str, object] | None,
) -> Taken:
    listed = _split(store.run("ls-files", "-z", "-m", "-d", "-o", "--exclude-standard"))
    candidates = list(dict.fromkeys([*listed, *extra]))
    unkept = dict(previous.unkept) if previous else {}
    update: list[str] = []
    drop: list[str] = []
    folders: list[str] = []  # a file in the index, a folder now: its entry goes before its files come in
    too_large: list[tuple[str, int]] = []
    for path in candidates:
        if path.endswith("/"):  # a nested repository: its files belong to it
            continue
        try:
            st = os.lstat(os.path.join(store.workspace, path))
        except OSError:
            unkept.pop(path, None)
            update.append(path)  # gone: --remove drops it from the index
            continue
        if stat.S_ISDIR(st.st_mode):
            folders.append(path)
            continue
        if stat.S_ISREG(st.st_mode) and st.st_size > max_file_bytes:
            signature = f"{st.st_size}:{st.st_mtime_ns}"
            if unkept.get(path) != signature:
                too_large.append((path, st.st_size))
            unkept[path] = signature
            drop.append(path)
            continue
        unkept.pop(path, None)
        update.append(path)
    if folders:
        payload = b"".join(_encode(p) + b"\0" for p in folders)
        store.run("update-index", "-z", "--force-remove", "--stdin", input=payload)
    if update:  # --replace: a file where a folder was (or the reverse) takes the place of what was there
        payload = b"".join(_encode(p) + b"\0" for p in update)
        store.run("update-index", "-z", "--add", "--remove", "--replace", "--stdin", input=payload)
    if drop:
        payload = b"".join(_encode(p) + b"\0" for p in drop)
        store.run("update-index", "-z", "--force-remove", "--stdin", input=payload)
    tree = store.run("write-tree").decode().strip()
    if previous is not None and previous.tree == tree and previous.unkept == unkept:
        return Taken(previous, too_large, new_commit=False)
    meta = {**(message or {}), "unkept": unkept, "at": time.time()}
    args = ["commit-tree", tree]
    if previous is not None:
        args += ["-p", previous.commit]
    commit = store.run(*args, input=json.dumps(meta).encode()).decode().strip()
    if ref:
        store.run("update-ref", "--no-deref", REF_PREFIX + ref, commit)
    return Taken(Snapshot(commit, tree, unkept), too_large)


def add_ref(store: GitStore, ref: str, commit: str) -> None:
    store.run("update-ref", "--no-deref", REF_PREFIX + ref, commit)


def diff(store: GitStore, old: Snapshot, new: Snapshot) -> list[Change]:
    """Paths that differ between two snapshots (unkept files compared by size and mtime)."""
    out: dict[str, Change] = {}
    if old.tree != new.tree:
        raw = store.run("diff-tree", "-r", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", old.tree, new.tree)
        items = _split(raw)
        for head, path in zip(items[0::2], items[1::2], strict=False):
            status = head.split()[-1][:1]
            out[path] = Change(path, status)
    for path in set(old.unkept) | set(new.unkept):
        before, after = old.unkept.get(path), new.unkept.get(path)
        if before == after:
            continue
        status = "A" if before is None and path not in out else "D" if after is None and path not in out else "M"
        out[path] = Change(path, status)
    return sorted(out.values(), key=lambda c: c.path)


def entries(store: GitStore, tree: str, paths: Sequence[str]) -> dict[str, Entry]:
    """The snapshot's entry for each of `paths` that it holds."""
    found: dict[str, Entry] = {}
    if not paths:
        return found
    for start in range(0, len(paths), 500):
        chunk = list(paths[start : start + 500])
        for line in _split(store.run("ls-tree", "-z", "-r", "--full-tree", tree, "--", *chunk)):
            head, _, path = line.partition("\t")
            mode, _kind, oid = head.split()
            found[path] = Entry(mode, oid)
    return found


def patch(store: GitStore, old_tree: str, new_tree: str, paths: Sequence[str] = (), limit: int = 400_000) -> str:
    """A unified diff from one tree to another (optionally limited to `paths`), cut at `limit` bytes."""
    if old_tree == new_tree:
        return ""
    args = ["diff-tree", "-p", "-r", "--no-renames", "--no-ext-diff", "--no-textconv", "--no-color", old_tree, new_tree]
    if paths:
        args += ["--", *paths]
    try:
        out = store.run(*args)
    except StoreError as exc:
        return f"(no diff: {exc})\n"
    text = out[:limit].decode("utf-8", "replace")
    if len(out) > limit:
        text += f"\n… diff cut at {limit:,} bytes\n"
    return text


def folders_in(store: GitStore, tree: str, folders: Sequence[str]) -> set[str]:
    """Which of `folders` exist in the snapshot."""
    if not folders:
        return set()
    found = _split(store.run("ls-tree", "-z", "-d", "-r", "-t", "--name-only", tree, "--", *folders))
    return set(found) & set(folders)
