"""The explorer's first load read ahead (`workbench [DIR]` starts it as the process starts): handed over once,
waited for when asked to, left pending when not ready, and read afresh when none was started."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.tui.samples import make_repo
from workbench.core.repo import first_load
from workbench.core.repo.first_load import FirstLoad, prefetch, prefetched, read_first_load


def test_prefetched_once_with_the_listing_and_the_letters(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    prefetch(repo)
    prefetch(repo)  # one read per folder
    got = prefetched(repo, wait=True)
    assert got is not None and got.listing is not None and got.status is not None
    assert got == read_first_load(repo)
    assert prefetched(repo, wait=True) is None, "handed over twice"
    assert prefetched(tmp_path / "elsewhere", wait=True) is None


def test_not_ready_stays_pending_until_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    gate = threading.Event()
    real = first_load.read_first_load

    def slow(root: Path) -> FirstLoad:
        gate.wait(10)
        return real(root)

    monkeypatch.setattr(first_load, "read_first_load", slow)
    prefetch(repo)
    assert prefetched(repo, wait=False) is None  # not read yet: the first frame shows a placeholder
    gate.set()
    got = prefetched(repo, wait=True)  # the explorer's worker waits for the same read
    assert got is not None and got.status is not None


def test_a_failed_read_is_none_and_the_caller_reads_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(root: Path) -> FirstLoad:
        raise OSError("disk gone")

    monkeypatch.setattr(first_load, "read_first_load", broken)
    prefetch(tmp_path)
    assert prefetched(tmp_path, wait=True) is None
