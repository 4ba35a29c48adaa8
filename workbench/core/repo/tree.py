"""A folder index over a file listing, so a tree view can show one folder at a time.

The listing is kept as one sorted list; a folder's direct entries are found by bisection, jumping over
each sub-folder's whole block, so listing a folder costs O(entries x log n) and nothing is built up
front (100k paths: ~10 ms to sort, then well under a millisecond per folder). Files git reports as
deleted or untracked are merged in from a status report; untracked and ignored folders that git reports
whole ("drafts/") are read from disk when opened (`Entry.lazy`).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from workbench.core.repo.listing import FileListing
from workbench.core.repo.status import FileStatus, StatusReport


@dataclass(frozen=True)
class Entry:
    name: str
    path: str  # relative POSIX path
    is_dir: bool
    ignored: bool = False  # an ignored entry (shown only when asked)
    lazy: bool = False  # a folder git reports whole: its contents are read from disk on demand


def _after(prefix: str) -> str:
    """The smallest string above every string that starts with `prefix` + "/"."""
    return prefix + "0"  # "0" is the character right after "/"


class DirIndex:
    """Folders and their direct entries, from a listing plus what a status report adds."""

    def __init__(self, listing: FileListing, status: StatusReport | None = None) -> None:
        self.ignored = listing.ignored
        extra: list[str] = []
        untracked_dirs: tuple[str, ...] = ()
        if status is not None:
            for path, state in status.files.items():
                if state.status in (FileStatus.DELETED, FileStatus.UNTRACKED):
                    extra.append(path)
            untracked_dirs = status.untracked_dirs
            extra.extend(untracked_dirs)
        self._lists = [sorted(listing.files)]
        if extra:
            self._lists.append(sorted(set(extra)))
        self._lazy = frozenset(d for d in listing.ignored if d.endswith("/")) | frozenset(untracked_dirs)
        self.file_count = len(listing.files)

    def has_folder(self, path: str) -> bool:
        if not path:
            return True
        prefix = path + "/"
        for paths in self._lists:
            i = bisect_left(paths, prefix)
            if i < len(paths) and paths[i].startswith(prefix):
                return True
        return False

    def _scan(self, paths: list[str], prefix: str, dirs: set[str], files: set[str]) -> None:
        lo = bisect_left(paths, prefix) if prefix else 0
        hi = bisect_left(paths, _after(prefix[:-1])) if prefix else len(paths)
        start = len(prefix)
        i = lo
        while i < hi:
            path = paths[i]
            cut = path.find("/", start)
            if cut < 0:
                files.add(path[start:])
                i += 1
            else:
                dirs.add(path[start:cut])
                i = bisect_left(paths, _after(path[:cut]), i + 1, hi)

    def children(self, path: str) -> list[Entry]:
        """Direct entries of folder `path` ("" is the root): folders first, then files, by name."""
        prefix = f"{path}/" if path else ""
        dirs: set[str] = set()
        files: set[str] = set()
        for paths in self._lists:
            self._scan(paths, prefix, dirs, files)
        ignored = self.ignored
        lazy = self._lazy
        out: list[Entry] = []
        for name in sorted(dirs, key=_sort_key):
            full = prefix + name
            is_lazy = full + "/" in lazy
            out.append(Entry(name, full, True, ignored=full + "/" in ignored, lazy=is_lazy))
        for name in sorted(files, key=_sort_key):
            full = prefix + name
            out.append(Entry(name, full, False, ignored=full in ignored))
        return out


def _sort_key(name: str) -> tuple[str, str]:
    return (name.lower(), name)
