"""The repository model shared by the explorer and the tools: root detection, listing, git status, diffs,
file previews, fuzzy path matching and symbol outlines.

Importing this package is cheap: each name loads its module on first use, and the tree-sitter grammars load
inside the calls that use them. Every git it runs is the hardened git of core.hardened: no program the
repository names (fsmonitor, hooks, drivers) runs.

Typical use (in a worker thread, never on the UI loop):

    listing = list_files(root)                  # FileListing(files=("src/app.py", ...))
    status = git_status(root)                   # StatusReport; status.status_of("src/app.py") -> FileStatus.MODIFIED
    index = DirIndex(listing, status)           # index.children("src") -> [Entry, ...]
    preview = load_preview(root, "src/app.py")  # Preview(text=..., binary=..., truncated=...)
    symbols = outline("src/app.py", data)       # (Symbol(name, kind, line, end_line, children), ...)
    FuzzyIndex(listing.files).search("apy")     # [Match(path, score, positions), ...]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.core.lazy import lazy_attributes

if TYPE_CHECKING:
    from workbench.core.repo.diff import file_diff
    from workbench.core.repo.fuzzy import FuzzyIndex, Match, fuzzy_match
    from workbench.core.repo.listing import DirEntry, FileListing, RepoError, find_root, list_dir, list_files
    from workbench.core.repo.preview import Preview, load_preview, visible_name, visible_text
    from workbench.core.repo.status import FileState, FileStatus, StatusReport, git_status
    from workbench.core.repo.symbol_rules import Symbol
    from workbench.core.repo.symbols import flatten, language_for, outline
    from workbench.core.repo.tree import DirIndex, Entry

# Each name loads its own module when first used, so importing one submodule (the tools need only the
# gitignore matcher) does not load the rest.
_WHERE = {
    "file_diff": "diff",
    "FuzzyIndex": "fuzzy",
    "Match": "fuzzy",
    "fuzzy_match": "fuzzy",
    "DirEntry": "listing",
    "FileListing": "listing",
    "RepoError": "listing",
    "find_root": "listing",
    "list_dir": "listing",
    "list_files": "listing",
    "Preview": "preview",
    "load_preview": "preview",
    "visible_name": "preview",
    "visible_text": "preview",
    "FileState": "status",
    "FileStatus": "status",
    "StatusReport": "status",
    "git_status": "status",
    "Symbol": "symbol_rules",
    "flatten": "symbols",
    "language_for": "symbols",
    "outline": "symbols",
    "DirIndex": "tree",
    "Entry": "tree",
}


__getattr__ = lazy_attributes(__name__, globals(), _WHERE)


__all__ = [
    "DirEntry",
    "DirIndex",
    "Entry",
    "FileListing",
    "FileState",
    "FileStatus",
    "FuzzyIndex",
    "Match",
    "Preview",
    "RepoError",
    "StatusReport",
    "Symbol",
    "file_diff",
    "find_root",
    "flatten",
    "fuzzy_match",
    "git_status",
    "language_for",
    "list_dir",
    "list_files",
    "load_preview",
    "outline",
    "visible_name",
    "visible_text",
]
