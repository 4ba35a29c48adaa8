"""quiet_gc(): the collector off inside the block, nested and from threads; back on after the last block ends,
and only if it was on before."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from workbench.core.quietgc import quiet_gc


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_off_inside_nested_blocks_and_on_after() -> None:
    with quiet_gc():
        assert not gc.isenabled()
        with quiet_gc():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner block turned it back on while the outer one runs"
    assert gc.isenabled()


def test_on_again_after_an_exception() -> None:
    with pytest.raises(ValueError), quiet_gc():
        raise ValueError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with quiet_gc():
        pass
    assert not gc.isenabled()


def test_threads_overlapping_blocks() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with quiet_gc():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with quiet_gc():
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled(), "the main block ended while the thread's block still runs"
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_startup_hold_lasts_until_done_and_outlives_blocks() -> None:
    from workbench.core.quietgc import hold_for_startup, startup_done

    startup_done()  # nothing held: nothing happens
    assert gc.isenabled()
    hold_for_startup()
    hold_for_startup()  # taken once
    with quiet_gc():
        pass
    assert not gc.isenabled(), "a block ending turned the collector on during the startup hold"
    startup_done()
    assert gc.isenabled()
    startup_done()
    assert gc.isenabled()
