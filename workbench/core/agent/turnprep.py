"""Everything a turn does around the model loop: hooks (SessionStart, UserPromptSubmit, Stop), the prompt's
expansion (commands, MCP prompts, resources), tools whose server changed its list, and what the turn may do.

    prep = TurnPrep(session)
    events = await prep.prepare(prompt)      # hooks, expansion; prep.blocked_by says when nothing is sent
    with prep.applied():                     # the turn's model and its allowed-tools check
        ... the loop ...
        follow = await prep.after_stop(final_text)  # Stop hooks: text to go on with, or None
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from workbench.core.agent.expand import Expansion, ExpansionError, prepare, prompt_blocks
from workbench.core.events import Event, Notice
from workbench.core.tools.base import Tool

if TYPE_CHECKING:
    from workbench.core.agent.session import AgentSession

MAX_STOP_BLOCKS = 5  # a Stop hook that always blocks gets this many more rounds per turn, then the turn ends


def _reminder(title: str, texts: list[str]) -> dict[str, Any]:
    body = "\n\n".join(texts)
    return {"type": "text", "text": f"<system-reminder>{title}:\n{body}\n</system-reminder>"}


class TurnPrep:
    def __init__(self, session: AgentSession) -> None:
        self.session = session
        self.expansion: Expansion | None = None
        self.blocked_by = ""  # "blocked" (a hook) or "invalid" (a command that cannot expand): nothing is sent
        self.context: list[dict[str, Any]] = []
        self.stop_blocks = 0

    @property
    def model(self) -> str:
        chosen = self.expansion.model if self.expansion is not None else None
        return chosen or self.session.model

    async def prepare(self, prompt: str) -> list[Event]:
        session = self.session
        events: list[Event] = []
        hooks = session.hooks
        if hooks is not None and not session.started_hooks:
            session.started_hooks = True
            source = "resume" if session.resumed else "startup"
            outcome, ran = await hooks.run("SessionStart", {"source": source}, target=source)
            events += ran + [Notice(level="warning", message=m) for m in outcome.messages]
            if outcome.context:
                self.context.append(_reminder("Context from a SessionStart hook", outcome.context))
        if hooks is not None and hooks.has("UserPromptSubmit"):
            outcome, ran = await hooks.run("UserPromptSubmit", {"prompt": prompt})
            events += ran + [Notice(level="warning", message=m) for m in outcome.messages]
            if outcome.blocked or outcome.stop:
                why = outcome.stop_reason if outcome.stop else outcome.reason
                events.append(Notice(level="warning", message=f"A UserPromptSubmit hook blocked the prompt: {why}"))
                self.blocked_by = "blocked"
                return events
            if outcome.context:
                self.context.append(_reminder("Context from a UserPromptSubmit hook", outcome.context))
        try:
            self.expansion = await prepare(prompt, session.expanders, session.attachers)
        except ExpansionError as exc:
            events.append(Notice(level="warning", message=str(exc)))
            self.blocked_by = "invalid"
            return events
        if self.expansion.source:
            events.append(Notice(level="info", message=f"expanded {self.expansion.source}"))
        events += [Notice(level="warning", message=note) for note in self.expansion.notes]
        changed = session.refresh_watched_tools()
        if changed:
            events.append(Notice(level="info", message=changed))
        return events

    def blocks(self) -> list[dict[str, Any]]:
        assert self.expansion is not None
        return [*self.context, *prompt_blocks(self.expansion)]

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """The turn's model and allowed-tools check, undone when the turn ends however it ends."""
        session = self.session
        check = self.expansion.check if self.expansion is not None else None
        model_before, check_before = session.settings.model, session.gate.turn_check
        session.settings.model = self.model
        session.gate.turn_check = check
        try:
            yield
        finally:
            session.settings.model = model_before
            session.gate.turn_check = check_before

    async def after_stop(self, final_text: str) -> tuple[list[Event], str | None]:
        """Stop hooks once the model ends its turn: their events, and the reason to go on with when they block."""
        hooks = self.session.hooks
        if hooks is None or not hooks.has("Stop"):
            return [], None
        payload = {"stop_hook_active": self.stop_blocks > 0, "last_assistant_message": final_text}
        outcome, events = await hooks.run("Stop", payload)
        notes: list[Event] = [Notice(level="warning", message=m) for m in outcome.messages]
        if outcome.stop or not outcome.blocked:
            return [*events, *notes], None
        if self.stop_blocks >= MAX_STOP_BLOCKS:
            why = f"a Stop hook kept the turn going {MAX_STOP_BLOCKS} times; the turn ends here"
            return [*events, *notes, Notice(level="warning", message=why)], None
        self.stop_blocks += 1
        return [*events, *notes], outcome.reason


class ToolWatch:
    """Tools from a source whose list can change: read again when its version moves (see watch_tools)."""

    def __init__(self, version: Callable[[], int], current: Callable[[], list[Tool]], session: AgentSession) -> None:
        self.version = version
        self.current = current
        self.session = session
        self.seen = version()
        self.names = {t.name for t in current()}

    def refresh(self) -> str:
        if self.version() == self.seen:
            return ""
        self.seen = self.version()
        tools = self.current()
        now = {t.name for t in tools}
        added, removed = sorted(now - self.names), sorted(self.names - now)
        for gone in removed:
            self.session.registry_tools.pop(gone, None)
        self.session.add_tools([t for t in tools if t.name in added])  # rebuilds the prompt and the tool list
        self.names = now
        parts = ([f"new {', '.join(added)}"] if added else []) + ([f"gone {', '.join(removed)}"] if removed else [])
        return "MCP tools changed: " + "; ".join(parts) if parts else ""
