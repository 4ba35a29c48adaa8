"""Conversation rewind: the model history cut back to what it was before a turn's prompt, and put back on undo.

A turn's checkpoint records how many messages the history held before the prompt (`messages`) and, when the
prompt was merged into a trailing user message (after a cancelled turn), how many content blocks that
message had (`blocks`). The same cut is applied to a live session's history and, through `replay_rewind`,
to the messages a saved transcript is loaded with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.core.events import Rewound


@dataclass
class Cut:
    kept: list[dict[str, Any]]
    removed: list[dict[str, Any]] = field(default_factory=list)  # the original tail, whole messages
    partial: bool = False  # the last kept message is a shortened copy of removed[0]


def cut_history(history: list[dict[str, Any]], messages: int, blocks: int) -> Cut:
    """The history as it was before the prompt that came when it held `messages` messages.

    Raises ValueError when the history is shorter than that (it was compacted or edited since)."""
    if messages < 0 or messages > len(history):
        raise ValueError("the conversation no longer reaches back to that turn")
    kept = list(history[:messages])
    removed = list(history[messages:])
    partial = False
    if blocks >= 0 and kept and kept[-1].get("role") == "user":
        content = list(kept[-1].get("content") or [])
        if len(content) > blocks:
            removed.insert(0, kept[-1])
            kept[-1] = {**kept[-1], "content": content[:blocks]}
            partial = True
    return Cut(kept, removed, partial)


def uncut(history: list[dict[str, Any]], cut: Cut) -> list[dict[str, Any]]:
    """Undo `cut` on a history that has not grown since."""
    base = history[:-1] if cut.partial and history else history
    return [*base, *cut.removed]


def replay_rewind(messages: list[dict[str, Any]], event: Rewound, cuts: list[Cut]) -> list[dict[str, Any]]:
    """Apply a recorded rewind (or its undo) to messages being loaded from a transcript; `cuts` is the stack
    of rewinds seen so far, so an undo can put the messages back."""
    if not event.conversation:
        return messages
    if event.undo:
        return uncut(messages, cuts.pop()) if cuts else messages
    try:
        cut = cut_history(messages, event.messages_kept, event.blocks_kept)
    except ValueError:
        return messages
    cuts.append(cut)
    return cut.kept
