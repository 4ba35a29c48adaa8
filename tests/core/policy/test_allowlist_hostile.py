"""Allowlist entries a hostile-input review found too wide: each command must ask (or be denied), and the card
must name the word that made it ask."""

from __future__ import annotations

import pytest

from tests.core.policy.conftest import EngineFactory, bash
from workbench.core.approvals import Verdict


@pytest.mark.parametrize(
    ("command", "word"),
    [
        ("sort --files0-from=names", "--files0-from"),  # sorts the files the list names, unchecked
        ("wc --files0-from names", "--files0-from"),
        ("du --files0-from=names", "--files0-from"),
        ("file -f names", "-f"),
        ("file -m formats.magic README.md", "-m"),  # a magic file can print what file read
        ("git config --blob HEAD~1:secrets.toml --list", "--blob"),
        ("git status --ignore-submodules=none", "--ignore-submodules=none"),  # runs submodules' filters
        ("git status --ignore-submodules=untracked", "--ignore-submodules=untracked"),
        ("git diff --submodule=diff", "--submodule=diff"),
        ("git log -p --submodule=diff", "--submodule=diff"),
    ],
)
def test_it_asks_and_names_the_word(engine_for: EngineFactory, command: str, word: str) -> None:
    evaluation = bash(engine_for(), command)
    assert evaluation.verdict is Verdict.ASK, (command, evaluation.reason)
    assert word in evaluation.reason, evaluation.reason


@pytest.mark.parametrize(
    "command",
    ["file .env", "file config/.env.production", "wc --files0-from=.env", "sort --files0-from=.env"],
)
def test_a_secret_named_by_an_unlisted_option_or_read_by_file_is_denied(
    engine_for: EngineFactory, command: str
) -> None:
    evaluation = bash(engine_for(allow=["Bash"]), command)
    assert evaluation.verdict is Verdict.DENY, (command, evaluation.reason)


@pytest.mark.parametrize(
    "command",
    [
        "file README.md",
        "git status --ignore-submodules",
        "git status --ignore-submodules=dirty",
        "git diff --submodule=log",
        "git diff --submodule",
    ],
)
def test_what_stays_read_only(engine_for: EngineFactory, command: str) -> None:
    assert bash(engine_for(), command).verdict is Verdict.ALLOW
