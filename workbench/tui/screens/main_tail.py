"""A resumed session's end on screen before the session is open.

Opening a session reads and decodes its whole transcript and sets the session up; the user is waiting for the last
message, not for that. So the screen first reads the transcript's tail (`SessionStore.tail`: a few hundred KiB from
the end), shows it through the same replay path as a full one, and opens the session after. Once open, the shown
end must be the end of `session.events`, numbered as a full replay numbers it; then the older part is read in front
of it as usual (`ChatPane.replay_rest`). Otherwise (the transcript changed in between, or the numbering hint read
from the line prefixes was wrong) the chat starts over with the full replay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.tui.widgets.chat import ChatPane, numbering

if TYPE_CHECKING:
    from workbench.core.events import Event, PlanItem


@dataclass(frozen=True)
class ShownTail:
    events: Sequence[Event]  # what was replayed, from a top-level turn start to the transcript's end
    after: tuple[int, int]  # the evidence ids and turn number it was numbered after
    plan: tuple[PlanItem, ...]


def read_tail(workspace: Path, session_id: str) -> ShownTail | None:
    """The transcript's end from its newest top-level turn start within the tail read, with its numbering hint;
    None when there is nothing to show early (no such turn start, no transcript)."""
    from workbench.core.session_store import SessionNotFound, SessionStore, counts_before

    try:
        tail = SessionStore(workspace).tail(session_id)
        starts = [i for i, ev in enumerate(tail.events) if ev.type == "turn_started" and not ev.agent_path]
        if not starts:
            return None
        cut = starts[0]
        after = numbering(tail.events[:cut], counts_before(tail))
    except (SessionNotFound, OSError, ValueError):
        return None  # the open that follows says what is wrong
    return ShownTail(tail.events[cut:], after, tuple(tail.plan))


async def show_tail(chat: ChatPane, workspace: Path, session_id: str) -> ShownTail | None:
    """Read the tail off the UI thread and replay it; returns what was shown, once it is drawn."""
    shown = await asyncio.to_thread(read_tail, workspace, session_id)
    if shown is None or chat.transcript.entries:
        return None
    chat.replay_tail(shown.events, shown.after)
    await chat.transcript.tail_drawn()
    return shown


def head_before(shown: ShownTail, past: Sequence[Event]) -> Sequence[Event] | None:
    """The events before the shown end when it is the end of `past` and numbered as a full replay would number
    it; None otherwise (the chat must start over)."""
    count = len(shown.events)
    if count > len(past) or list(past[len(past) - count :]) != list(shown.events):
        return None
    head = past[: len(past) - count]
    return head if numbering(head) == shown.after else None
