"""The fuzzy file finder modal: typing filters, matches are highlighted, enter opens, @ mentions."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.core.test_repo_sample import make_sample_repo
from workbench.tui.screens.finder import FileFinder, FinderResult


class FinderApp(App[None]):
    def __init__(self, root: Path, paths: list[str] | None = None) -> None:
        super().__init__()
        self.root_path = root
        self.paths = paths
        self.results: list[FinderResult | None] = []

    def on_mount(self) -> None:
        self.push_screen(FileFinder(self.root_path, self.paths), self.results.append)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "myservice")


def shown(app: App[None]) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_typing_filters_and_enter_opens(sample: Path) -> None:
    app = FinderApp(sample)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "src/payments.py" in shown(app) and len(shown(app)) > 5
        await pilot.press(*"paypy")
        await pilot.pause()
        assert shown(app)[0] == "src/payments.py"
        assert set(shown(app)) == {"src/payments.py", "tests/test_payments.py"}
        count = app.screen.query_one("#finder-count", Static)
        assert "2 of" in str(count.render())
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.results == [FinderResult("tests/test_payments.py", "open")]


async def test_at_mentions_and_escape_closes(sample: Path) -> None:
    app = FinderApp(sample)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press(*"retrypol")
        await pilot.pause()
        assert shown(app) == ["src/retry_policy.py"]
        await pilot.press("@")
        await pilot.pause()
        assert app.results == [FinderResult("src/retry_policy.py", "mention")]
    app = FinderApp(sample)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("z", "z", "z", "enter", "escape")
        await pilot.pause()
        assert app.results == [None]


async def test_matched_characters_are_highlighted(sample: Path) -> None:
    app = FinderApp(sample)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press(*"rdme")
        await pilot.pause()
        prompt = app.screen.query_one(OptionList).get_option_at_index(0).prompt
        assert str(prompt) == "README.md"
        styled = sorted(span.start for span in prompt.spans)  # type: ignore[union-attr]
        assert styled == [0, 3, 4, 5]  # R, D, M, E
        assert "".join(str(prompt)[i] for i in styled).lower() == "rdme"


async def test_hostile_paths_are_literal(tmp_path: Path) -> None:
    paths = ["[@click=app.quit].md", "esc\x1b[31m.txt", "rlo\u202eevil.txt"]
    app = FinderApp(tmp_path, paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shown(app) == ["[@click=app.quit].md", "esc␛[31m.txt", "rlo<U+202E>evil.txt"]
        await pilot.press(*"click", "enter")
        await pilot.pause()
        assert app.results == [FinderResult("[@click=app.quit].md", "open")]
        assert app.is_running


async def test_listing_error_is_shown(tmp_path: Path) -> None:
    app = FinderApp(tmp_path / "missing")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "not a folder" in str(app.screen.query_one("#finder-count", Static).render())


async def test_enter_right_after_typing_uses_the_latest_query(sample: Path) -> None:
    app = FinderApp(sample)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*"readme", "enter")  # no pause between the typing and enter
        await pilot.pause()
        assert app.results == [FinderResult("README.md", "open")]


def test_finder_snapshot(snap_compare: object, sample: Path) -> None:
    """You should see a "Find file" box with `pay` typed, "2 of 11 files" under it, then
    `src/payments.py` (highlighted row) and `tests/test_payments.py`, with the matched p, a and y of
    each path underlined in the accent colour."""

    async def run(pilot: Pilot[None]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"pay")
        await pilot.pause()

    assert snap_compare(FinderApp(sample), terminal_size=(80, 24), run_before=run)  # type: ignore[operator]
