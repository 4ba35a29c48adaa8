"""Placeholders stay while commands keep coming, go once they stop, and are shared between sessions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workbench.core.sandbox import placeholders
from workbench.core.sandbox.placeholders import Placeholders


def made_by_bwrap(path: Path) -> None:
    path.mkdir()  # what bwrap does for a mount point that is missing


def test_removed_once_commands_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(placeholders, "IDLE_S", 0.3)
    target = tmp_path / ".claude"
    held = Placeholders()
    held.hold([str(target)])
    made_by_bwrap(target)
    held.done()
    held.hold([str(target)])  # the next command comes quickly: the folder stays
    time.sleep(0.5)
    assert target.is_dir()
    held.done()
    deadline = time.monotonic() + 5
    while target.exists():
        assert time.monotonic() < deadline, "the placeholder was never removed"
        time.sleep(0.05)


def test_the_last_session_out_removes_it_and_a_users_folder_stays(tmp_path: Path) -> None:
    target = tmp_path / ".mcp.json"
    first, second = Placeholders(), Placeholders()
    first.hold([str(target)])
    made_by_bwrap(target)
    second.hold([str(target)])  # another session sees the folder: it did not make it
    first.done()
    first.release_now()
    assert target.is_dir()  # the second session still mounts over it
    second.done()
    second.release_now()
    assert not target.exists()
    users = tmp_path / ".gemini"
    users.mkdir()  # there before any sandbox: never removed
    third = Placeholders()
    third.hold([str(users)])
    third.done()
    third.release_now()
    assert users.is_dir()


def test_a_folder_that_gained_files_is_kept(tmp_path: Path) -> None:
    target = tmp_path / ".claude"
    held = Placeholders()
    held.hold([str(target)])
    made_by_bwrap(target)
    (target / "settings.json").write_text("{}")  # the user wrote it on the host meanwhile
    held.done()
    held.release_now()
    assert (target / "settings.json").read_text() == "{}"
