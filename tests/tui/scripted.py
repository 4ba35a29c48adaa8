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

from workbench.core.approvals import ApprovalRequest, Approver, Decision, PermissionMode, Scope
from workbench.core.checkpoint.rewind import Rewinder
from workbench.core.events import ApprovalDecided, ApprovalRequested, Event, Notice, PlanItem, PlanUpdated, UsageInfo
from workbench.core.models import persona_model, resolve_model
from workbench.core.personas.model import Persona, SourceInfo, ToolGrant
from workbench.core.policy.ledger import Grant
from workbench.tui.host import SessionLike, SessionRequest


@dataclass
class Ask:
    request: ApprovalRequest


@dataclass
class Hold:
    """Stop the turn here, still running (a tool that has not answered yet)."""


# 2026-11-21 12:00 UTC: a grant from an earlier day shows its date, the same in every time zone near UTC.
GRANTED_AT = 1795262400.0


def make_grant(
    grant_id: str, pattern: str, scope: str, summary: str = "", persona_id: str = "backend-architect"
) -> Grant:
    tool = pattern.split("(", 1)[0]
    return Grant(grant_id, pattern, Scope(scope), GRANTED_AT, persona_id, tool, summary)


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
    """Has every member of `workbench.tui.host.SessionLike` (mypy checks it where the factory returns one)."""

    approver: Approver
    turns: list[list[Event | Ask | Hold]]
    persona: Persona
    workspace: Path
    id: str = "20261121-0715-7f3a9c2e"
    model: str = ""
    mode: PermissionMode = PermissionMode.DEFAULT
    events: list[Event] = field(default_factory=list)
    plan: list[PlanItem] = field(default_factory=list)
    usage: UsageInfo = field(default_factory=UsageInfo)
    ledger: Ledger = field(default_factory=Ledger)
    decisions: list[Decision] = field(default_factory=list)
    plans_set: list[list[PlanItem]] = field(default_factory=list)
    step_delay: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: None = None  # nothing to rewind
    closed: bool = False
    sandbox_note: str | None = None
    audit_off: str | None = None
    prompts: list[str] = field(default_factory=list)  # what run_turn was given
    mode_notice: Notice | None = None

    def __post_init__(self) -> None:
        self.model = self.model or persona_model(self.persona.model)  # what the real resolver makes of it

    def sandbox_warning(self) -> str | None:
        return self.sandbox_note

    def context_gauge(self) -> None:
        return None  # the gauge follows the scripted turns' UsageUpdated events
    memory: Any = None  # what `What the persona was told` shows
    system_prompt: str = ""

    async def _turn(self, prompt: str) -> AsyncIterator[Event]:
        self.prompts.append(prompt)
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

    def set_model(self, model: str) -> str:
        self.model = persona_model(self.persona.model, model)
        return self.model

    def set_mode(self, mode: PermissionMode | str) -> PermissionMode:
        self.mode = PermissionMode.parse(mode)
        return self.mode

    def rewinder(self) -> Rewinder:
        raise AssertionError("a scripted session has no checkpoints to rewind")

    async def aclose(self) -> None:
        self.closed = True


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
    async def factory(req: SessionRequest) -> SessionLike:
        persona = req.persona or make_persona()
        session = ScriptedSession(
            req.approver,
            turns,
            persona,
            req.workspace,
            mode=PermissionMode.parse(req.mode or "default"),
            events=list(past),
            ledger=Ledger(grants),
            plan=list(plan),
        )
        session.sandbox_note = sandbox_warning
        if req.model:
            session.set_model(req.model)
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
        model=resolve_model("sonnet"),
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
