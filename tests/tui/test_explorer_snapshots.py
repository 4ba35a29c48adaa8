"""Snapshots of the explorer on a repository with every git state (80x24 and 160x48)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.pilot import Pilot

from tests.core.test_repo_sample import make_sample_repo
from workbench.tui.widgets.explorer import RepoExplorer
from workbench.tui.widgets.outline import SymbolOutline
from workbench.tui.widgets.preview import DiffView, FilePreview


class RepoPaneApp(App[None]):
    """The repo side of the workbench: explorer over outline, and the preview (or a diff) beside them."""

    CSS = """
    #side { width: 36; }
    RepoExplorer { height: 2fr; border: round $panel; }
    SymbolOutline { height: 1fr; }
    FilePreview, DiffView { width: 1fr; }
    DiffView { display: none; }
    .-diff FilePreview { display: none; }
    .-diff DiffView { display: block; }
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root_path = root

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="side"):
                yield RepoExplorer(self.root_path, poll_seconds=None)
                yield SymbolOutline(self.root_path)
            yield FilePreview(self.root_path)
            yield DiffView(self.root_path)

    def on_repo_explorer_file_selected(self, message: RepoExplorer.FileSelected) -> None:
        self.screen.remove_class("-diff")
        self.query_one(FilePreview).show_file(message.path)
        self.query_one(SymbolOutline).show_file(message.path)

    def on_repo_explorer_diff_requested(self, message: RepoExplorer.DiffRequested) -> None:
        self.screen.add_class("-diff")
        self.query_one(DiffView).show_diff(message.path)


async def _open_payments(pilot: Pilot[None], keys: tuple[str, ...]) -> None:
    app = pilot.app
    await app.workers.wait_for_complete()
    explorer = app.query_one(RepoExplorer)
    explorer.focus()
    explorer.select_path("tests/test_payments.py")
    explorer.select_path("src/payments.py")
    explorer.mark_files(read=["src/retry.py", "src/payments.py"], changed=["src/payments.py"])
    await pilot.pause()
    await pilot.press(*keys)
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "myservice")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_explorer_with_git_changes(snap_compare: object, sample: Path, size: tuple[int, int]) -> None:
    """You should see the tree of `myservice` (branch `main` at the right of the root) with `drafts ?`,
    `src` opened: `backoff.py A`, `old.py D`, `● payments.py M` (changed by the agent, under the cursor),
    `○ retry.py` (read), `retry_policy.py R`; `tests` opened with `test_payments.py`; then `conflict.txt !`,
    `notes.txt ?` and `README.md`. No `build` folder (ignored). Below, the outline of payments.py; on the
    right, payments.py with line numbers and colours."""

    async def run(pilot: Pilot[None]) -> None:
        await _open_payments(pilot, ("enter",))

    assert snap_compare(RepoPaneApp(sample), terminal_size=size, run_before=run)  # type: ignore[operator]


def test_explorer_diff_of_a_modified_file(snap_compare: object, sample: Path) -> None:
    """You should see the same tree, and on the right the diff of src/payments.py: file headers in bold,
    the hunk header, `-        for attempt in range(MAX_ATTEMPTS):` in red and
    `+        for attempt in range(policy.max_attempts):` in green."""

    async def run(pilot: Pilot[None]) -> None:
        await _open_payments(pilot, ("d",))

    assert snap_compare(RepoPaneApp(sample), terminal_size=(100, 24), run_before=run)  # type: ignore[operator]
