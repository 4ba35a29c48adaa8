"""How the screen reaches the core: a session protocol, the default factory, credentials and personas.

Everything heavy (the anthropic SDK, persona discovery) is imported inside these functions, which the
screen calls from workers after the first frame. `SessionLike` declares every member of a session the screen
uses; `workbench.core.agent.session.AgentSession` satisfies it, and so do the tests' scripted sessions.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from workbench.config import Config, load_config
from workbench.core.approvals import Approver, PermissionMode

if TYPE_CHECKING:  # the event types load with the first session, not before the first frame
    from workbench.core.agent.compact import ContextGauge
    from workbench.core.agent.memory import Memory
    from workbench.core.checkpoint.recorder import Checkpointer
    from workbench.core.checkpoint.rewind import Rewinder
    from workbench.core.events import Event, Notice, PlanItem, UsageInfo
    from workbench.core.personas.model import Persona
    from workbench.core.policy.ledger import Grant
    from workbench.tui.mcp_hub import McpHub


@runtime_checkable
class StartsMcp(Protocol):
    """The app that owns the MCP servers (`WorkbenchApp`): the screen asks it to start them once it is whole."""

    def start_mcp(self) -> None: ...


class LedgerLike(Protocol):
    """The session's standing grants (`workbench.core.policy.ledger.GrantLedger`)."""

    def list(self) -> list[Grant]: ...

    def revoke(self, grant_id: str) -> bool: ...


class PersonaLike(Protocol):
    """Who a session runs as: a persona, or an external agent's identity (`workbench.core.acp.client`)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def color(self) -> str | None: ...


class SessionLike(Protocol):
    """Everything the screen uses of a session: `workbench.core.agent.session.AgentSession`, and the ACP agent's
    `workbench.core.acp.client.AcpAgentSession` (which says plainly what it cannot do: no model switch, no
    checkpoints)."""

    @property
    def id(self) -> str: ...

    @property
    def workspace(self) -> Path: ...  # the demo runs on its own copy of the sample repository

    @property
    def persona(self) -> PersonaLike: ...

    @property
    def model(self) -> str: ...

    @property
    def mode(self) -> str: ...  # a PermissionMode's value

    @property
    def usage(self) -> UsageInfo: ...

    @property
    def plan(self) -> list[PlanItem]: ...

    @property
    def events(self) -> list[Event]: ...  # what a resumed session shows again

    @property
    def ledger(self) -> LedgerLike: ...

    @property
    def checkpoints(self) -> Checkpointer | None: ...  # None: nothing to rewind

    @property
    def history(self) -> list[dict[str, Any]]: ...

    def rewinder(self) -> Rewinder: ...

    def sandbox_warning(self) -> str | None: ...  # shell commands run without an OS sandbox, or are refused

    def context_gauge(self) -> ContextGauge | None: ...  # how full the model's window is; None: no gauge

    @property
    def audit_off(self) -> str | None: ...  # why there is no audit log, when there is none

    @property
    def mode_notice(self) -> Notice | None: ...  # a resumed session: which mode is in force and why

    @property
    def memory(self) -> Memory | None: ...  # the project instruction files it was given (CLAUDE.md, AGENTS.md)

    @property
    def system_prompt(self) -> str: ...

    def run_turn(self, prompt: str) -> AsyncIterator[Event]: ...

    def compact(self, instructions: str = "") -> AsyncIterator[Event]: ...  # the history replaced by a summary

    def set_plan(self, items: Sequence[PlanItem]) -> object: ...

    def set_model(self, model: str) -> str: ...

    def set_mode(self, mode: PermissionMode | str) -> PermissionMode: ...

    async def aclose(self) -> None: ...


@dataclass
class SessionRequest:
    """What a session factory is asked for."""

    workspace: Path
    persona: Persona | None  # None for the default
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


@dataclass(frozen=True)
class ScreenServices:
    """What the app gives the main screen besides the request: credentials, extra persona files, the config."""

    credentials: Callable[[], tuple[bool, str]] = field(default=lambda: credentials())
    agents: tuple[str, ...] = ()
    config: Config | None = None
    # What the first request will need, loaded in a thread once the first screen is whole (None: nothing).
    warm_up: Callable[[], None] | None = None


@dataclass
class PersonaChoice:
    """One entry of the persona picker."""

    id: str
    name: str
    description: str = ""
    color: str | None = None
    scope: str = ""
    problem: str = ""  # worst diagnostic, if any
    persona: Persona | None = None


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

        # The screen opened on a fresh copy (`workbench demo`) replays there; otherwise a new copy is made.
        workspace = req.workspace if demo.is_unused_demo_workspace(req.workspace) else None
        mode = req.mode or "default"
        if req.demo_delay is None:
            return demo.demo_session(req.approver, workspace=workspace, mode=mode)
        return demo.demo_session(req.approver, workspace=workspace, mode=mode, delay=req.demo_delay)
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


def import_sdk() -> None:
    """The SDK (over a second to import), ahead of the first request of a session made by the core."""
    from workbench.core.agent.client import import_sdk

    import_sdk()


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


def persona_choice(persona: Persona) -> PersonaChoice:
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


def persona_model(persona: Persona, override: str | None = None, config: Config | None = None) -> str:
    """The model id a session with `persona` would use (the header shows it before the session exists)."""
    from workbench.core.models import model_table
    from workbench.core.models import persona_model as resolve

    return resolve(persona.model, override, model_table(config))


def model_label(persona: Persona | None, override: str | None = None, config: Config | None = None) -> str:
    """The resolved model id for the header; "" while the default persona is not known yet."""
    if persona is not None:
        return persona_model(persona, override, config)
    if override:
        return resolve_override(override, config)
    return ""


def resolve_override(model: str, config: Config | None = None) -> str:
    """An alias or an id as the session will send it (a local server's own model name passes through)."""
    from workbench.core.models import model_table, resolve_model

    return resolve_model(model, model_table(config)).resolved or model.strip()


def session_context(session: SessionLike) -> dict[str, object]:
    """The context gauge's figures for the status bar (nothing for a session without a gauge)."""
    gauge = session.context_gauge()
    if gauge is None:
        return {}
    return {"window": gauge.window, "context_tokens": gauge.context_tokens, "compact_at": gauge.compact_at}


def model_known(model: str, config: Config | None = None) -> bool:
    """True when `model` is an alias or a model id, not a name only a local server may know."""
    from workbench.core.models import model_table, resolve_model

    return resolve_model(model, model_table(config)).resolved is not None


def model_choices(config: Config | None = None) -> list[str]:
    """The aliases `/model` completes: the table's, after the config's `[models]`."""
    from workbench.core.models import model_table

    return sorted(model_table(config))


@dataclass
class GrantRow:
    id: str
    pattern: str
    scope: str
    origin: str  # who gave it, when, and for which call


def grant_origin(grant: Grant, today: dt.date | None = None) -> str:
    """`backend-architect 14:02 · Run: pytest -q`: the persona that asked, when, and the call it came from."""
    when = dt.datetime.fromtimestamp(grant.created)
    stamp = when.strftime("%H:%M") if when.date() == (today or dt.date.today()) else when.strftime("%Y-%m-%d")
    parts = [p for p in (grant.persona_id, stamp) if p]
    origin = " ".join(parts)
    return f"{origin} · {grant.summary}" if grant.summary else origin


def ledger_rows(session: SessionLike | None) -> list[GrantRow]:
    if session is None:
        return []
    return [
        GrantRow(id=g.id, pattern=g.pattern, scope=g.scope.value, origin=grant_origin(g)) for g in session.ledger.list()
    ]
