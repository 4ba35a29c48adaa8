"""Every command returns argparse's verdict as its exit code (0 after --help, 2 for a usage error) instead of
letting SystemExit end the process, and says what was wrong."""

from __future__ import annotations

import pytest

from workbench.cli import main

COMMANDS = ["run", "sessions", "mcp", "doctor", "trust", "untrust", "skills", "acp"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_0_and_a_usage_error_is_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "usage:" in capsys.readouterr().out
    assert main([command, "--no-such-option"]) == 2
    assert "error:" in capsys.readouterr().err
