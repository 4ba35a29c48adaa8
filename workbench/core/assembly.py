"""Opening a session: the one path from a front end's request to a running AgentSession.

The screen (`workbench.tui.host`), `workbench run` (`workbench.headless`), the demo (`workbench.demo`) and any
other front end describe what they want in an `OpenRequest` and call `open_session`:

    opened = await open_session(OpenRequest(workspace, approver=DenyAll(), persona="code-reviewer", mcp=True))
    async for event in opened.session.run_turn("Review src/"):
        ...
    await opened.aclose()                    # the session, then any MCP servers this call started

The steps, always in this order: check the folder (and the credentials when asked to), read the config once,
assess the project's trust, start or take the MCP servers, discover the personas with those servers known (so
MCP grants resolve), pick the persona, create or resume the session, add the MCP tools. Whatever the user
should hear about (a persona that was passed over, an MCP config that could not be read) is in `Opened.notices`
and is also queued on the session, so it reaches the first turn's events. Anything that stops the session is an
`OpenError` whose message says what to do.

The default persona, when the request names none (docs/personas.md, "Which persona answers"): the config's
`[personas] default`, else the first persona that loads without errors from the folders given on the command
line, else from the repository's own folders (closest first; only once the project is trusted), else the
built-in one. A persona with errors is never picked: each one passed over is named in a notice with its first
error.

Project trust (workbench.core.trust): `OpenRequest.trust` None takes the stored answer. An untrusted project's
settings only tighten, its MCP servers do not start, and its personas are neither the default nor reachable
by a name another persona has; `Opened.withheld` (and a notice) says what was ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from workbench.config import Config, load_config
from workbench.core.approvals import Approver, PermissionMode
from workbench.core.personas.model import Persona
from workbench.core.trust import ProjectTrust, assess, in_repository

if TYPE_CHECKING:  # the SDK and the MCP client load only once a session is really made
    import httpx2

    from workbench.core.agent.session import AgentSession
    from workbench.core.mcp.manager import McpManager
    from workbench.core.personas.discovery import LoadSet


class OpenError(Exception):
    """The request cannot become a session; the message says why and what to do."""


class McpProvider(Protocol):
    """Something that already runs the MCP servers (the screen's hub): its manager once ready, or None."""

    async def for_session(self) -> McpManager | None: ...


@dataclass
class OpenRequest:
    """What a front end asks for. Everything but the workspace and the approver has a default."""

    workspace: Path
    approver: Approver
    persona: str | Persona | None = None  # an id, a name, a file, a loaded persona; None: the default rule
    agents: Sequence[Path | str] = ()  # extra persona files and folders (the command line's --agents)
    model: str | None = None  # an alias or an id; None: the persona's
    mode: PermissionMode | str | None = None  # None: the settings' defaultMode, else default
    allow: Sequence[str] = ()
    deny: Sequence[str] = ()
    max_turns: int = 50
    resume: str | None = None  # a session id (a unique prefix is enough) or "latest"
    trust: bool | None = None  # the project's own settings, servers, personas: None the stored answer, else this run
    mcp: bool | McpProvider = False  # True: start the configured servers here (and stop them in aclose)
    transport: httpx2.AsyncBaseTransport | None = None  # tests, replays and the demo bring their own
    record: Path | None = None  # write the model traffic to this cassette
    config: Config | None = None  # None: the user's config file, read once here
    require_credentials: bool = False  # fail now (not at the first turn) when there is no API key


@dataclass
class PersonaPick:
    """The persona a session starts with, how it was chosen, and what was passed over on the way."""

    persona: Persona
    how: str  # explicit | config | command-line | project | builtin | resumed
    notices: list[str] = field(default_factory=list)


@dataclass
class Opened:
    session: AgentSession
    persona: PersonaPick | None  # None when a resumed session brought its own persona back
    notices: list[str] = field(default_factory=list)  # also queued on the session: its first turn's notices
    mcp: McpManager | None = None
    owns_mcp: bool = False  # the servers were started by this call: `aclose` stops them
    trust: ProjectTrust | None = None
    withheld: list[str] = field(default_factory=list)  # what the untrusted repository asked for and did not get

    def project_json(self) -> dict[str, object]:
        """For machine-readable output: whether the project is trusted, and what was ignored because it is not."""
        out: dict[str, object] = self.trust.to_json() if self.trust is not None else {}
        out["ignored"] = list(self.withheld)
        return out

    async def aclose(self) -> None:
        try:
            await self.session.aclose()
        finally:
            if self.owns_mcp and self.mcp is not None:
                await self.mcp.stop()


# -- personas ------------------------------------------------------------------------------------


def load_personas(
    workspace: Path,
    agents: Sequence[Path | str] = (),
    *,
    config: Config | None = None,
    mcp_servers: dict[str, list[str] | None] | None = None,
    repo_trusted: bool | None = None,
) -> LoadSet:
    """Every persona visible from `workspace`, the `agents` files and folders first. The repository's own come
    last while the project is untrusted (`repo_trusted` None: ask the trust store)."""
    from workbench.core.personas.discovery import discover

    extra = [Path(a).expanduser() for a in agents]
    return discover(workspace, extra, mcp_servers=mcp_servers, config=config, repo_trusted=repo_trusted)


def resolve_persona(
    ref: str,
    found: LoadSet,
    workspace: Path,
    *,
    config: Config | None = None,
    mcp_servers: dict[str, list[str] | None] | None = None,
) -> Persona:
    """The persona `ref` names (an id, a name, or a file); OpenError when none does or it cannot run."""
    from workbench.core.personas.discovery import discover

    candidate = Path(ref).expanduser()
    chosen: Persona | None
    if candidate.is_file():
        chosen = found.by_path(candidate)
        if chosen is None:  # a file outside the usual folders: load it on its own
            alone = discover(workspace, [candidate], include_defaults=False, mcp_servers=mcp_servers, config=config)
            chosen = alone.by_path(candidate)
            if chosen is None:
                problems = "; ".join(d.message for _, d in alone.failures) or "it could not be loaded"
                raise OpenError(f"persona file {ref}: {problems}")
    else:
        chosen = found.get(ref)
        if chosen is None:
            known = ", ".join(sorted(p.id for p in found.personas)) or "none found"
            raise OpenError(f"no persona {ref!r} (known: {known}); pass an id or a path to a persona file")
    if chosen.has_errors:
        raise OpenError(f"persona {chosen.id} cannot run: {first_errors(chosen)}")
    return chosen


def first_errors(persona: Persona) -> str:
    return "; ".join(f"{d.code}: {d.message}" for d in persona.diagnostics if d.severity == "error")


def default_persona(found: LoadSet, workspace: Path, config: Config) -> PersonaPick:
    """The persona a session starts with when nobody named one (the rule is in this module's docstring)."""
    from workbench.core.agent.builtin import builtin_persona

    notices: list[str] = []
    wanted = config.personas.default
    if wanted is not None and wanted.strip():
        try:
            return PersonaPick(resolve_persona(wanted.strip(), found, workspace, config=config), "config")
        except OpenError as exc:
            notices.append(f"[personas] default = {wanted.strip()!r} is not used: {exc}")
    groups = (
        ("command-line", [p for p in found.personas if p.source.scope == "explicit"]),
        ("project", [p for p in found.personas if _from_repository(p, workspace) and not p.source.untrusted]),
    )
    for how, personas in groups:
        for persona in personas:
            if not persona.has_errors:
                return PersonaPick(persona, how, notices)
            notices.append(f"persona {persona.id} ({persona.source.path}) was not chosen: {first_errors(persona)}")
    return PersonaPick(builtin_persona(), "builtin", notices)


def _from_repository(persona: Persona, workspace: Path) -> bool:
    """From a persona folder of the repository itself (not the user's, not bundled, not the command line)."""
    return persona.source.scope in ("project", "opencode", "gemini") and in_repository(
        Path(persona.source.path), workspace
    )


def with_mcp_grants(
    persona: Persona, workspace: Path, servers: dict[str, list[str] | None] | None, found: LoadSet
) -> Persona:
    """The persona as loaded with the running MCP servers known (`found`), so its MCP grants resolve; as it was
    when there are no servers or it has no file to load from."""
    source = Path(persona.source.path)
    if not servers or not source.is_file():
        return persona
    again = found.by_path(source)
    if again is None:  # a file named on the command line: outside the usual folders
        from workbench.core.personas.discovery import discover

        again = discover(workspace, [source], include_defaults=False, mcp_servers=servers).by_path(source)
    return again if again is not None else persona


# -- the session ---------------------------------------------------------------------------------


async def open_session(request: OpenRequest) -> Opened:
    """Turn `request` into a running session (see the module docstring). Raises OpenError."""
    config = _check(request)
    trust = assess(request.workspace, config=config, override=request.trust)
    notices: list[str] = []
    manager: McpManager | None = None
    owns = request.mcp is True
    if request.mcp is True:
        manager = await _start_mcp(request.workspace, config, trust.trusted, notices)
    elif request.mcp is not False:
        manager = await request.mcp.for_session()
    try:
        opened = _assemble(request, config, trust, manager, notices)
    except BaseException:
        if owns and manager is not None:
            await manager.stop()
        raise
    opened.owns_mcp = owns
    return opened


def open_now(request: OpenRequest) -> Opened:
    """`open_session` without MCP servers and without awaiting: the demo, and tests."""
    if request.mcp is not False:
        raise ValueError("open_now opens sessions without MCP servers; use open_session")
    config = _check(request)
    return _assemble(request, config, assess(request.workspace, config=config, override=request.trust), None, [])


def _check(request: OpenRequest) -> Config:
    """The cheap checks, before the SDK is imported; returns the config, read once."""
    if not request.workspace.is_dir():
        raise OpenError(f"{request.workspace}: not a folder")
    if request.mode is not None and not PermissionMode.known(request.mode):
        raise OpenError(f"unknown permission mode {request.mode!r}; choose one of {', '.join(PermissionMode)}")
    if request.require_credentials and request.transport is None:
        from workbench.core.agent.client import credentials_status

        ok, message = credentials_status()
        if not ok:
            raise OpenError(message)
    if request.resume is not None:
        from workbench.core.session_store import SessionNotFound, SessionStore

        try:
            SessionStore(request.workspace).resolve(request.resume)
        except SessionNotFound as exc:
            raise OpenError(str(exc)) from exc
    return request.config if request.config is not None else load_config()


async def _start_mcp(workspace: Path, config: Config, trusted: bool, notices: list[str]) -> McpManager | None:
    """Start the servers configured for the workspace (none configured: nothing started, nothing imported);
    the project's own only when it is trusted."""
    from workbench.core.mcp.config import load_mcp_config

    found = load_mcp_config(workspace, config=config)
    notices.extend(f"mcp: {problem}" for problem in found.errors)
    if not found.servers:
        return None
    from workbench.core.mcp.integration import open_mcp, startup_notices

    manager = await open_mcp(workspace, trust_project=trusted, config=config)
    notices.extend(startup_notices(manager))
    return manager


def _assemble(
    request: OpenRequest, config: Config, trust: ProjectTrust, manager: McpManager | None, notices: list[str]
) -> Opened:
    from workbench.core.agent.wiring import PersonaUnavailable
    from workbench.core.session_lock import SessionBusy
    from workbench.core.session_store import SessionNotFound
    from workbench.core.trust_report import notice, withheld

    servers = manager.server_tools() if manager is not None else None
    found = load_personas(
        request.workspace, request.agents, config=config, mcp_servers=servers, repo_trusted=trust.trusted
    )
    pick = _pick(request, config, found, servers)
    if pick is not None:
        notices.extend(pick.notices)
    try:
        session = _create_or_resume(request, config, pick.persona if pick is not None else None, found, trust)
    except (SessionNotFound, SessionBusy, PersonaUnavailable, ValueError) as exc:  # SessionBusy: another writer
        raise OpenError(str(exc)) from exc
    if manager is not None:
        from workbench.core.mcp.integration import attach_mcp

        attach_mcp(session, manager, persona=session.persona)
    kept_back = withheld(
        request.workspace,
        trust,
        config=config,
        ignored_settings=session.policy.settings_rules.ignored,
        personas=found.personas,
    )
    if kept_back:
        notices.append(notice(trust, kept_back))
    from workbench.core.project import attach_project

    notices += attach_project(session, trusted=trust.trusted, manager=manager)
    from workbench.core.events import Notice

    session.notices.extend(Notice(level="warning", message=text) for text in notices)
    return Opened(session, pick, list(notices), manager, trust=trust, withheld=kept_back.lines())


def _pick(
    request: OpenRequest, config: Config, found: LoadSet, servers: dict[str, list[str] | None] | None
) -> PersonaPick | None:
    """The persona to start with; None when resuming without one (the session brings its own back)."""
    wanted = request.persona
    if isinstance(wanted, Persona):
        if wanted.has_errors:
            raise OpenError(f"persona {wanted.id} cannot run: {first_errors(wanted)}")
        return PersonaPick(with_mcp_grants(wanted, request.workspace, servers, found), "explicit")
    if wanted is None and request.resume is not None:
        return None
    if wanted is not None:
        chosen = resolve_persona(wanted, found, request.workspace, config=config, mcp_servers=servers)
        return PersonaPick(chosen, "explicit")
    return default_persona(found, request.workspace, config)


def _create_or_resume(
    request: OpenRequest, config: Config, persona: Persona | None, found: LoadSet, trust: ProjectTrust
) -> AgentSession:
    from workbench.core.agent.session import AgentSession

    transport = request.transport
    if request.record is not None:
        import httpx2

        from workbench.core.replay import RecordingTransport

        transport = RecordingTransport(transport or httpx2.AsyncHTTPTransport(), request.record)
    mode = PermissionMode.parse(request.mode) if request.mode is not None else None
    if request.resume is not None:
        return AgentSession.resume(
            request.resume,
            request.workspace,
            approver=request.approver,
            persona=persona,
            model=request.model,
            mode=mode,
            allow=request.allow,
            deny=request.deny,
            transport=transport,
            config=config,
            personas=found.personas,
            project_trusted=trust.trusted,
        )
    assert persona is not None
    return AgentSession.create(
        request.workspace,
        persona,
        approver=request.approver,
        model=request.model,
        mode=mode or PermissionMode.DEFAULT,
        allow=request.allow,
        deny=request.deny,
        max_turns=request.max_turns,
        transport=transport,
        config=config,
        personas=found.personas,
        project_trusted=trust.trusted,
    )
