"""The explorer's first load, read before it is mounted: the file list and git status, the two git calls side by
side. The screen's worker calls `read_first_load` with the explorer's code; the explorer shows the result in
its first frame and starts no load of its own."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path

from workbench.core.repo.listing import FileListing, RepoError, find_root, list_files
from workbench.core.repo.status import StatusReport, git_status


@dataclass(frozen=True)
class FirstLoad:
    """The tree's first listing and git status, read before the explorer is mounted (`read_first_load`)."""

    workspace: Path
    listing: FileListing | None
    status: StatusReport | None


def read_first_load(root: Path) -> FirstLoad:
    """What the explorer's first frame shows, read in the caller's thread (the screen's worker); a failure
    leaves it to the explorer's own load, which reports it."""
    workspace = root.resolve()
    is_git = find_root(workspace) is not None
    statuses: list[StatusReport | None] = [None]

    def read_status() -> None:
        with contextlib.suppress(RepoError):
            statuses[0] = git_status(workspace)

    # The two git calls run side by side (each waits on its own process, not on the GIL).
    helper = threading.Thread(target=read_status, name="first-git-status") if is_git else None
    if helper is not None:
        helper.start()
    try:
        listing = list_files(workspace, include_ignored=False, include_untracked=not is_git)
    except RepoError:
        listing = None
    if helper is not None:
        helper.join()
    if listing is None or (is_git and statuses[0] is None):
        return FirstLoad(workspace, None, None)
    return FirstLoad(workspace, listing, statuses[0])
