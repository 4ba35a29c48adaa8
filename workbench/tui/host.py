"""How the screen reaches the core: a session protocol, the default factory, credentials and personas.

Everything heavy (the anthropic SDK, persona discovery) is imported inside these functions, which the
screen calls from workers after the first frame.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.core.approvals import Approver

if TYPE_CHECKING:  # the event types load with the first session, not before the first frame
    from workbench.core.events import Event, PlanItem, UsageInfo


class SessionLike(Protocol):
    """What the screen uses of `workbench.core.agent.session.AgentSession`."""

    def run_turn(self, prompt: str) -> AsyncIterator[Event]: ...

    def set_plan(self, items: Sequence[PlanItem]) -> Any: ...


@dataclass
class SessionRequest:
    """What a session factory is asked for."""

    workspace: Path
    persona: Any  # a Persona, or None for the default
    approver: Approver
    model: str | None = None
    mode: str | None = None
    resume: str | None = None
    continue_: bool = False
    demo: bool = False
    demo_delay: float | None = None  # seconds between replayed demo events; None: the demo's reading pace
    mcp: Any = None  # the app's McpHub (workbench.tui.screens.mcp): its servers' tools join the session


SessionFactory = Callable[[SessionRequest], Awaitable[SessionLike]]


@dataclass
class PersonaChoice:
    """One entry of the persona picker."""

    id: str
    name: str
    description: str = ""
    color: str | None = None
    scope: str = ""
    problem: str = ""  # worst diagnostic, if any
    persona: Any = None


@dataclass
class PersonaLoad:
    choices: list[PersonaChoice] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def default_session_factory(req: SessionRequest) -> SessionLike:
    """Create, resume or demo a session through `workbench.core.agent.session.AgentSession`."""
    from workbench.core.agent.session import AgentSession

    workspace = req.workspace
    transport: Any = None
    if req.demo:
        from workbench import demo

        if req.demo_delay is None:
            return demo.demo_session(req.approver, mode=req.mode or "default")
        return demo.demo_session(req.approver, mode=req.mode or "default", delay=req.demo_delay)
    manager = await req.mcp.for_session() if req.mcp is not None else None
    servers = manager.server_tools() if manager is not None else None
    session: Any
    if req.resume or req.continue_:
        session = AgentSession.resume(
            req.resume or "latest",
            workspace,
            approver=req.approver,
            persona=with_mcp_grants(req.persona, workspace, servers),
            model=req.model,
            mode=req.mode,
            transport=transport,
        )
    else:
        persona = req.persona
        if persona is None:
            persona = default_persona(workspace, servers)
        else:
            persona = with_mcp_grants(persona, workspace, servers)
        session = AgentSession.create(
            workspace, persona, approver=req.approver, model=req.model, mode=req.mode or "default", transport=transport
        )
    if manager is not None:
        from workbench.core.mcp.integration import attach_mcp

        attach_mcp(session, manager, persona=session.persona)
    return session  # type: ignore[no-any-return]


def with_mcp_grants(persona: Any, workspace: Path, servers: dict[str, list[str] | None] | None) -> Any:
    """The persona loaded again with the running MCP servers known, so its MCP grants resolve; as it was
    when there are no servers or it has no file to load from."""
    source = getattr(getattr(persona, "source", None), "path", "")
    if not servers or not source or not Path(str(source)).is_file():
        return persona
    from workbench.core.personas.discovery import discover

    path = Path(str(source))
    found = discover(workspace, mcp_servers=servers).by_path(path)
    if found is None:  # a file named on the command line: outside the usual folders
        found = discover(workspace, [path], include_defaults=False, mcp_servers=servers).by_path(path)
    return found if found is not None else persona


def default_persona(workspace: Path, mcp_servers: dict[str, list[str] | None] | None = None) -> Any:
    """The first persona discovery finds; a clear error when there is none."""
    load = load_personas(workspace, mcp_servers=mcp_servers)
    usable = [c for c in load.choices if c.persona is not None and not getattr(c.persona, "has_errors", False)]
    if not usable:
        raise LookupError("no persona found: pass --persona FILE or add one under .claude/agents/")
    return usable[0].persona


def demo_prompt() -> str:
    """The prompt the bundled demo recording answers."""
    from workbench import demo

    return demo.DEMO_PROMPT


def credentials() -> tuple[bool, str]:
    """(ok, message) from the client; a plain env check when the client is not importable."""
    try:
        from workbench.core.agent.client import credentials_status
    except ImportError:
        if os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_BASE_URL"):
            return True, "credentials found in the environment"
        return False, NO_KEY_HELP
    return credentials_status()


NO_KEY_HELP = (
    "No API key is set. Set ANTHROPIC_API_KEY, or point ANTHROPIC_BASE_URL at a compatible server "
    "(Ollama, llama.cpp, vLLM, LiteLLM), then restart."
)


def load_personas(
    workspace: Path, extra: Sequence[str] = (), mcp_servers: dict[str, list[str] | None] | None = None
) -> PersonaLoad:
    """Discover personas for the picker; failures are collected, never raised."""
    out = PersonaLoad()
    try:
        from workbench.core.personas.discovery import discover
    except ImportError:
        out.errors.append("persona discovery is not available in this build")
        return out
    try:
        loadset = discover(workspace, [Path(p) for p in extra], mcp_servers=mcp_servers)
    except Exception as exc:  # discovery reports per-file problems itself; this is the last guard
        out.errors.append(f"persona discovery failed: {exc}")
        return out
    for persona in _personas_of(loadset):
        worst = getattr(persona, "worst", None)
        problem = f"{worst.severity}: {worst.message}" if worst is not None and worst.severity.rank >= 2 else ""
        source = getattr(persona, "source", None)
        out.choices.append(
            PersonaChoice(
                id=str(getattr(persona, "id", "")),
                name=str(getattr(persona, "name", "")),
                description=str(getattr(persona, "description", "")),
                color=getattr(persona, "color", None),
                scope=str(getattr(source, "scope", "")),
                problem=problem,
                persona=persona,
            )
        )
    for failure in getattr(loadset, "failures", None) or []:
        if isinstance(failure, tuple) and len(failure) == 2:
            path, diag = failure
            out.errors.append(f"{Path(str(path)).name}: {getattr(diag, 'message', diag)}")
        else:
            out.errors.append(str(getattr(failure, "message", failure)))
    return out


def _personas_of(loadset: Any) -> list[Any]:
    for attr in ("personas", "active", "loaded"):
        value = getattr(loadset, attr, None)
        if value is None:
            continue
        if isinstance(value, dict):
            return list(value.values())
        return list(value)
    return list(loadset) if isinstance(loadset, list) else []


def session_usage(session: Any) -> UsageInfo:
    from workbench.core.events import UsageInfo

    usage = getattr(session, "usage", None)
    return usage if isinstance(usage, UsageInfo) else UsageInfo()


def session_plan(session: Any) -> tuple[PlanItem, ...]:
    from workbench.core.events import PlanItem

    plan = getattr(session, "plan", None) or ()
    return tuple(i for i in plan if isinstance(i, PlanItem))


def sandbox_warning(session: Any) -> str:
    """The session's warning when shell commands run without an OS sandbox (or are refused), else ""."""
    warning = getattr(session, "sandbox_warning", None)
    text = warning() if callable(warning) else None
    return text if isinstance(text, str) else ""


def session_id(session: Any) -> str:
    return str(getattr(session, "id", "") or getattr(session, "session_id", "") or "")


def session_events(session: Any) -> list[Event]:
    from workbench.core.events import Event

    events = getattr(session, "events", None) or ()
    return [e for e in events if isinstance(e, Event)]


@dataclass
class GrantRow:
    id: str
    pattern: str
    scope: str
    origin: str


def ledger_rows(session: Any) -> list[GrantRow]:
    ledger = getattr(session, "ledger", None)
    if ledger is None:
        return []
    rows = []
    for grant in ledger.list():
        rows.append(
            GrantRow(
                id=str(getattr(grant, "id", "")),
                pattern=str(getattr(grant, "pattern", getattr(grant, "rule", ""))),
                scope=str(getattr(grant, "scope", "")),
                origin=str(getattr(grant, "origin", getattr(grant, "by", ""))),
            )
        )
    return rows
