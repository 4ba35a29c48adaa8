"""How the screen reaches the core: a session protocol, the default factory, credentials and personas.

Everything heavy (the anthropic SDK, persona discovery) is imported inside these functions, which the
screen calls from workers after the first frame.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.config import Config, load_config
from workbench.core.approvals import Approver

if TYPE_CHECKING:  # the event types load with the first session, not before the first frame
    from workbench.core.events import Event, PlanItem, UsageInfo
    from workbench.tui.mcp_hub import McpHub


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
    mcp: McpHub | None = None  # the app's hub: its servers' tools join the session, its trust answer holds
    agents: Sequence[str] = ()  # extra persona files and folders (--agents)
    config: Config | None = None  # the app's config, read once at start


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
    default: PersonaChoice | None = None  # who answers when nobody picks (the core's default-persona rule)
    default_model: str = ""  # the model id the default persona resolves to
    notices: list[str] = field(default_factory=list)  # personas passed over by that rule, and why


async def default_session_factory(req: SessionRequest) -> SessionLike:
    """Create, resume or demo a session through the core's one entry point (workbench.core.assembly)."""
    if req.demo:
        from workbench import demo

        if req.demo_delay is None:
            return demo.demo_session(req.approver, mode=req.mode or "default")
        return demo.demo_session(req.approver, mode=req.mode or "default", delay=req.demo_delay)
    from workbench.core.assembly import OpenRequest, open_session

    resume = req.resume or ("latest" if req.continue_ else None)
    opened = await open_session(
        OpenRequest(
            workspace=req.workspace,
            approver=req.approver,
            persona=req.persona,
            agents=req.agents,
            model=req.model,
            mode=req.mode,
            resume=resume,
            trust=req.mcp.trust_answer if req.mcp is not None else None,
            mcp=req.mcp if req.mcp is not None else False,
            config=req.config,
        )
    )
    return opened.session


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
    workspace: Path,
    extra: Sequence[str] = (),
    mcp_servers: dict[str, list[str] | None] | None = None,
    config: Config | None = None,
) -> PersonaLoad:
    """Discover personas for the picker, and the one the core would start with; failures are collected."""
    out = PersonaLoad()
    try:
        from workbench.core.assembly import default_persona, load_personas
    except ImportError:
        out.errors.append("persona discovery is not available in this build")
        return out
    cfg = config if config is not None else load_config()
    try:
        loadset = load_personas(workspace, extra, config=cfg, mcp_servers=mcp_servers)
        pick = default_persona(loadset, workspace, cfg)
    except Exception as exc:  # discovery reports per-file problems itself; this is the last guard
        out.errors.append(f"persona discovery failed: {exc}")
        return out
    for persona in loadset.personas:
        out.choices.append(persona_choice(persona))
    out.default = next((c for c in out.choices if c.persona is pick.persona), None) or persona_choice(pick.persona)
    out.default_model = persona_model(pick.persona)
    out.notices = list(pick.notices)
    for path, diag in loadset.failures:
        out.errors.append(f"{Path(str(path)).name}: {diag.message}")
    return out


def persona_choice(persona: Any) -> PersonaChoice:
    worst = persona.worst
    problem = f"{worst.severity}: {worst.message}" if worst is not None and worst.severity.rank >= 2 else ""
    return PersonaChoice(
        id=persona.id,
        name=persona.name,
        description=persona.description,
        color=persona.color,
        scope=f"{persona.source.scope}, not trusted" if persona.source.untrusted else persona.source.scope,
        problem=problem,
        persona=persona,
    )


def persona_model(persona: Any, override: str | None = None) -> str:
    """The model id a session with `persona` would use (the header shows it before the session exists)."""
    from workbench.core.models import persona_model as resolve

    return resolve(persona.model, override)


def model_label(persona: Any, override: str | None = None) -> str:
    """The resolved model id for the header; "" while the default persona is not known yet."""
    if persona is not None:
        return persona_model(persona, override)
    if override:
        from workbench.core.models import resolve_model

        return resolve_model(override).resolved or override.strip()
    return ""


def session_usage(session: Any) -> UsageInfo:
    from workbench.core.events import UsageInfo

    usage = getattr(session, "usage", None)
    return usage if isinstance(usage, UsageInfo) else UsageInfo()


def session_context(session: Any) -> dict[str, object]:
    """The context gauge's figures from a session's compactor (nothing for a session without one)."""
    compactor = getattr(session, "compactor", None)
    window = getattr(compactor, "window", 0)
    if not isinstance(window, int) or window <= 0:
        return {}
    return {
        "window": window,
        "context_tokens": int(getattr(compactor, "context_tokens", 0) or 0),
        "compact_at": float(getattr(compactor, "threshold", 0.8) or 0.0),
    }


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
