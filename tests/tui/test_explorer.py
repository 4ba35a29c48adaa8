"""The repo explorer driven by keys on real git repositories (App.run_test + Pilot)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.message import Message

from tests.core.test_repo_sample import git, make_sample_repo, write
from workbench.core.repo import StatusReport
from workbench.tui.widgets.explorer import RepoExplorer


class ExplorerApp(App[None]):
    def __init__(self, root: Path, poll_seconds: float | None = None) -> None:
        super().__init__()
        self.root_path = root
        self.poll_seconds = poll_seconds
        self.messages: list[Message] = []
        self.statuses: list[StatusReport] = []

    def compose(self) -> ComposeResult:
        yield RepoExplorer(self.root_path, poll_seconds=self.poll_seconds)

    def on_repo_explorer_file_selected(self, message: RepoExplorer.FileSelected) -> None:
        self.messages.append(message)

    def on_repo_explorer_mention_requested(self, message: RepoExplorer.MentionRequested) -> None:
        self.messages.append(message)

    def on_repo_explorer_diff_requested(self, message: RepoExplorer.DiffRequested) -> None:
        self.messages.append(message)

    def on_repo_explorer_agent_history_requested(self, message: RepoExplorer.AgentHistoryRequested) -> None:
        self.messages.append(message)

    def on_repo_explorer_status_changed(self, message: RepoExplorer.StatusChanged) -> None:
        self.statuses.append(message.status)


def screen_lines(explorer: RepoExplorer) -> list[str]:
    return [explorer.render_line(y).text.rstrip() for y in range(explorer.size.height)]


def row(explorer: RepoExplorer, name: str) -> str:
    matches = [line for line in screen_lines(explorer) if f" {name} " in line + " "]
    assert matches, f"{name!r} not on screen:\n" + "\n".join(screen_lines(explorer))
    return matches[0]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "myservice")


async def test_status_letters_and_branch(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.query_one(RepoExplorer)
        explorer.select_path("src/payments.py")
        await pilot.pause()
        assert screen_lines(explorer)[0].endswith("main")
        assert row(explorer, "payments.py").endswith("M")
        assert row(explorer, "backoff.py").endswith("A")
        assert row(explorer, "old.py").endswith("D")
        assert row(explorer, "retry_policy.py").endswith("R")
        assert row(explorer, "conflict.txt").endswith("!")
        assert row(explorer, "notes.txt").endswith("?")
        assert row(explorer, "drafts").endswith("?")
        assert row(explorer, "retry.py").endswith("retry.py")
        assert not any("build" in line for line in screen_lines(explorer))
        assert explorer.select_path("drafts/idea.md")  # an untracked folder, read from disk when opened
        await pilot.pause()
        assert row(explorer, "idea.md").endswith("?")


async def test_keys_post_messages_for_the_cursor_path(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.focus()
        assert explorer.select_path("src/payments.py")
        await pilot.pause()
        assert explorer.cursor_path == "src/payments.py"
        await pilot.press("enter", "@", "d", "h")
        await pilot.pause()
        kinds = [(type(m).__name__, getattr(m, "path", None)) for m in app.messages]
        assert kinds == [
            ("FileSelected", "src/payments.py"),
            ("MentionRequested", "src/payments.py"),
            ("DiffRequested", "src/payments.py"),
            ("AgentHistoryRequested", "src/payments.py"),
        ]
        assert not explorer.select_path("src/missing.py")


async def test_folders_load_on_expand_and_mention_as_folders(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.focus()
        await pilot.pause()
        assert not any("test_payments.py" in line for line in screen_lines(explorer))
        tests_node = next(n for n in explorer.root.children if n.data is not None and n.data.name == "tests")
        assert not tests_node.children  # nothing loaded before it is opened
        explorer.move_cursor(tests_node)
        await pilot.press("enter")
        await pilot.pause()
        assert any("test_payments.py" in line for line in screen_lines(explorer))
        await pilot.press("@", "d")  # d on a folder does nothing
        await pilot.pause()
        assert [(type(m).__name__, getattr(m, "path", None)) for m in app.messages] == [("MentionRequested", "tests/")]


async def test_marks_for_read_and_changed_files(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.select_path("src/retry.py")
        explorer.mark_files(read=["src/retry.py", "src/payments.py"], changed=["src/payments.py"])
        await pilot.pause()
        assert "● payments.py" in row(explorer, "payments.py")
        assert "○ retry.py" in row(explorer, "retry.py")
        explorer.clear_marks()
        await pilot.pause()
        assert "●" not in row(explorer, "payments.py") and "○" not in row(explorer, "retry.py")


async def test_show_ignored_lists_ignored_folders_lazily(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 30)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.focus()
        await pilot.press("i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert explorer.show_ignored
        assert row(explorer, "build")
        assert row(explorer, "debug.log")
        assert explorer.select_path("build/out.bin")
        await pilot.pause()
        assert row(explorer, "out.bin")
        await pilot.press("i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not any("debug.log" in line for line in screen_lines(explorer))


async def test_refresh_status_after_a_change(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.select_path("src/retry.py")
        await pilot.pause()
        write(sample, "src/retry.py", "def retry(fn):\n    return None\n")
        write(sample, "src/fresh.py", "x = 1\n")
        (sample / "src/backoff.py").unlink()
        git(sample, "rm", "-q", "--cached", "src/backoff.py")
        explorer.refresh_status()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row(explorer, "retry.py").endswith("M")
        assert row(explorer, "fresh.py").endswith("?")
        assert len(app.statuses) == 2 and app.statuses[-1].status_of("src/fresh.py") is not None
        assert not any("backoff.py" in line for line in screen_lines(explorer))
        assert explorer.cursor_path == "src/retry.py"  # the cursor stays where it was


async def test_polling_notices_changes_on_disk(sample: Path) -> None:
    app = ExplorerApp(sample, poll_seconds=0.05)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.select_path("src/retry.py")
        await pilot.pause(0.2)
        path = sample / "src/retry.py"
        path.write_text("changed\n")
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        for _ in range(60):
            await pilot.pause(0.05)
            if explorer.status and explorer.status.status_of("src/retry.py") is not None:
                break
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert row(explorer, "retry.py").endswith("M")


async def test_hostile_names_are_shown_literally_and_run_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "hostile"
    repo.mkdir()
    git(repo, "init", "-q")
    names = ["[bold]x.txt", "[@click=app.quit].md", "esc\x1b[31mred.txt", "new\nline.txt", "rlo\u202eevil.txt"]
    for name in names:
        write(repo, name, "x\n")
    app = ExplorerApp(repo)
    async with app.run_test(size=(60, 12)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.query_one(RepoExplorer)
        text = "\n".join(screen_lines(explorer))
        assert "[bold]x.txt" in text
        assert "[@click=app.quit].md" in text
        assert "esc␛[31mred.txt" in text and "\x1b" not in text
        assert "new␤line.txt" in text
        assert "rlo<U+202E>evil.txt" in text and "\u202e" not in text
        node = explorer._by_path["[@click=app.quit].md"]
        explorer.move_cursor(node)
        await pilot.click(RepoExplorer, offset=(8, node.line))
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running
        assert any(getattr(m, "path", "") == "[@click=app.quit].md" for m in app.messages)
        for y in range(explorer.size.height):
            for segment in explorer.render_line(y):
                assert "\x1b" not in segment.text


async def test_plain_folder_outside_git(tmp_path: Path) -> None:
    write(tmp_path, "proj/.gitignore", "*.tmp\n")
    write(tmp_path, "proj/a.py", "")
    write(tmp_path, "proj/junk.tmp", "")
    app = ExplorerApp(tmp_path / "proj")
    async with app.run_test(size=(40, 10)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.query_one(RepoExplorer)
        text = "\n".join(screen_lines(explorer))
        assert "a.py" in text and "junk.tmp" not in text
        assert explorer.status is None and explorer.error is None


async def test_missing_folder_reports_an_error(tmp_path: Path) -> None:
    app = ExplorerApp(tmp_path / "gone")
    async with app.run_test(size=(40, 10)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.query_one(RepoExplorer)
        assert explorer.error is not None and "not a folder" in explorer.error
        assert app.is_running


async def test_refresh_without_changes_keeps_the_tree(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.select_path("src/retry.py")
        node = explorer._by_path["src/retry.py"]
        explorer.refresh_status()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert explorer._by_path["src/retry.py"] is node  # not rebuilt
        assert explorer.cursor_path == "src/retry.py"


def testbranch_label() -> None:
    from workbench.core.repo import StatusReport
    from workbench.tui.widgets.explorer_label import branch_label

    assert branch_label(None) == ""
    assert branch_label(StatusReport(branch="main", oid="a" * 40)) == "main"
    assert branch_label(StatusReport(branch="dev", oid="a" * 40, ahead=2, behind=1)) == "dev ↑2 ↓1"
    assert branch_label(StatusReport(branch=None, oid="a" * 40)) == "(detached)"
    assert branch_label(StatusReport(branch="x\x1b[2J", oid=None)) == "x␛[2J"


async def test_narrow_explorer_cuts_long_names_and_keeps_letters(sample: Path) -> None:
    write(sample, "src/a_very_long_file_name_that_does_not_fit_anywhere.py", "x\n")
    write(sample, "a_long_ignored_name_at_the_top_level.log", "x\n")  # ignored: no status letter
    app = ExplorerApp(sample)
    async with app.run_test(size=(22, 24)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        explorer.show_ignored = True
        await app.workers.wait_for_complete()
        explorer.select_path("src/payments.py")
        await pilot.pause()
        lines = screen_lines(explorer)
        assert explorer.virtual_size.width <= explorer.size.width  # no sideways scrolling
        long_row = row(explorer, "a_very_lon…")
        assert long_row.endswith("?") and len(long_row) <= explorer.size.width
        assert any(line.endswith("…") and "a_long_ig" in line for line in lines), "\n".join(lines)
        assert row(explorer, "payments.py").endswith("M")


async def test_removed_explorer_ignores_late_results(sample: Path) -> None:
    app = ExplorerApp(sample, poll_seconds=0.01)
    async with app.run_test(size=(50, 10)) as pilot:
        explorer = app.query_one(RepoExplorer)
        explorer.refresh_status()
        await explorer.remove()
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        assert app.is_running


async def test_refresh_calls_during_a_read_fold_into_one_more_read(sample: Path) -> None:
    app = ExplorerApp(sample)
    async with app.run_test(size=(50, 10)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.query_one(RepoExplorer)
        assert len(app.statuses) == 1
        write(sample, "late.txt", "x\n")
        for _ in range(3):
            explorer.refresh_status()
        for _ in range(200):
            await pilot.pause(0.01)
            if not explorer._loading:
                break
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.statuses) == 3  # the first call reads; the other two become one more read
        assert app.statuses[-1].status_of("late.txt") is not None


async def test_explorer_on_a_subfolder_of_a_repository(sample: Path) -> None:
    app = ExplorerApp(sample / "src")
    async with app.run_test(size=(50, 12)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        explorer = app.query_one(RepoExplorer)
        assert screen_lines(explorer)[0].startswith("▼ src")
        assert row(explorer, "payments.py").endswith("M")
        assert row(explorer, "old.py").endswith("D")
        assert not any("conflict.txt" in line for line in screen_lines(explorer))


async def test_polling_in_a_worktree_notices_a_commit(sample: Path, tmp_path: Path) -> None:
    tree = tmp_path / "wt"
    git(sample, "worktree", "add", "-q", str(tree), "HEAD")
    app = ExplorerApp(tree, poll_seconds=0.05)
    async with app.run_test(size=(50, 12)) as pilot:
        await app.workers.wait_for_complete()
        explorer = app.query_one(RepoExplorer)
        assert explorer._git_files[0].endswith("index") and "/.git/worktrees/" in explorer._git_files[0]
        await pilot.pause(0.2)
        write(tree, "README.md", "# changed\n")
        git(tree, "add", "README.md")  # only the worktree's index changes
        for _ in range(60):
            await pilot.pause(0.05)
            if explorer.status and explorer.status.status_of("README.md") is not None:
                break
        assert explorer.status is not None and explorer.status.status_of("README.md") is not None
