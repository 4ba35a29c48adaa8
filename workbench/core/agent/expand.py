"""What a typed prompt becomes before the model sees it: a slash command expanded (a custom command from
`.claude/commands/`, an MCP prompt `/mcp__server__prompt`), `@server:uri` resources attached, and what the turn
may do (a command's `allowed-tools` only narrows; its `model` holds for that turn).

The session runs its expanders in order and takes the first that claims the prompt, then every attacher on the
result. Front ends register them (workbench.core.project does it for every session it opens).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class ExpansionError(Exception):
    """The prompt names a command but cannot become one (a missing argument, a server that is down); the message
    says what to type instead. Nothing is sent to the model."""


# A refusal for one call outside what the turn may do, or None when the call may go on.
TurnCheck = Callable[[str, dict[str, Any]], str | None]


@dataclass
class Expansion:
    text: str  # what the model gets instead of the typed prompt
    media: list[dict[str, Any]] = field(default_factory=list)  # image blocks sent with it
    source: str = ""  # shown to the user: "/review: .claude/commands/review.md"
    check: TurnCheck | None = None  # a command's allowed-tools, as a check on every call of the turn
    model: str | None = None  # a command's model, for this turn only
    notes: list[str] = field(default_factory=list)  # things the user should hear (a resource that was not read)


Expander = Callable[[str], Awaitable[Expansion | None]]
Attacher = Callable[[str], Awaitable[Expansion | None]]  # text and media to add; None: nothing to add


async def prepare(prompt: str, expanders: Sequence[Expander], attachers: Sequence[Attacher]) -> Expansion:
    """The prompt after the first expander that claims it, with every attacher's additions.
    Raises ExpansionError."""
    result: Expansion | None = None
    for expander in expanders:
        result = await expander(prompt)
        if result is not None:
            break
    if result is None:
        result = Expansion(prompt)
    for attacher in attachers:
        extra = await attacher(result.text)
        if extra is None:
            continue
        if extra.text:
            result.text = f"{result.text}\n\n{extra.text}"
        result.media += extra.media
        result.notes += extra.notes
    return result


def prompt_blocks(expansion: Expansion) -> list[dict[str, Any]]:
    """The user message's content blocks for an expansion."""
    return [{"type": "text", "text": expansion.text}, *expansion.media]
