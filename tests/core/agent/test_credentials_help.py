"""The no-credentials help is read in an 80-column terminal's chat pane (76 cells) and on stderr: no line of it
may wrap there, and each export line stays a command a user can paste."""

from __future__ import annotations

from workbench.core.agent.client import CREDENTIALS_HELP
from workbench.paths import command


def test_the_help_fits_an_80_column_chat_pane() -> None:
    demo = f"`{command('demo')}`"
    lines = [line for line in CREDENTIALS_HELP.splitlines() if demo not in line]  # the path is the user's own
    assert lines and max(len(line) for line in lines) <= 76, lines
    exports = [line.strip().split("#")[0].strip() for line in lines if line.strip().startswith("export ")]
    assert len(exports) == 5 and all("=" in e and " " not in e.removeprefix("export ") for e in exports)
