"""In the screen: approve a command "this session", revoke it in the grants dialog, quit, `--continue`: the grant stays
revoked, and the same command asks again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import wait_until
from workbench.config import Config
from workbench.testing import MessagesPeer, reply, text, tool_use
from workbench.tui import host
from workbench.tui.app import create_app
from workbench.tui.screens.modals import LedgerScreen
from workbench.tui.widgets.approval import GRACE_S, ApprovalCard


def _touch() -> list:  # type: ignore[type-arg]
    return [reply(tool_use("Bash", {"command": "touch out.txt"})), reply(text("Touched."))]


async def test_a_grant_revoked_in_the_dialog_stays_revoked_after_continue(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MessagesPeer([*_touch(), *_touch()]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        first = create_app(sample_repo, config=Config())
        async with first.run_test(size=(120, 40)) as pilot:
            screen = first.screen
            await pilot.press(*"touch it", "enter")
            await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=20)
            card = screen.query_one(ApprovalCard)
            card.focus()
            await pilot.pause(GRACE_S + 0.05)
            await pilot.press("s")  # allow for this session
            await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)
            assert [r.pattern for r in host.ledger_rows(screen.session)] == ["Bash(touch out.txt)"]
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: isinstance(first.screen, LedgerScreen))
            await pilot.press("r")  # revoke the highlighted grant
            await pilot.press("escape")
            assert host.ledger_rows(screen.session) == []
        again = create_app(sample_repo, config=Config(), continue_=True)
        async with again.run_test(size=(120, 40)) as pilot:
            screen = again.screen
            await wait_until(pilot, lambda: screen.session is not None, timeout=20)
            assert host.ledger_rows(screen.session) == []  # the revocation came back with the session
            await pilot.press(*"touch it again", "enter")
            await wait_until(pilot, lambda: bool(screen.query(ApprovalCard)), timeout=20)  # it asks again
            card = screen.query_one(ApprovalCard)
            card.focus()
            await pilot.pause(GRACE_S + 0.05)
            await pilot.press("n", "enter")  # deny, without a reason
            await wait_until(pilot, lambda: not screen.chat_busy(), timeout=20)
