"""File preview and diff view: highlighting, jumps, and hostile, binary, huge and invalid files."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tests.core.test_repo_sample import make_sample_repo
from workbench.tui.widgets.preview import DiffView, FilePreview


class PreviewApp(App[None]):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root_path = root
        self.loaded: list[str] = []

    def compose(self) -> ComposeResult:
        yield FilePreview(self.root_path)
        yield DiffView(self.root_path)

    def on_file_preview_loaded(self, message: FilePreview.Loaded) -> None:
        self.loaded.append(message.path)


def text_of(view: FilePreview | DiffView) -> list[str]:
    return [view.render_line(y).text.rstrip() for y in range(view.size.height)]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "myservice")


async def show(app: PreviewApp, path: str, line: int | None = None) -> FilePreview:
    preview = app.query_one(FilePreview)
    preview.show_file(path, line)
    await app.workers.wait_for_complete()
    return preview


async def test_preview_highlights_visible_python(sample: Path) -> None:
    app = PreviewApp(sample)
    async with app.run_test(size=(70, 30)) as pilot:
        preview = await show(app, "src/payments.py")
        await pilot.pause()
        assert app.loaded == ["src/payments.py"]
        lines = text_of(preview)
        assert lines[0].startswith('  1 """Payments."""')
        strip = preview.render_line(5)  # `class PaymentClient:` (line 6)
        colours = {seg.style.color for seg in strip if seg.style is not None and seg.text.strip() == "class"}
        plain = {seg.style.color for seg in strip if seg.style is not None and seg.text.strip() == ":"}
        assert colours and colours != plain  # the keyword is coloured differently from punctuation
        assert preview.border_title == "src/payments.py"


async def test_jump_to_line_moves_the_cursor_and_scrolls(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text("".join(f"x_{i} = {i}\n" for i in range(1, 501)))
    app = PreviewApp(tmp_path)
    async with app.run_test(size=(60, 30)) as pilot:
        preview = await show(app, "long.py", line=400)
        await pilot.pause()
        assert preview.cursor_line == 399
        assert preview.scroll_y > 300
        assert any(line.strip().startswith("400 x_400 = 400") for line in text_of(preview))
        preview.focus()
        await pilot.press("down", "down", "end")
        assert preview.cursor_line == 499
        await pilot.press("home")
        assert preview.cursor_line == 0 and preview.scroll_y == 0


async def test_hostile_content_is_shown_as_data(tmp_path: Path) -> None:
    hostile = "[bold]b[/bold] [@click=app.quit]q[/]\x1b[2J\x1b]0;title\x07 \u202eevil\n" + "w" * 10_000 + "\n"
    (tmp_path / "h.txt").write_text(hostile)
    app = PreviewApp(tmp_path)
    async with app.run_test(size=(90, 10)) as pilot:
        preview = await show(app, "h.txt")
        await pilot.pause()
        first = text_of(preview)[0]
        assert "[bold]b[/bold] [@click=app.quit]q[/]␛[2J␛]0;title␇ <U+202E>evil" in first
        for y in range(preview.size.height):
            for segment in preview.render_line(y):
                assert "\x1b" not in segment.text and "\u202e" not in segment.text and "\x07" not in segment.text
        assert text_of(preview)[1].endswith("w")  # the 10k line is cut to the view, not wrapped
        await pilot.click(FilePreview, offset=(10, 1))
        assert app.is_running


async def test_binary_huge_and_invalid_files(tmp_path: Path) -> None:
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0" * 100)
    (tmp_path / "big.log").write_bytes(b"0123456789\n" * 200_000)
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 \xff\n")
    app = PreviewApp(tmp_path)
    async with app.run_test(size=(80, 12)) as pilot:
        preview = await show(app, "img.png")
        await pilot.pause()
        assert "binary file" in str(preview.border_subtitle) and text_of(preview)[0].startswith("binary file")
        preview = await show(app, "big.log")
        assert "showing the first" in str(preview.border_subtitle)
        assert len(preview.lines) < 200_000
        preview = await show(app, "bad.txt")
        await pilot.pause()
        assert "invalid UTF-8" in str(preview.border_subtitle)
        assert text_of(preview)[0] == " 1 caf\ufffd \ufffd"
        preview = await show(app, "missing.txt")
        await pilot.pause()
        assert text_of(preview)[0].startswith("deleted")


async def test_diff_view_colours_lines_and_reports_errors(sample: Path, tmp_path: Path) -> None:
    app = PreviewApp(sample)
    async with app.run_test(size=(80, 30)) as pilot:
        diff = app.query_one(DiffView)
        diff.show_diff("src/payments.py")
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = text_of(diff)
        removed = next(i for i, line in enumerate(lines) if line.startswith("-        for"))
        added = next(i for i, line in enumerate(lines) if line.startswith("+        for"))
        colour = {y: {s.style.bgcolor for s in diff.render_line(y) if s.style} for y in (removed, added)}
        assert colour[removed] != colour[added]
        diff.show_diff("src/retry.py")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(diff)[0] == "No changes."
        diff.set_diff("+\x1b[31mred\n-[bold]x\n", "agent edit")
        await pilot.pause()
        assert text_of(diff)[:2] == ["+␛[31mred", "-[bold]x"]
        assert diff.border_title == "agent edit"


async def test_diff_outside_git_says_so(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    app = PreviewApp(tmp_path)
    async with app.run_test(size=(60, 10)) as pilot:
        diff = app.query_one(DiffView)
        diff.show_diff("a.txt")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "not a git repository" in text_of(diff)[0]


async def test_click_moves_the_cursor_and_a_second_jump_does_not_reload(sample: Path) -> None:
    app = PreviewApp(sample)
    async with app.run_test(size=(70, 30)) as pilot:
        preview = await show(app, "src/payments.py")
        await pilot.pause()
        await pilot.click(FilePreview, offset=(10, 5))  # the border takes row 0: row 5 is line 5
        assert preview.cursor_line == 4
        preview.show_file("src/payments.py", 11)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert preview.cursor_line == 10
        assert app.loaded == ["src/payments.py"]


async def test_theme_change_recolours_the_preview(sample: Path) -> None:
    app = PreviewApp(sample)
    async with app.run_test(size=(70, 30)) as pilot:
        preview = await show(app, "src/payments.py")
        await pilot.pause()

        def keyword_colour() -> object:
            return next(s.style.color for s in preview.render_line(5) if s.style and s.text == "class")

        dark = keyword_colour()
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        assert keyword_colour() != dark


async def test_hostile_file_name_in_titles_is_literal(tmp_path: Path) -> None:
    name = "[@click=app.quit]x[-bold].py"
    (tmp_path / name).write_text("x = 1\n")
    app = PreviewApp(tmp_path)
    async with app.run_test(size=(80, 10)) as pilot:
        await show(app, name)
        app.query_one(DiffView).set_diff("", name)
        await pilot.pause()
        svg = app.export_screenshot()
        assert svg.count("[@click=app.quit]x[-bold].py") == 2  # both titles, literally
        for x in range(2, 30):
            await pilot.click(FilePreview, offset=(x, 0))  # along the title
        await pilot.pause()
        assert app.is_running


async def test_results_arriving_after_removal_are_dropped(sample: Path) -> None:
    app = PreviewApp(sample)
    async with app.run_test(size=(70, 20)) as pilot:
        preview = app.query_one(FilePreview)
        diff = app.query_one(DiffView)
        preview.show_file("src/payments.py")
        diff.show_diff("src/payments.py")
        await preview.remove()
        await diff.remove()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app.loaded == []


async def test_reload_reads_the_file_again_and_keeps_the_line(sample: Path) -> None:
    app = PreviewApp(sample)
    async with app.run_test(size=(70, 30)) as pilot:
        preview = await show(app, "src/payments.py", line=11)
        await pilot.pause()
        (sample / "src/payments.py").write_text("# rewritten\n" * 20)
        preview.reload()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert preview.lines[0] == "# rewritten" and preview.cursor_line == 10
        assert app.loaded == ["src/payments.py", "src/payments.py"]


async def test_a_jump_target_stays_marked_without_focus(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("".join(f"v{i} = {i}\n" for i in range(40)))
    app = PreviewApp(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        preview = await show(app, "a.py")
        app.query_one(DiffView).focus()
        await pilot.pause()
        assert not preview.has_focus

        def backgrounds(y: int) -> set[object]:
            return {s.style.bgcolor for s in preview.render_line(y) if s.style}

        plain = backgrounds(0)
        preview.jump_to_line(3)
        await pilot.pause()
        row = 2 - int(preview.scroll_y)
        assert backgrounds(row) != plain  # marked although the preview has no focus
