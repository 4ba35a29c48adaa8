"""Compaction in the screen, against the real session and the Messages API test peer: the palette's command
compacts, the chat folds the earlier turns under a marker (click shows them), the gauge drops, the next request
carries the summary, and a resumed session shows the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import wait_until
from workbench.config import Config
from workbench.testing import MessagesPeer, reply, text, tool_use
from workbench.tui.app import create_app
from workbench.tui.widgets.marker import CompactionMarker
from workbench.tui.widgets.transcript import UserMessage

SUMMARY = "## Goal\nCount the retries.\n## Files touched\nsrc/retry.py\n## Current state\nAnswered: five."


async def test_the_palette_compacts_and_a_resumed_session_starts_from_the_summary(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = [
        reply(text("Reading."), tool_use("Read", {"file_path": "src/retry.py"})),
        reply(text("It retries five times.")),
        reply(text(SUMMARY)),
        reply(text("Still five.")),
        reply(text("Resumed from the summary.")),
    ]
    with MessagesPeer(turns) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, config=Config())
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            await pilot.press(*"how many retries?", "enter")
            await wait_until(pilot, lambda: any(e.type == "turn_done" for e in screen.events), timeout=20)
            assert screen.status.info.window == 200_000 and screen.status.info.context_tokens > 0
            full = len(peer.message_requests[-1].messages)
            await pilot.press("ctrl+p")
            await pilot.press(*"Compact the conversation")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_until(pilot, lambda: any(e.type == "compacted" for e in screen.events), timeout=20)
            await wait_until(pilot, lambda: not screen.chat_busy())
            compacted = next(e for e in screen.events if e.type == "compacted")
            assert compacted.trigger == "manual" and compacted.tokens_after < compacted.tokens_before
            assert screen.status.info.context_tokens == compacted.tokens_after
            transcript = screen.chat.transcript
            marker = next(e for e in transcript.entries if e.kind == "compacted")
            assert transcript.folded == transcript.entries.index(marker) > 0
            await pilot.pause()
            assert not screen.query(UserMessage)  # the turn before the marker is folded away
            assert isinstance(marker.widget, CompactionMarker) and marker.widget.region.height > 0

            screen.chat.prompt.focus()
            await pilot.press(*"and now?", "enter")
            await wait_until(pilot, lambda: [e.type for e in screen.events].count("turn_done") == 2, timeout=20)
            sent = peer.message_requests[-1].messages
            assert len(sent) == 1 < full and SUMMARY in sent[0]["content"][0]["text"]

            await pilot.click(CompactionMarker)  # unfold: the first turn comes back above the marker
            await wait_until(pilot, lambda: transcript.folded == 0)
            transcript.scroll_home(animate=False)
            await wait_until(pilot, lambda: transcript.history.item_count > 0 or len(screen.query(UserMessage)) > 1)
            assert "how many retries?" in _shown_text(transcript)

        again = create_app(sample_repo, config=Config(), continue_=True)
        async with again.run_test(size=(120, 40)) as pilot:
            screen = again.screen
            await wait_until(pilot, lambda: screen.session is not None and bool(screen.chat.transcript.entries))
            await pilot.pause()
            transcript = screen.chat.transcript
            kinds = [e.kind for e in transcript.entries]
            assert transcript.folded == kinds.index("compacted") > 0  # folded as it was
            assert screen.status.info.context_tokens > 0 and screen.status.info.window == 200_000
            screen.chat.prompt.focus()
            await pilot.press(*"more", "enter")
            await wait_until(pilot, lambda: peer.pending == 0 and not screen.chat_busy(), timeout=20)
            sent = peer.message_requests[-1].messages
            assert [m["role"] for m in sent] == ["user", "assistant", "user"]
            assert SUMMARY in sent[0]["content"][0]["text"]


def _shown_text(transcript: object) -> str:
    from workbench.tui.widgets.transcript import Transcript

    assert isinstance(transcript, Transcript)
    history = transcript.history
    lines = [history.render_line(y).text for y in range(history.line_count)]
    widgets = [str(w.render()) for w in transcript.query(UserMessage)]
    return "\n".join([*lines, *widgets])


async def test_the_compact_command_passes_its_instructions_to_the_summary(
    sample_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns = [reply(text("It retries five times.")), reply(text(SUMMARY))]
    with MessagesPeer(turns) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        app = create_app(sample_repo, config=Config())
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            await pilot.press(*"how many retries?", "enter")
            await wait_until(pilot, lambda: any(e.type == "turn_done" for e in screen.events), timeout=20)
            screen.chat.prompt.value = "/compact keep the retry count"
            await pilot.press("enter")
            await wait_until(pilot, lambda: any(e.type == "compacted" for e in screen.events), timeout=20)
            asked = peer.message_requests[-1].messages[-1]["content"][-1]["text"]
            assert "keep the retry count" in asked
            assert any(e.kind == "compacted" for e in screen.chat.transcript.entries)
