"""The chat after a rewind: the turns a conversation rewind took out fold under a marker (click shows them dimmed
and labelled), an undo brings them back, a files-only rewind folds nothing, and a resumed session shows the same
from its recorded events. Rewinds go through the real picker over a real checkpoint store."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip

from tests.tui.conftest import AppMaker
from tests.tui.samples import REWIND_PROMPTS, small_turn
from tests.tui.states import REWIND_TURNS, REWOUND, rewound, settle, turns_sent
from tests.tui.test_rewind_screen import SIZES, SessionOver
from workbench.core.events import Event, Rewound, TurnStarted
from workbench.tui.screens.rewind import LiveRewind, RewindScreen, open_rewind
from workbench.tui.widgets.rewound import LABEL, RewindMarker
from workbench.tui.widgets.transcript import Transcript

FIRST, SECOND, THIRD = REWIND_PROMPTS


def lines(pilot: Pilot[Any]) -> list[Strip]:
    """The chat's lines as laid out now: the frozen history and every widget below it."""
    transcript: Transcript = pilot.app.screen.chat.transcript  # type: ignore[attr-defined]
    out: list[Strip] = []
    for child in transcript.children:
        width, height = child.size
        if child.display and height:
            out += child.render_lines(Region(0, 0, width, height))
    return out


def shown(pilot: Pilot[Any]) -> str:
    """The chat's text, spaces collapsed (wrapped lines read as one)."""
    return " ".join(" ".join(strip.text for strip in lines(pilot)).split())


def colour(pilot: Pilot[Any], words: str) -> str:
    """The colour `words` are drawn in (Textual draws dim text in a colour between the text's and the
    background's)."""
    for strip in lines(pilot):
        for seg in strip:
            if words in seg.text and seg.style is not None and seg.style.color is not None:
                return str(seg.style.color.name)
    raise AssertionError(f"{words!r} is not shown")


async def session_of_three(workspace: Path) -> SessionOver:
    """The same three turns as the chat shows, over a real checkpoint store."""
    session = SessionOver(workspace)
    await session.turn(1, FIRST, {"src/policy.py": "MAX_ATTEMPTS = 3\n"})
    await session.turn(2, SECOND, {"src/retry.py": "from policy import MAX_ATTEMPTS\n"})
    await session.turn(3, THIRD, {"src/retry.py": "from policy import MAX_ATTEMPTS\nRETRY_DECLINES = True\n"})
    return session


async def rewind_by_keys(pilot: Pilot[Any], session: SessionOver, *keys: str) -> None:
    """Open the picker (ctrl+t's path), press `keys` (a turn and a plan key, or `u`), then `y`."""
    screen: Any = pilot.app.screen
    open_rewind(screen, LiveRewind(session))
    await settle(pilot, lambda: isinstance(pilot.app.screen, RewindScreen))
    picker: Any = pilot.app.screen
    await pilot.press(*keys)
    await settle(pilot, lambda: picker.pending is not None)
    await pilot.press("y")
    await settle(pilot, lambda: not isinstance(pilot.app.screen, RewindScreen))
    await pilot.pause(0.2)


async def rewound_live(pilot: Pilot[Any], workspace: Path, *keys: str) -> SessionOver:
    await turns_sent(pilot)
    session = await session_of_three(workspace)
    await rewind_by_keys(pilot, session, *keys)
    return session


async def test_conversation_rewind_folds_the_rewound_turns(make_app: AppMaker, sample_repo: Path) -> None:
    """Enter on turn 2, then y: turns 2 and 3 leave the model's history and fold under the marker; turn 1 stays."""
    app = make_app(REWIND_TURNS)
    async with app.run_test(size=(120, 40)) as pilot:
        session = await rewound_live(pilot, sample_repo, "down", "enter")
        assert [m["content"][0]["text"] for m in session.history if m["role"] == "user"] == [FIRST]
        text = shown(pilot)
        assert FIRST in text and "Added src/policy.py." in text
        assert SECOND not in text and THIRD not in text and "Declines are retried now." not in text
        assert "rewound to turn 2 · 2 turns removed from the conversation (files restored) · click to show" in text
        assert "Rewound: 1 restored, 0 deleted." in text and "restored src/retry.py" in text


async def test_clicking_the_marker_shows_the_turns_dimmed_and_folds_them_again(
    make_app: AppMaker, sample_repo: Path
) -> None:
    app = make_app(REWIND_TURNS)
    async with app.run_test(size=(120, 40)) as pilot:
        await rewound_live(pilot, sample_repo, "down", "enter")
        await pilot.click(RewindMarker)
        await pilot.pause(0.2)
        text = shown(pilot)
        assert SECOND in text and THIRD in text and text.count(LABEL) == 2
        assert "dimmed above · click" in text, text
        assert colour(pilot, SECOND) != colour(pilot, FIRST)
        assert colour(pilot, "Declines are retried now.") != colour(pilot, "Added ")
        pilot.app.screen.query_one(RewindMarker).focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert SECOND not in shown(pilot) and "click to show" in shown(pilot)


async def test_undo_in_the_picker_brings_the_turns_back(make_app: AppMaker, sample_repo: Path) -> None:
    app = make_app(REWIND_TURNS)
    async with app.run_test(size=(120, 40)) as pilot:
        session = await rewound_live(pilot, sample_repo, "down", "enter")
        await rewind_by_keys(pilot, session, "u")
        assert len(session.history) == 6
        assert (sample_repo / "src" / "policy.py").exists()
        text = shown(pilot)
        assert SECOND in text and THIRD in text and LABEL not in text
        assert "rewound to turn 2 · undone: the turns are back in the conversation" in text


