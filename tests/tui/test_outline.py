"""The symbol outline: symbols of the previewed file, enter jumps; snapshots at 80x24 and 160x48."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.pilot import Pilot

from tests.core.test_repo_sample import make_sample_repo
from workbench.tui.widgets.outline import SymbolOutline
from workbench.tui.widgets.preview import FilePreview


class OutlineApp(App[None]):
    """The outline beside the preview, wired the way the main screen wires them."""

    CSS = """
    SymbolOutline { width: 36; height: 1fr; }
    FilePreview { width: 1fr; height: 1fr; }
    """

    def __init__(self, root: Path, path: str = "src/payments.py") -> None:
        super().__init__()
        self.root_path = root
        self.path = path
        self.jumps: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield SymbolOutline(self.root_path)
            yield FilePreview(self.root_path)

    def on_mount(self) -> None:
        self.query_one(SymbolOutline).show_file(self.path)
        self.query_one(FilePreview).show_file(self.path)

    def on_symbol_outline_jump_to_line(self, message: SymbolOutline.JumpToLine) -> None:
        self.jumps.append((message.path, message.line))
        preview = self.query_one(FilePreview)
        preview.jump_to_line(message.line)
        preview.focus()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "myservice")


def rows(outline: SymbolOutline) -> list[str]:
    return [outline.render_line(y).text.strip() for y in range(outline.size.height)]


async def test_outline_lists_symbols_and_enter_jumps(sample: Path) -> None:
    app = OutlineApp(sample)
    async with app.run_test(size=(100, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        outline = app.query_one(SymbolOutline)
        assert [(s.name, s.line) for s in outline.symbols] == [
            ("MAX_ATTEMPTS", 3),
            ("PaymentClient", 6),
            ("backoff_delay", 15),
        ]
        text = "\n".join(rows(outline))
        assert "class PaymentClient" in text and "def charge" in text and "def refund" in text
        outline.focus()
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert app.jumps == [("src/payments.py", 11)]
        preview = app.query_one(FilePreview)
        assert preview.cursor_line == 10 and preview.has_focus


async def test_unknown_language_and_unreadable_file(sample: Path) -> None:
    app = OutlineApp(sample, "README.md")
    async with app.run_test(size=(100, 12)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        outline = app.query_one(SymbolOutline)
        assert "No outline for this file type." in rows(outline)[0]
        outline.show_file("src/old.py")  # deleted from disk
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No symbols found." in rows(outline)[0]
        outline.focus()
        await pilot.press("enter")
        assert app.jumps == []


async def test_hostile_symbol_names_are_literal(tmp_path: Path) -> None:
    name = "[@click=app.quit]evil.py"
    (tmp_path / name).write_text("class Evil:\n    def \u202eevil(self): pass\n\nBAD_\u200bNAME = 1\n")
    app = OutlineApp(tmp_path, name)
    async with app.run_test(size=(100, 12)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        outline = app.query_one(SymbolOutline)
        text = "\n".join(rows(outline))
        assert "Evil" in text
        assert "\u202e" not in text and "\u200b" not in text
        assert "Outline  [@click=app.quit]evi" in app.export_screenshot().replace("&#160;", " ")
        for x in range(2, 30):
            await pilot.click(SymbolOutline, offset=(x, 0))
        assert app.is_running


def _settle(pilot: Pilot[None]) -> object:
    async def run() -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.query_one(SymbolOutline).focus()
        await pilot.press("down")
        await pilot.pause()

    return run()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_outline_snapshot(snap_compare: object, sample: Path, size: tuple[int, int]) -> None:
    """You should see, on the left, an "Outline  payments.py" panel listing `const MAX_ATTEMPTS 3`,
    `class PaymentClient 6` with its methods `def charge 7` and `def refund 11` indented below it, and
    `def backoff_delay 15`, with `class PaymentClient` highlighted; on the right the file with line
    numbers and Python syntax colours."""
    assert snap_compare(OutlineApp(sample), terminal_size=size, run_before=_settle)  # type: ignore[operator]


async def test_too_large_file_says_so(tmp_path: Path) -> None:
    from workbench.tui.widgets.outline import READ_CAP

    (tmp_path / "huge.py").write_bytes(b"x = 1\n" * (READ_CAP // 6 + 10))
    app = OutlineApp(tmp_path, "huge.py")
    async with app.run_test(size=(100, 10)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "File too large for an outline." in rows(app.query_one(SymbolOutline))[0]


async def test_switching_files_quickly_shows_the_last_one(sample: Path) -> None:
    app = OutlineApp(sample)
    async with app.run_test(size=(100, 12)) as pilot:
        outline = app.query_one(SymbolOutline)
        outline.show_file("src/payments.py")
        outline.show_file("src/retry.py")  # cancels the first load (exclusive worker)
        for _ in range(100):
            await pilot.pause(0.02)
            if not any(w.is_running for w in app.workers):
                break
        await pilot.pause()
        assert outline.path == "src/retry.py"
        assert [s.name for s in outline.symbols] == ["retry"]


async def test_a_long_name_never_runs_into_its_line_number(tmp_path: Path) -> None:
    repo = tmp_path / "narrow"
    (repo / "src").mkdir(parents=True)
    body = "\n" * 300 + "def rebuild_proxies_for_every_session_and_adapter(x):\n    return x\n"
    (repo / "src" / "sessions.py").write_text(body)

    class Narrow(OutlineApp):
        CSS = "SymbolOutline { width: 24; height: 1fr; } FilePreview { width: 1fr; }"

    app = Narrow(repo, "src/sessions.py")
    async with app.run_test(size=(80, 24)) as pilot:
        outline = app.query_one(SymbolOutline)
        for _ in range(100):
            if outline.symbols:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        line = next(r for r in rows(outline) if "rebuild" in r)
        assert line.endswith("… 301"), line
