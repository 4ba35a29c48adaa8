"""A scripted event source with the session's shape, for widget tests and screenshots.

Each turn is a list of steps: an `Event` is yielded as is; an `Ask` pauses the turn on the real approver (the
inline card) and records the decision. Pilot tests of the whole flow use the real AgentSession and the peer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.approvals import ApprovalRequest, Approver, Decision
from workbench.core.events import ApprovalDecided, ApprovalRequested, Event, PlanItem, PlanUpdated, UsageInfo
from workbench.core.personas.model import ModelRef, Persona, SourceInfo, ToolGrant
from workbench.tui.host import SessionRequest


@dataclass
class Ask:
    request: ApprovalRequest


@dataclass
class Hold:
    """Stop the turn here, still running (a tool that has not answered yet)."""


@dataclass
class Grant:
    id: str
    pattern: str
    scope: str
    origin: str


class Ledger:
    def __init__(self, grants: Sequence[Grant] = ()) -> None:
        self.grants = list(grants)

    def list(self) -> list[Grant]:
        return list(self.grants)

    def revoke(self, grant_id: str) -> bool:
        before = len(self.grants)
        self.grants = [g for g in self.grants if g.id != grant_id]
        return len(self.grants) < before


@dataclass
class ScriptedSession:
    approver: Approver
    turns: list[list[Event | Ask | Hold]]
    id: str = "20261121-0715-7f3a9c2e"
    model: str = "claude-sonnet-4-5"
    events: list[Event] = field(default_factory=list)
    plan: list[PlanItem] = field(default_factory=list)
    usage: UsageInfo = field(default_factory=UsageInfo)
    ledger: Ledger = field(default_factory=Ledger)
    decisions: list[Decision] = field(default_factory=list)
    plans_set: list[list[PlanItem]] = field(default_factory=list)
    step_delay: float = 0.0
    sandbox_note: str | None = None

    def sandbox_warning(self) -> str | None:
        return self.sandbox_note
    memory: Any = None  # what `What the persona was told` shows
    system_prompt: str = ""

    async def _turn(self, prompt: str) -> AsyncIterator[Event]:
        steps = self.turns.pop(0) if self.turns else []
        for step in steps:
            if self.step_delay:
                await asyncio.sleep(self.step_delay)
            if isinstance(step, Hold):
                await asyncio.Event().wait()
            if isinstance(step, Ask):
                requested = ApprovalRequested(request=step.request)
                self.events.append(requested)
                yield requested
                decision = await self.approver.decide(step.request)
                self.decisions.append(decision)
                decided = ApprovalDecided(request_id=step.request.id, call_id=step.request.call_id, decision=decision)
                self.events.append(decided)
                yield decided
                continue
            self.events.append(step)
            if isinstance(step, PlanUpdated):
                self.plan = list(step.items)
            yield step

    def run_turn(self, prompt: str) -> AsyncIterator[Event]:
        return self._turn(prompt)

    def set_plan(self, items: Sequence[PlanItem]) -> None:
        self.plan = list(items)
        self.plans_set.append(list(items))


def scripted_factory(
    turns: list[list[Event | Ask | Hold]],
    *,
    past: Sequence[Event] = (),
    grants: Sequence[Grant] = (),
    plan: Sequence[PlanItem] = (),
    usage: UsageInfo | None = None,
    made: list[ScriptedSession] | None = None,
    sandbox_warning: str | None = None,
    told: tuple[Any, str] | None = None,
) -> Any:
    async def factory(req: SessionRequest) -> ScriptedSession:
        session = ScriptedSession(req.approver, turns, events=list(past), ledger=Ledger(grants), plan=list(plan))
        session.sandbox_note = sandbox_warning
        if usage is not None:
            session.usage = usage
        if told is not None:
            session.memory, session.system_prompt = told
        if made is not None:
            made.append(session)
        return session

    return factory


def make_persona(name: str = "backend-architect", color: str | None = "blue", path: Path | None = None) -> Persona:
    """A persona built field by field (what the loader produces for a minimal Claude Code file)."""
    return Persona(
        id=name,
        name=name,
        name_source="frontmatter",
        dialect="claude-code",
        description="Designs services and reviews backend code.",
        description_examples=[],
        system_prompt=f"You are {name}.",
        tools=ToolGrant(
            declared="list",
            source="frontmatter",
            granted=["Read", "Grep", "Glob", "Edit", "Write", "Bash", "TodoWrite"],
            mcp=[],
            unavailable=[],
            disallowed=[],
            rules=[],
            advisory_tools=[],
        ),
        model=ModelRef(requested="sonnet", kind="alias", resolved="claude-sonnet-4-5"),
        permission_mode=None,
        color=color,
        policies=[],
        advisories=[],
        output_contract=None,
        referenced_paths=[],
        extra={},
        source=SourceInfo(path=str(path or f".claude/agents/{name}.md"), scope="project", sha256="0" * 64),
        diagnostics=[],
    )
