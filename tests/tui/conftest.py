"""Fixtures for the screen tests: a sample repo with git changes and an app factory over scripted sessions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.tui.samples import make_repo
from tests.tui.scripted import Ask, ScriptedSession, make_persona, scripted_factory
from workbench.config import Config
from workbench.core.events import Event
from workbench.tui.app import WorkbenchApp, create_app

AppMaker = Callable[..., WorkbenchApp]


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


@pytest.fixture
def made_sessions() -> list[ScriptedSession]:
    return []


@pytest.fixture
def make_app(sample_repo: Path, made_sessions: list[ScriptedSession]) -> AppMaker:
    """An app on the sample repo whose sessions play scripted turns (the real approver answers asks)."""

    def make(
        turns: Sequence[Sequence[Event | Ask]] = (),
        *,
        key: bool = True,
        config: Config | None = None,
        **kwargs: Any,
    ) -> WorkbenchApp:
        factory = scripted_factory([list(t) for t in turns], made=made_sessions, **kwargs)
        return create_app(
            sample_repo,
            persona=make_persona(),
            factory=factory,
            config=config or Config(),
            credentials=(lambda: (True, "test key")) if key else (lambda: (False, "No API key is set (test).")),
        )

    return make


async def wait_until(pilot: Any, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Pause the pilot until `condition()` holds; fail clearly when it never does."""
    steps = int(timeout / 0.02)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")
