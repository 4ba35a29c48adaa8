"""The parsed-CSS table: a second start takes each stylesheet source's rules from what the first parsed, and
every widget ends up styled exactly as a start that parses them; a table for another theme, or one that is not
ours alone or not a table, is not used."""

from __future__ import annotations

import marshal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.config import Config
from workbench.tui import css_table
from workbench.tui.app import create_app


def no_key() -> tuple[bool, str]:
    return False, "no key (test)"


@pytest.fixture
def table_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # whatever the environment running the tests says
    css_table.uninstall()
    yield tmp_path / "pycache" / "parsed-css.bin"
    css_table.uninstall()


async def styled(repo: Path, theme_dirs: list[Path] | None = None) -> dict[str, str]:
    """Every node of the first screen and the CSS it ended up with."""
    app = create_app(repo, warm_up=None, theme_dirs=theme_dirs, config=Config(), credentials=no_key)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        nodes = [app.screen, *app.screen.walk_children()]
        return {f"{n}#{i}": n.styles.css for i, n in enumerate(nodes)}


async def test_a_second_start_takes_the_rules_and_styles_every_widget_the_same(
    sample_repo: Path, table_path: Path
) -> None:
    repo = sample_repo
    parsed = await styled(repo)  # no table: Textual parses every source

    first = css_table.install(table_path)
    assert await styled(repo) == parsed
    assert first.taken == 0
    first.save()
    assert table_path.is_file() and not table_path.stat().st_mode & 0o022
    css_table.uninstall()

    second = css_table.install(table_path)
    assert await styled(repo) == parsed
    assert second.taken >= 10, "the sources came from the table"


async def test_another_theme_parses_afresh_and_the_table_then_holds_it(
    sample_repo: Path, table_path: Path, tmp_path: Path
) -> None:
    repo = sample_repo
    table = css_table.install(table_path)
    await styled(repo)
    table.save()
    css_table.uninstall()

    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "workbench-dusk.toml").write_text('name = "workbench-dusk"\nprimary = "#ff0000"\ndark = true\n')
    other = css_table.install(table_path)
    await styled(repo, theme_dirs=[themes])
    assert other.taken == 0, "rules parsed with another theme's variables were used"
    other.save()
    css_table.uninstall()

    again = css_table.install(table_path)
    await styled(repo, theme_dirs=[themes])
    assert again.taken >= 10


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda p: p.chmod(0o666), id="writable by others"),
        pytest.param(lambda p: p.write_bytes(b"\x00 not a table"), id="not a table"),
        pytest.param(
            lambda p: p.write_bytes(
                marshal.dumps((marshal.loads(p.read_bytes())[0], dict.fromkeys(marshal.loads(p.read_bytes())[1], b"x")))
            ),
            id="entries that are not rules",
        ),
    ],
)
async def test_a_table_that_cannot_be_used_is_parsed_afresh(
    sample_repo: Path, table_path: Path, spoil: object
) -> None:
    repo = sample_repo
    parsed = await styled(repo)
    table = css_table.install(table_path)
    await styled(repo)
    table.save()
    css_table.uninstall()
    spoil(table_path)  # type: ignore[operator]

    again = css_table.install(table_path)
    assert await styled(repo) == parsed
    assert again.taken == 0
