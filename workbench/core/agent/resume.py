"""Continuing a saved session: its transcript read back into history, persona, mode, plan, usage and grants.

`AgentSession.resume` is `resume_session`; a history that ends in tool calls a killed process never answered is
given their results first (`repair_history`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.config import Config, load_config
from workbench.core.agent import delegate, wiring
from workbench.core.agent.codec import _build
from workbench.core.agent.parts import SessionParts, session_model_for
from workbench.core.approvals import ApprovalRequest, Approver, Decision, PermissionMode
from workbench.core.events import Compacted, Notice, TurnDone, TurnStarted, UsageUpdated
from workbench.core.personas.model import Persona
from workbench.core.policy.ledger import Grant
from workbench.core.session_store import LoadedSession, SessionStore

if TYPE_CHECKING:
    import anthropic
    import httpx2

    from workbench.core.agent.session import AgentSession

INTERRUPTED_RESULT = "Interrupted: the workbench stopped before this tool call finished; its effect is unknown."


def repair_history(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every tool_use a tool_result (a process killed mid-call leaves some without one)."""
    out = list(messages)
    if not out or out[-1].get("role") != "assistant":
        return out
    content = out[-1].get("content")
    ids = [b.get("id") for b in content or [] if isinstance(b, dict) and b.get("type") == "tool_use"]
    if ids:
        out.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": i, "content": INTERRUPTED_RESULT, "is_error": True}
                    for i in ids
                ],
            }
        )
    return out


def resume_session(
    cls: type[AgentSession],
    session_id: str,
    workspace: Path,
    *,
    approver: Approver,
    persona: Persona | None = None,
    model: str | None = None,
    mode: str | None = None,
    allow: Sequence[str] = (),
    deny: Sequence[str] = (),
    max_turns: int | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    store: SessionStore | None = None,
    config: Config | None = None,
    client: anthropic.AsyncAnthropic | None = None,
    personas: Sequence[Persona] | None = None,
    project_trusted: bool = False,
) -> AgentSession:
    """Continue a saved session ("latest" for the newest): history, persona, plan, usage and grants."""
    box = store or SessionStore(workspace)
    sid = box.resolve(session_id)
    lock = box.lock(sid)  # first: nothing is written under us while we read the transcript
    try:
        loaded = box.load(sid)
        meta = loaded.meta
        saved_mode = loaded.mode or str(meta.get("mode", "default"))
        chosen = persona or wiring.reload_persona(meta.get("persona", {}), workspace)
        cfg = config or load_config()
        parts = SessionParts(
            workspace,
            chosen,
            approver,
            (model and session_model_for(chosen, model)) or loaded.model or str(meta.get("model", "")),
            mode or saved_mode,
            [*meta.get("allow", []), *allow],
            [*meta.get("deny", []), *deny],
            max_turns or int(meta.get("max_turns", 50)),
            transport,
            box,
            cfg,
            client,
            personas,
            project_trusted,
        )
        transcript = box.reopen(sid, lock)
    except BaseException:
        lock.release()
        raise
    history = repair_history(loaded.messages)
    for message in history[len(loaded.messages) :]:
        transcript.message(message)
    try:
        session = cls(parts, loaded.id, transcript, history, list(loaded.events), loaded.system)
    except BaseException:
        transcript.close()
        raise
    session.rewind_cuts = list(loaded.cuts)
    restore(session, loaded)
    announce_mode(session, mode, saved_mode)
    return session


def announce_mode(session: AgentSession, explicit: str | None, saved: str) -> None:
    """Say which permission mode a resumed session runs in and why; a mode from --mode is remembered."""
    if explicit is not None and explicit != saved:
        session.transcript.mode(explicit)
        note = f"permission mode {session.mode}: --mode {explicit} replaces the session's {saved}"
    elif explicit is not None:
        note = f"permission mode {session.mode} (--mode)"
    else:
        note = f"permission mode {session.mode}, restored from the session; --mode changes it"
    requested = explicit or saved
    if session.mode != requested:
        note += f" (the persona's permissionMode tightens {requested})"
    wide = explicit is None and PermissionMode.parse(session.mode).strictness < PermissionMode.DEFAULT.strictness
    session.mode_notice = Notice(level="warning" if wide else "info", message=note)
    session.notices.insert(0, session.mode_notice)


def restore(session: AgentSession, loaded: LoadedSession) -> None:
    """Usage, the context gauge, the plan and the grant ledger as the saved session left them."""
    session.usage_by_persona = delegate.usage_by_persona(loaded.events, session.persona.id)
    in_turn = False
    for event in loaded.events:
        if isinstance(event, TurnStarted):
            in_turn = True
        elif isinstance(event, TurnDone) and not event.agent_path:
            in_turn = False
            session.usage = session.usage + event.usage
        elif isinstance(event, Compacted) and not in_turn:  # a compaction by hand: no turn paid for it
            session.usage = session.usage + event.usage
        if isinstance(event, UsageUpdated) and not event.agent_path:
            session.compactor.observe(event.turn)
        elif isinstance(event, Compacted):
            session.compactor.context_tokens = event.tokens_after
    session.plan = loaded.plan
    session.context.plan = tuple(session.plan)
    listener, session.ledger.on_change = session.ledger.on_change, None  # replaying is not news for the transcript
    try:
        for record in loaded.grants:
            replay_ledger(session, record)
    finally:
        session.ledger.on_change = listener


def replay_ledger(session: AgentSession, record: dict[str, Any]) -> None:
    """One recorded grant or revocation, in transcript order: the ledger ends as the session left it."""
    try:
        if isinstance(record.get("grant"), dict):
            grant = Grant.from_json(record["grant"])
            (session.ledger.restore if record.get("k") == "grant" else session.ledger.forget)(grant)
        elif record.get("k") == "grant":  # written before grants were recorded whole: the answer it came from
            session.policy.apply(_build(ApprovalRequest, record["request"]), _build(Decision, record["decision"]))
    except (KeyError, TypeError, ValueError):
        return
