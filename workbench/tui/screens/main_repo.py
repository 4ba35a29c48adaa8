"""The repository side of the main screen: explorer, outline, preview, diff, finder, mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.widgets import Static

from workbench.tui import safe
from workbench.tui.screens.main_base import MainBase

if TYPE_CHECKING:  # the explorer, outline and finder load after the first frame
    from textual.widget import Widget

    from workbench.core.repo.first_load import FirstLoad
    from workbench.tui.screens.finder import FinderResult
    from workbench.tui.widgets.explorer import RepoExplorer
    from workbench.tui.widgets.outline import SymbolOutline


class RepoActions(MainBase):
    """Handlers for the explorer, outline, preview and finder."""

    def first_explorer(self) -> list[Widget]:
        """The explorer and outline for the first frame, when the file list and git status were read ahead
        (`workbench [DIR]` starts reading them as the process starts); else nothing: a placeholder is shown and
        `mount_explorer` brings them after the first frame."""
        from workbench.core.repo.first_load import prefetched

        first = prefetched(self.request.workspace, wait=False)
        if first is None or first.listing is None:
            return []
        try:
            return self._explorer_widgets(first)
        except Exception:  # the thread's path says what is wrong
            return []

    def mount_explorer(self) -> None:
        """Mount the repo explorer and outline after the first frame (unless the first frame has them): their
        modules load in a thread, so the screen keeps drawing meanwhile."""
        if self.query("#explorer"):
            self.explorer_mounted()
            return
        self._load_explorer_code()

    @work(thread=True, group="explorer-code", exit_on_error=False, description="load the explorer")
    def _load_explorer_code(self) -> None:
        """The explorer's code, file list and git status, read off the UI thread: it is mounted with them, so
        one frame shows the tree with its letters."""
        try:
            import workbench.tui.widgets.explorer
            import workbench.tui.widgets.outline  # noqa: F401
            from workbench.core.repo.first_load import prefetched, read_first_load
        except Exception as exc:  # the pane degrades to a message; the rest of the screen works
            self.app.call_from_thread(self._explorer_unavailable, exc)
            return
        root = self.request.workspace
        first = prefetched(root, wait=True) or read_first_load(root)
        self.app.call_from_thread(self._mount_explorer_widgets, first)

    def _explorer_unavailable(self, exc: Exception) -> None:
        self.query_one("#explorer-placeholder", Static).update(Text(f"explorer unavailable: {exc}"))

    def _explorer_widgets(self, first: FirstLoad | None) -> list[Widget]:
        from workbench.tui.widgets.explorer import RepoExplorer
        from workbench.tui.widgets.outline import SymbolOutline

        root = self.request.workspace
        return [RepoExplorer(root, id="explorer", first_load=first), SymbolOutline(root, id="outline")]

    def _mount_explorer_widgets(self, first: FirstLoad | None = None) -> None:
        try:
            widgets = self._explorer_widgets(first)
        except Exception as exc:
            self._explorer_unavailable(exc)
            return
        self.query_one("#explorer-placeholder").remove()
        self.query_one("#explorer-pane").mount_all(widgets)
        self.explorer_mounted()

    def remount_explorer(self) -> None:
        """Show another folder (the demo workspace) in the explorer pane."""
        self.call_later(self._remount)

    async def _remount(self) -> None:
        await self.query("#explorer, #outline").remove()
        if not self.query("#explorer-placeholder"):
            await self.query_one("#explorer-pane").mount(Static(Text(""), id="explorer-placeholder"))
        self.mount_explorer()

    def explorer(self) -> RepoExplorer | None:
        found = self.query("#explorer")
        if not found:
            return None
        from workbench.tui.widgets.explorer import RepoExplorer  # loaded: the tree is mounted

        return found.first(RepoExplorer)

    def on_repo_explorer_file_selected(self, event: RepoExplorer.FileSelected) -> None:
        from workbench.tui.widgets.outline import SymbolOutline

        for outline in self.query("#outline").results(SymbolOutline):
            outline.show_file(event.path)
        self.open_preview(event.path)

    def on_repo_explorer_mention_requested(self, event: RepoExplorer.MentionRequested) -> None:
        self.mention(event.path)

    def on_repo_explorer_diff_requested(self, event: RepoExplorer.DiffRequested) -> None:
        from workbench.tui.screens.repo_view import DiffScreen

        self.app.push_screen(DiffScreen(self.request.workspace, event.path))

    def on_repo_explorer_agent_history_requested(self, event: RepoExplorer.AgentHistoryRequested) -> None:
        self.show_file_history(event.path)

    def on_symbol_outline_jump_to_line(self, event: SymbolOutline.JumpToLine) -> None:
        self.open_preview(event.path, event.line)

    def open_preview(self, path: str, line: int | None = None) -> None:
        from workbench.tui.screens.repo_view import PreviewScreen

        self.app.push_screen(PreviewScreen(self.request.workspace, path, line, self.mention))

    def action_find_file(self) -> None:
        from workbench.tui.screens.finder import FileFinder

        def chosen(result: FinderResult | None) -> None:
            if result is None:
                return
            if result.action == "mention":
                self.mention(result.path)
            else:
                self.open_preview(result.path)

        self.app.push_screen(FileFinder(self.request.workspace, self.files or None), chosen)

    def show_file_history(self, path: str) -> None:
        """The evidence of every call that read or changed `path`, as an outline to jump through."""
        t = self.chat.transcript
        rows = []
        for index, entry in enumerate(t.entries):
            data = t.evidence.get(entry.eid or "")
            fin = data.finished if data else None
            if data and fin and (path in fin.files_read or path in fin.files_changed):
                verb = "changed" if path in fin.files_changed else "read"
                rows.append((index, f"{data.eid} {safe.one_line(data.tool, 30)} {verb}"))
        if not rows:
            self.notify(f"The agent has not touched {safe.one_line(path, 80)} in this session.", markup=False)
            return
        self.push_outline([], rows)

    def push_outline(self, turns: list[tuple[int, str]], evidence: list[tuple[int, str]]) -> None:
        """The outline dialog over `turns` and `evidence` (transcript entry indexes); Enter jumps there."""
        from workbench.tui.screens.modals import EvidenceScreen, OutlineScreen

        t = self.chat.transcript

        def jump(index: int | None) -> None:
            if index is not None and 0 <= index < len(t.entries):
                entry = t.entries[index]
                self.action_pane("chat")
                t.reveal(entry)
                if entry.widget is None and entry.eid in t.evidence:
                    self.app.push_screen(EvidenceScreen(t.evidence[entry.eid]))

        self.app.push_screen(OutlineScreen(turns, evidence), jump)

    def repo_files(self) -> list[str]:
        return self.files

    def mention_targets(self) -> list[str]:
        """What `@` completes to in the prompt: the repository's files, then the running MCP servers' resources
        (`server:uri`, which the session attaches when the prompt is sent)."""
        from workbench.core.project import resource_mentions

        hub = self.request.mcp
        resources = [m.removeprefix("@") for m in resource_mentions(hub.manager if hub is not None else None)]
        return [*self.files, *resources] if resources else self.files

    def mention(self, path: str) -> None:
        self.action_pane("chat")
        self.chat.prompt.mention(path)
