"""The explorer's first load: the file list and git status, the two git calls side by side, read before the
explorer is mounted so its first frame shows the tree with its letters and starts no load of its own.

`prefetch` starts the read in a thread as the process starts (`workbench [DIR]`): the git processes run on
another core while the interpreter loads the UI, and the first frame can show the tree. `prefetched` hands the
result over once (a later load reads afresh).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded by the reading thread, not by whoever starts it
    from workbench.core.repo.listing import FileListing
    from workbench.core.repo.status import StatusReport


@dataclass(frozen=True)
class FirstLoad:
    """The tree's first listing and git status, read before the explorer is mounted (`read_first_load`)."""

    workspace: Path
    listing: FileListing | None
    status: StatusReport | None


def read_first_load(root: Path) -> FirstLoad:
    """What the explorer's first frame shows, read in the caller's thread; a failure leaves it to the explorer's
    own load, which reports it."""
    from workbench.core import hardened
    from workbench.core.repo.listing import RepoError, find_root, list_files
    from workbench.core.repo.status import git_status

    workspace = root.resolve()
    is_git = find_root(workspace) is not None
    statuses: list[StatusReport | None] = [None]
    # The repository's drivers, read once for both calls (each would read them with two git processes of its own).
    drivers = hardened.driver_overrides(workspace) if is_git else None

    def read_status() -> None:
        with contextlib.suppress(RepoError):
            statuses[0] = git_status(workspace, overrides=drivers)

    # The two git calls run side by side (each waits on its own process, not on the GIL).
    helper = threading.Thread(target=read_status, name="first-git-status") if is_git else None
    if helper is not None:
        helper.start()
    try:
        listing = list_files(workspace, include_ignored=False, include_untracked=not is_git, overrides=drivers)
    except RepoError:
        listing = None
    if helper is not None:
        helper.join()
    if listing is None or (is_git and statuses[0] is None):
        return FirstLoad(workspace, None, None)
    return FirstLoad(workspace, listing, statuses[0])


_lock = threading.Lock()
_pending: dict[Path, Future[FirstLoad]] = {}


def prefetch(root: Path) -> None:
    """Start reading `root`'s first load in a daemon thread (once per folder until it is taken)."""
    key = root.resolve()
    with _lock:
        if key in _pending:
            return
        future: Future[FirstLoad] = Future()
        _pending[key] = future

    def read() -> None:
        try:
            future.set_result(read_first_load(key))
        except BaseException as exc:  # handed to the taker, who reads again
            future.set_exception(exc)

    threading.Thread(target=read, name="prefetch-first-load", daemon=True).start()


def prefetched(root: Path, *, wait: bool) -> FirstLoad | None:
    """The first load `prefetch` read for `root`, taken (a second call gets None); None when none was started,
    when it failed, or, without `wait`, when it is not read yet (it stays for a later call)."""
    key = root.resolve()
    with _lock:
        future = _pending.get(key)
        if future is None or (not wait and not future.done()):
            return None
        del _pending[key]
    try:
        return future.result()
    except Exception:
        return None
