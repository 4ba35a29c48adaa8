"""How a session is put together from the other parts of the core: tools, policy, audit, persona reload."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workbench.config import Config
from workbench.core.checkpoint.recorder import Checkpointer, CheckpointSettings
from workbench.core.events import ToolCallFinished
from workbench.core.personas.model import Persona
from workbench.core.policy.audit import KEEP, MAX_BYTES, AuditLog, CallRecord
from workbench.core.policy.engine import PolicyEngine
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.settings import load_rules
from workbench.core.tools.base import Tool, ToolResult
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.registry import build_registry


class PersonaUnavailable(LookupError):
    pass


def tool_context(workspace: Path, config: Config, session_id: str) -> ToolContext:
    settings = ToolSettings.from_config(config.tools, config.section("sandbox"))
    return ToolContext(workspace, settings=settings, session_id=session_id)


def checkpointer(workspace: Path, session_id: str, config: Config, past: Sequence[Any]) -> Checkpointer:
    """The session's checkpoints in the workspace's private store ([checkpoints] in the config)."""
    settings = CheckpointSettings.from_config(config.section("checkpoints"))
    return Checkpointer(workspace, session_id, settings, past=past)


def trailing_blocks(history: list[dict[str, Any]]) -> int:
    """Content blocks of a trailing user message a new prompt would merge into (-1 when there is none)."""
    if history and history[-1].get("role") == "user":
        return len(list(history[-1].get("content") or []))
    return -1


def offered_tools(persona: Persona, context: ToolContext, config: Config) -> dict[str, Tool]:
    """The persona's granted tools that the registry can run, canonical names only, in registry order."""
    registry = build_registry(network=context.settings.network)
    if persona.tools.inherit_all:
        return registry.tools()
    return registry.tools([name for name in persona.tools.granted if name in registry])


def audit_enabled(persona: Persona, config: Config) -> bool:
    """On unless `[audit] enabled = false` in the config; a persona that mandates audit trails (seed 000) keeps it
    on even then (a mandate only adds)."""
    mandated = any(rule.kind == "audit" for rule in persona.policies)
    return mandated or config.audit.enabled is not False


def audit_off_note(config: Config) -> str:
    where = f" in {config.path}" if config.path is not None else ""
    return f"the audit log is off ([audit] enabled = false{where}): tool calls are in the transcript only"


def audit_log(persona: Persona, path: Path, config: Config, *, session_id: str, force: bool = False) -> AuditLog | None:
    """The session's (or a subagent's) audit log, rotated by `[audit] max_bytes` and `keep`; None when it is off."""
    if not force and not audit_enabled(persona, config):
        return None
    size, keep = config.audit.max_bytes, config.audit.keep
    return AuditLog(
        path,
        session=session_id,
        persona_id=persona.id,
        persona_sha256=persona.source.sha256,
        max_bytes=size if size is not None and size > 0 else MAX_BYTES,
        keep=keep if keep is not None and keep >= 0 else KEEP,
    )


def write_audit(
    log: AuditLog,
    *,
    tool: str,
    args: dict[str, Any],
    started_at: float,
    duration_ms: float,
    evaluation: Any,
    decision: Any,
    result: ToolResult | None,
    error: str | None,
) -> None:
    verdict = str(getattr(evaluation, "verdict", "deny" if evaluation is None else "allow"))
    matched = getattr(evaluation, "matched", ()) or ()
    rule = getattr(evaluation, "rule", None)
    names = [str(m) for m in matched] if isinstance(matched, (list, tuple)) else []
    if rule and str(rule) not in names:
        names.append(str(rule))
    remembered = bool(decision is not None and decision.allow and str(decision.scope) != "once")
    log.record(
        CallRecord(
            tool=tool,
            input=args,
            started=started_at,
            duration_ms=int(duration_ms),
            decision=verdict,
            matched=names,
            reason=str(getattr(evaluation, "reason", "") or ""),
            approval=decision,
            remembered=remembered,
            result=result,
            error=error,
        )
    )


def audit_hook(log: AuditLog) -> Callable[..., None]:
    """The CallGate audit hook writing each finished call to `log` (sessions and subagents alike)."""

    def hook(
        *,
        event: ToolCallFinished,
        started_at: float,
        evaluation: Any,
        decision: Any,
        result: ToolResult | None,
        error: str | None,
    ) -> None:
        write_audit(
            log,
            tool=event.tool,
            args=event.input,
            started_at=started_at,
            duration_ms=event.duration_ms,
            evaluation=evaluation,
            decision=decision,
            result=result,
            error=error,
        )

    return hook


def reload_persona(meta: dict[str, Any], workspace: Path) -> Persona:
    """The persona a saved session used, loaded again from its file (ids as in the original load set)."""
    from workbench.core.agent.builtin import BUILTIN_PATH, builtin_persona
    from workbench.core.personas.discovery import discover

    path = meta.get("path")
    if path == BUILTIN_PATH:
        return builtin_persona()
    if not isinstance(path, str) or not path:
        raise PersonaUnavailable("the session does not record its persona file; pass --persona")
    if not Path(path).is_file():
        raise PersonaUnavailable(f"the session's persona file {path} is gone; pass --persona to choose another")
    found = discover(workspace, [Path(path)])
    persona = found.by_path(Path(path))
    if persona is None:
        problems = "; ".join(d.message for _, d in found.failures) or "it could not be loaded"
        raise PersonaUnavailable(f"the session's persona file {path}: {problems}")
    return persona


def policy_engine(
    workspace: Path,
    persona: Persona | None,
    *,
    mode: str,
    allow: Sequence[str],
    deny: Sequence[str],
    config: Config,
    project_trusted: bool = False,
) -> PolicyEngine:
    """The session's policy: settings files, the config's [permissions], the command line and the persona's rules
    (an untrusted project's settings only tighten: see workbench.core.policy.settings).

    Raises ValueError for an unknown mode or a bypass mode the settings forbid.
    """
    rules = load_rules(workspace, cli_allow=allow, cli_deny=deny, config=config, project_trusted=project_trusted)
    chosen = mode
    if mode == "default" and rules.default_mode:
        chosen = rules.default_mode
    return PolicyEngine(
        workspace,
        mode=chosen,
        rules=rules,
        persona=persona,
        ledger=GrantLedger.for_workspace(workspace),
        bypass_allowed=mode == "bypassPermissions",
    )
