"""The repo explorer: a lazily loaded, git-aware file tree.

Listing (`git ls-files`) and status (`git status --porcelain=v2`) run in thread workers; folders get
their children when first expanded. Each row shows a session mark (○ read, ● changed by the agent), the
name (made visible: file names are untrusted) and the git status letter at the right edge:
M modified, A added, D deleted, ? untracked, ! conflict, R renamed. A folder shows the strongest status
below it, dimmed. A cheap poll (folder and file mtimes of what is on screen, `.git/index`, `.git/HEAD`)
notices changes; `refresh_status()` re-reads git on demand (after each agent turn).

Bindings:

| Key | Action |
|---|---|
| enter | Preview the file / open or close the folder |
| @ | Mention the path in the prompt (`MentionRequested`) |
| d | Show the file's diff (`DiffRequested`) |
| h | Show what the agent did to the file (`AgentHistoryRequested`) |
| i | Show or hide ignored files |
| ctrl+r | Re-read the file list and git status |

Paths in messages are relative POSIX paths from the explorer's root.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import get_current_worker

from workbench.core.repo import (
    DirIndex,
    Entry,
    FileListing,
    FileStatus,
    RepoError,
    StatusReport,
    find_root,
    git_status,
    list_dir,
    list_files,
    visible_name,
)
from workbench.core.repo.first_load import FirstLoad
from workbench.tui.widgets.explorer_label import align, branch_label, label_text
from workbench.tui.widgets.explorer_watch import git_state_files, stat_all, watched_names

POLL_SECONDS = 2.0

STATUS_CLASS: dict[FileStatus, str] = {
    FileStatus.MODIFIED: "explorer--modified",
    FileStatus.ADDED: "explorer--added",
    FileStatus.DELETED: "explorer--deleted",
    FileStatus.UNTRACKED: "explorer--untracked",
    FileStatus.CONFLICTED: "explorer--conflicted",
    FileStatus.RENAMED: "explorer--renamed",
}


@dataclass(frozen=True)
class _Snapshot:
    listing: FileListing
    index: DirIndex
    status: StatusReport | None
    error: str | None = None


@dataclass
class PathMessage(Message):
    """A message about one path of the explorer (a relative POSIX path from its root)."""

    explorer: RepoExplorer
    path: str

    @property
    def control(self) -> RepoExplorer:
        return self.explorer


class RepoExplorer(Tree[Entry]):
    """A git-aware file tree of `root` (a folder; need not be a git repository)."""

    BINDING_GROUP_TITLE = "Explorer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("at", "mention", "Mention", tooltip="Mention this path in the prompt (@path)", id="explorer.mention"),
        Binding("d", "diff", "Diff", tooltip="Show the file's changes", id="explorer.diff"),
        Binding("h", "history", "History", tooltip="What the agent did to this file", id="explorer.history"),
        Binding("i", "toggle_ignored", "Ignored", tooltip="Show or hide ignored files", id="explorer.ignored"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Re-read files and git status", id="explorer.reload"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = Tree.COMPONENT_CLASSES | {
        *STATUS_CLASS.values(),
        "explorer--ignored",
        "explorer--read",
        "explorer--changed",
        "explorer--branch",
        "explorer--folder-status",
    }
    DEFAULT_CSS = """
    RepoExplorer {
        background: transparent;
        & > .explorer--modified { color: $text-warning; }
        & > .explorer--added { color: $text-success; }
        & > .explorer--deleted { color: $text-error; }
        & > .explorer--untracked { color: $text-accent; }
        & > .explorer--conflicted { color: $text-error; text-style: bold reverse; }
        & > .explorer--renamed { color: $text-primary; }
        & > .explorer--ignored { text-style: dim italic; }
        & > .explorer--read { text-style: dim; }
        & > .explorer--changed { color: $text-warning; }
        & > .explorer--branch { text-style: dim; }
        & > .explorer--folder-status { text-style: italic; }
    }
    """

    show_ignored: reactive[bool] = reactive(False, init=False)
    """Whether ignored files are listed (dimmed)."""

    class FileSelected(PathMessage):
        """A file was chosen for preview (enter). Handler: `on_repo_explorer_file_selected`."""

    class MentionRequested(PathMessage):
        """`@` on a path. Handler: `on_repo_explorer_mention_requested`."""

    class DiffRequested(PathMessage):
        """`d` on a file. Handler: `on_repo_explorer_diff_requested`."""

    class AgentHistoryRequested(PathMessage):
        """`h` on a path. Handler: `on_repo_explorer_agent_history_requested`."""

    @dataclass
    class StatusChanged(Message):
        """Fresh git status arrived. Handler: `on_repo_explorer_status_changed`."""

        explorer: RepoExplorer
        status: StatusReport

        @property
        def control(self) -> RepoExplorer:
            return self.explorer

    class Drawn(Message):
        """The tree was drawn whole for the first time (its files, and in a repository their git letters): the
        frame is on the terminal by the time this is handled. Handler: `on_repo_explorer_drawn`."""

    def __init__(
        self,
        root: Path,
        *,
        show_ignored: bool = False,
        poll_seconds: float | None = POLL_SECONDS,
        first_load: FirstLoad | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """
        Args:
            root: The folder to show.
            show_ignored: List ignored files from the start.
            poll_seconds: How often to look for changes on disk; None turns polling off.
            first_load: The listing and status read already: the first frame shows them, no load follows.
        """
        self.workspace = root.resolve()
        label = Text(visible_name(self.workspace.name or str(self.workspace)), end="")
        super().__init__(label, name=name, id=id, classes=classes)
        self.set_reactive(RepoExplorer.show_ignored, show_ignored)
        self.poll_seconds = poll_seconds
        self._first_load = first_load if first_load is not None and first_load.workspace == self.workspace else None
        self.status: StatusReport | None = None
        self.drawn_whole = False
        self.index: DirIndex | None = None
        self.listing: FileListing | None = None
        self.error: str | None = None
        self.read_marks: set[str] = set()
        self.changed_marks: set[str] = set()
        self._by_path: dict[str, TreeNode[Entry]] = {}
        self._expanded: set[str] = set()
        self._fingerprint: dict[str, int] | None = None
        self._loading = False
        self._reload_pending = False
        self._polling = False
        git_root = find_root(self.workspace)
        self.is_git = git_root is not None
        self._git_files = git_state_files(git_root) if git_root is not None else []
        self.guide_depth = 2

    # -- public API ---------------------------------------------------------------------------------

    def mark_files(self, read: Iterable[str] = (), changed: Iterable[str] = ()) -> None:
        """Mark paths the agent read (○) or changed (●) this session; marks accumulate."""
        touched = set(read) | set(changed)
        self.read_marks.update(read)
        self.changed_marks.update(changed)
        for path in touched:
            self._refresh_path(path)

    def clear_marks(self) -> None:
        """Forget the session's marks (a new session)."""
        touched = self.read_marks | self.changed_marks
        self.read_marks.clear()
        self.changed_marks.clear()
        for path in touched:
            self._refresh_path(path)

    def refresh_status(self) -> None:
        """Re-read the file list and git status in a worker (call it after every agent turn).

        Calls made while a read is running are folded into one more read after it.
        """
        if self._loading:
            self._reload_pending = True
            return
        self._loading = True
        self._load(with_status=True)

    def select_path(self, path: str) -> bool:
        """Expand the folders down to `path` and put the cursor on it; False when it is not listed."""
        parts = path.split("/")
        for i in range(1, len(parts)):
            node = self._by_path.get("/".join(parts[:i]))
            if node is None:
                return False
            self._populate(node)
            node.expand()
        node = self._by_path.get(path)
        if node is None:
            return False
        self._move_to(node)
        return True

    def _move_to(self, node: TreeNode[Entry]) -> None:
        _ = self.last_line  # lays the lines out now, so the node knows its line
        self.move_cursor(node)

    @property
    def cursor_path(self) -> str | None:
        node = self.cursor_node
        if node is None or node.data is None:
            return None
        return node.data.path

    # -- loading ------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.root.data = Entry(self.workspace.name, "", True)
        self.root.expand()
        first, self._first_load = self._first_load, None
        if first is not None and first.listing is not None and not self.show_ignored:
            index = DirIndex(first.listing, first.status)
            if first.status is not None:
                self._apply_with_status(_Snapshot(first.listing, index, None), index, first.status)
            else:
                self._apply(_Snapshot(first.listing, index, None))
        else:
            self.refresh_status()
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self._poll)

    @work(thread=True, group="explorer-load", exit_on_error=False, description="list files")
    def _load(self, with_status: bool) -> None:
        try:
            self._read(with_status)
        finally:
            self._deliver(self._load_done)

    def _load_done(self) -> None:
        self._loading = False
        if self._reload_pending and self.is_attached:
            self._reload_pending = False
            self.refresh_status()

    def _read(self, with_status: bool) -> None:
        # The tree is usable as soon as the listing is in; status decorations follow.
        try:
            # In git, untracked files come with the status report: listing them here would walk the
            # whole work tree twice.
            listing = list_files(self.workspace, include_ignored=self.show_ignored, include_untracked=not self.is_git)
        except RepoError as exc:
            empty = FileListing(self.workspace, (), False)
            self._deliver(self._apply, _Snapshot(empty, DirIndex(empty), None, str(exc)))
            return
        previous = self.status
        if previous is None and with_status and self.is_git:  # the first load: the tree comes with its letters
            try:
                status = git_status(self.workspace)
            except RepoError:
                pass  # shown without letters first; the error is reported below
            else:  # one delivery, one frame: the tree and its letters together
                index = DirIndex(listing, status)
                self._deliver(self._apply_with_status, _Snapshot(listing, index, None), index, status)
                return
        self._deliver(self._apply, _Snapshot(listing, DirIndex(listing, previous), previous))
        if with_status and self.is_git:
            try:
                status = git_status(self.workspace)
            except RepoError as exc:
                self._deliver(self._set_error, str(exc))
                return
            index = DirIndex(listing, status)
            self._deliver(self._apply_status, index, status)

    def _deliver(self, callback: Callable[..., None], *args: object) -> None:
        """Hand a worker's result to the UI thread, unless the worker was cancelled (the widget is going)."""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(callback, *args)

    def _set_error(self, message: str) -> None:
        if not self.is_attached:  # results of a worker that outlived the widget
            return
        self.error = message
        self.notify(message, title="Explorer", severity="warning", markup=False)

    def _apply(self, snap: _Snapshot) -> None:
        if not self.is_attached:
            return
        previous = self.listing
        self.listing = snap.listing
        self.index = snap.index
        self.error = snap.error
        if snap.error:
            self.notify(snap.error, title="Explorer", severity="error", markup=False)
        if snap.listing.truncated and not (previous and previous.truncated):
            count = len(snap.listing.files)
            self.notify(f"Not a git repository: only the first {count:,} files are listed.", markup=False)
        unchanged = (
            previous is not None
            and previous.files == snap.listing.files
            and previous.ignored == snap.listing.ignored
            and self.root.children
        )
        if not unchanged:  # the same files: keep the tree as it is (no rebuild after every turn)
            self._rebuild()

    def _apply_with_status(self, snap: _Snapshot, index: DirIndex, status: StatusReport) -> None:
        self.status = status  # the tree is built with its letters
        self._apply(snap)
        self._apply_status(index, status)

    def _apply_status(self, index: DirIndex, status: StatusReport) -> None:
        if not self.is_attached:
            return
        entries_changed = self.index is None or self._added(self.status) != self._added(status)
        self.index = index
        self.status = status
        if entries_changed:
            self._rebuild()
        else:
            for node in self._by_path.values():
                node.refresh()
            self.root.refresh()
        self.post_message(self.StatusChanged(self, status))

    @staticmethod
    def _added(status: StatusReport | None) -> set[str]:
        """Paths a status report adds to the tree (deleted and untracked entries)."""
        if status is None:
            return set()
        kinds = (FileStatus.DELETED, FileStatus.UNTRACKED)
        return {p for p, s in status.files.items() if s.status in kinds} | set(status.untracked_dirs)

    def _rebuild(self) -> None:
        """Rebuild the loaded part of the tree, keeping open folders and the cursor."""
        cursor = self.cursor_path
        expanded = set(self._expanded)
        self._by_path.clear()
        self.root.remove_children()
        self.root.data = Entry(self.root.data.name if self.root.data else "", "", True)
        self._fill_folder(self.root)
        for path in sorted(expanded, key=lambda p: p.count("/")):
            node = self._by_path.get(path)
            if node is not None:
                self._populate(node)
                node.expand()
        self._expanded = {p for p in expanded if p in self._by_path}
        if cursor and cursor in self._by_path:
            self._move_to(self._by_path[cursor])

    def _entries(self, parent: Entry | None) -> list[Entry]:
        folder = parent.path if parent is not None else ""
        if parent is not None and parent.lazy:
            # A folder git reports whole (untracked or ignored): read from disk.
            hidden = parent.ignored
            return [Entry(e.name, e.path, e.is_dir, hidden, e.is_dir) for e in list_dir(self.workspace, folder)]
        return self.index.children(folder) if self.index is not None else []

    def _fill_folder(self, node: TreeNode[Entry]) -> None:
        for child in self._entries(node.data):
            label = Text(visible_name(child.name), end="")
            added = node.add(label, child, allow_expand=True) if child.is_dir else node.add_leaf(label, child)
            self._by_path[child.path] = added

    def _populate(self, node: TreeNode[Entry]) -> None:
        if node.data is None or node.children or not node.data.is_dir:
            return
        self._fill_folder(node)

    @on(Tree.NodeExpanded)
    def _expanded_node(self, event: Tree.NodeExpanded[Entry]) -> None:
        event.stop()
        entry = event.node.data
        if entry is None or not entry.is_dir:
            return
        self._populate(event.node)
        if entry.path:
            self._expanded.add(entry.path)

    @on(Tree.NodeCollapsed)
    def _collapsed_node(self, event: Tree.NodeCollapsed[Entry]) -> None:
        event.stop()
        if event.node.data is not None:
            self._expanded.discard(event.node.data.path)

    @on(Tree.NodeSelected)
    def _selected_node(self, event: Tree.NodeSelected[Entry]) -> None:
        event.stop()
        entry = event.node.data
        if entry is not None and not entry.is_dir:
            self.post_message(self.FileSelected(self, entry.path))

    def watch_show_ignored(self, show: bool) -> None:
        self.refresh_status()

    # -- change detection ---------------------------------------------------------------------------

    def _poll(self) -> None:
        if not self._polling:  # a slow disk: never stack polls
            self._polling = True
            self._check_changes(self._watched_names())

    @work(thread=True, group="explorer-poll", exit_on_error=False, description="watch files")
    def _check_changes(self, names: list[str]) -> None:
        fingerprint = self._stat_all(names)
        self._deliver(self._compare_fingerprint, fingerprint)

    def _compare_fingerprint(self, fingerprint: dict[str, int]) -> None:
        self._polling = False
        if not self.is_attached:
            return
        previous, self._fingerprint = self._fingerprint, fingerprint
        if previous is not None and previous.keys() == fingerprint.keys() and previous != fingerprint:
            self.refresh_status()

    def _watched_names(self) -> list[str]:
        return watched_names(self._git_files, ["", *sorted(self._expanded)], self.index)

    def _stat_all(self, names: list[str]) -> dict[str, int]:
        return stat_all(str(self.workspace), names)

    # -- actions ------------------------------------------------------------------------------------

    def _cursor_entry(self) -> Entry | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def action_mention(self) -> None:
        entry = self._cursor_entry()
        if entry is not None and entry.path:
            self.post_message(self.MentionRequested(self, entry.path + ("/" if entry.is_dir else "")))

    def action_diff(self) -> None:
        entry = self._cursor_entry()
        if entry is not None and entry.path and not entry.is_dir:
            self.post_message(self.DiffRequested(self, entry.path))

    def action_history(self) -> None:
        entry = self._cursor_entry()
        if entry is not None and entry.path:
            self.post_message(self.AgentHistoryRequested(self, entry.path))

    def action_toggle_ignored(self) -> None:
        self.show_ignored = not self.show_ignored

    def action_reload(self) -> None:
        self.refresh_status()

    # -- rendering ----------------------------------------------------------------------------------

    def _refresh_path(self, path: str) -> None:
        node = self._by_path.get(path)
        if node is not None:
            node.refresh()

    def _status_for(self, entry: Entry) -> tuple[FileStatus | None, bool]:
        """(status, is_folder_summary)."""
        status = self.status
        if status is None:
            return None, False
        if entry.is_dir:
            return status.dir_status(entry.path), True
        return status.status_of(entry.path), False

    def _depth(self, node: TreeNode[Entry]) -> int:
        depth = 0
        parent = node.parent
        while parent is not None:
            depth += 1
            parent = parent.parent
        return depth

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if not self.drawn_whole and self.index is not None and (self.status is not None or not self.is_git):
            self.drawn_whole = True
            self.post_message(self.Drawn())  # handled once this frame is composed and written
        return lines

    def render_label(self, node: TreeNode[Entry], base_style: Style, style: Style) -> Text:
        entry = node.data
        label = label_text(node)
        label.stylize(style)
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else "  "
        if entry is None:
            return Text.assemble((icon, base_style), label)
        if node is self.root:
            right = Text(branch_label(self.status), end="")
            right.stylize(self.get_component_rich_style("explorer--branch", partial=True))
            return self._align(node, Text.assemble((icon, base_style), label), right)
        mark = "  "
        mark_style = Style()
        if entry.path in self.changed_marks:
            mark, mark_style = "● ", self.get_component_rich_style("explorer--changed", partial=True)
        elif entry.path in self.read_marks:
            mark, mark_style = "○ ", self.get_component_rich_style("explorer--read", partial=True)
        if entry.ignored:
            label.stylize(self.get_component_rich_style("explorer--ignored", partial=True))
        status, summary = self._status_for(entry)
        right = Text(end="")
        if status is not None:
            status_style = self.get_component_rich_style(STATUS_CLASS[status], partial=True)
            if summary:
                status_style += self.get_component_rich_style("explorer--folder-status", partial=True)
            else:
                label.stylize(status_style)
            right = Text(status.value, style=status_style, end="")
        left = Text.assemble((icon, base_style), (mark, mark_style), label)
        return self._align(node, left, right)

    def _room(self, node: TreeNode[Entry]) -> int:
        """Cells left for the label after the guides (the tree never scrolls sideways)."""
        return max(1, self.size.width - self._depth(node) * self.guide_depth - 1)

    def _align(self, node: TreeNode[Entry], left: Text, right: Text) -> Text:
        return align(left, right, self._room(node))

    def get_label_width(self, node: TreeNode[Entry]) -> int:
        # Labels are cut to the width and the status letter sits at the right edge: nothing may widen
        # the scrollable area.
        return min(label_text(node).cell_len + 6, self._room(node))