async def test_files_only_rewind_folds_nothing_and_says_what_was_restored(
    make_app: AppMaker, sample_repo: Path
) -> None:
    app = make_app(REWIND_TURNS)
    async with app.run_test(size=(120, 40)) as pilot:
        session = await rewound_live(pilot, sample_repo, "down", "f")
        assert len(session.history) == 6
        text = shown(pilot)
        assert FIRST in text and SECOND in text and THIRD in text and LABEL not in text
        assert not pilot.app.screen.query(RewindMarker)
        assert "Rewound: 1 restored, 0 deleted." in text and "restored src/retry.py" in text


def saved(*rewinds: Rewound) -> list[Event]:
    return [*small_turn(1), *small_turn(2), *small_turn(3), *rewinds]


def resumed(make_app: AppMaker, past: list[Event]) -> Any:
    app = make_app(past=past)
    app.request.resume = "latest"
    return app


async def test_resume_shows_the_fold_as_the_live_session_did(make_app: AppMaker) -> None:
    live_app = make_app(REWIND_TURNS)
    async with live_app.run_test(size=(120, 40)) as pilot:
        await rewound(pilot)
        live = shown(pilot)
    resumed_app = resumed(make_app, saved(REWOUND))
    async with resumed_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: bool(pilot.app.screen.query(RewindMarker)))
        await pilot.pause(0.3)
        assert shown(pilot) == live
        assert SECOND not in live and FIRST in live
        await pilot.click(RewindMarker)
        await pilot.pause(0.2)
        assert SECOND in shown(pilot) and shown(pilot).count(LABEL) == 2


async def test_resume_of_an_undone_rewind_shows_the_turns(make_app: AppMaker) -> None:
    undo = Rewound(to_turn=2, files=True, conversation=True, checkpoint="c2", undo=True)
    app = resumed(make_app, saved(REWOUND, undo))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: bool(pilot.app.screen.query(RewindMarker)))
        await pilot.pause(0.3)
        text = shown(pilot)
        assert SECOND in text and THIRD in text and LABEL not in text and "undone" in text


async def test_resume_folds_turns_that_began_before_the_part_read_first(make_app: AppMaker) -> None:
    """A long session rewound to turn 2: the rewind is in the newest part, its turn in the older part read
    later; both parts fold."""
    many = [*small_turn(1), *small_turn(2)]
    for number in range(3, 150):
        many += [dataclasses.replace(e, turn=number) if isinstance(e, TurnStarted) else e for e in small_turn(3)]
    app = resumed(make_app, [*many, REWOUND])
    async with app.run_test(size=(120, 40)) as pilot:
        transcript: Any = pilot.app.screen.chat.transcript
        await settle(pilot, lambda: transcript.entries and transcript.entries[0].turn == 1)
        await pilot.pause(0.3)
        text = shown(pilot)
        assert "148 turns removed from the conversation" in text, text
        assert SECOND not in text and THIRD not in text
        assert transcript.folded == 0 and sum(e.kind == "user" for e in transcript.entries) == 149


@pytest.mark.parametrize("size", SIZES)
def test_chat_after_a_rewind(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """Turn 1 ("you  Add a retry policy module", its Bash card, "Added `src/policy.py`.") then, in orange,
    "── rewound to turn 2 · 2 turns removed from the conversation (files restored) · click to show ──" and the
    notice "Rewound: 1 restored, 1 deleted." with "restored src/retry.py", "deleted src/policy.py" and "The
    conversation was cut back…". Turns 2 and 3 are not shown."""
    assert snap_compare(make_app(REWIND_TURNS), terminal_size=size, run_before=rewound)


async def rewound_and_shown(pilot: Pilot[Any]) -> None:
    await rewound(pilot)
    await pilot.click(RewindMarker)
    await pilot.pause(0.3)
    pilot.app.screen.chat.transcript.scroll_end(animate=False)  # type: ignore[attr-defined]
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
def test_chat_after_a_rewind_unfolded(snap_compare: Any, make_app: AppMaker, size: tuple[int, int]) -> None:
    """The same after a click on the marker: turns 2 and 3 ("Use the policy in retry.py", "Retry card declines
    too"), each with the line "rewound: no longer part of the conversation", greyed (no colours, dim) with their
    cards and answers; turn 1 keeps its colours; the marker now ends "· dimmed above · click to fold ──"."""
    assert snap_compare(make_app(REWIND_TURNS), terminal_size=size, run_before=rewound_and_shown)


async def test_a_rewind_over_an_earlier_one_counts_only_the_turns_it_took_out(make_app: AppMaker) -> None:
    """Turns 1-3, a rewind to turn 3, turns 4 and 5, then a rewind to turn 2: the second marker folds turns 2, 4
    and 5 and the first marker with its turn; shown, the first marker's turn stays folded under it."""
    later = [dataclasses.replace(e, turn=n) if isinstance(e, TurnStarted) else e for n in (4, 5) for e in small_turn(3)]
    first = Rewound(to_turn=3, files=False, conversation=True)
    second = Rewound(to_turn=2, files=False, conversation=True)
    app = resumed(make_app, [*small_turn(1), *small_turn(2), *small_turn(3), first, *later, second])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: bool(pilot.app.screen.query(RewindMarker)))
        await pilot.pause(0.3)
        text = shown(pilot)
        assert "rewound to turn 2 · 3 turns removed from the conversation (files unchanged)" in text
        assert "rewound to turn 3" not in text and SECOND not in text and THIRD not in text
        await pilot.click(RewindMarker)
        await pilot.pause(0.3)
        text = shown(pilot)
        assert text.count(LABEL) == 3 and "rewound to turn 3 · 1 turn removed" in text
        assert text.count(THIRD) == 2  # turns 4 and 5 (turn 3 stays folded under its own marker)
