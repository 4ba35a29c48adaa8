"""AgentSession: the one object the TUI, headless mode and tests drive.

    session = AgentSession.create(workspace, persona, approver=DenyAll())
    async for event in session.run_turn("Review src/"):
        ...                      # cancel by cancelling the consuming task

A session owns the history sent to the model, the plan, usage, the policy (with its grant ledger) and an
append-only transcript; `resume` rebuilds all of it from the transcript.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.config import Config, load_config
from workbench.config_sections import AgentSection
from workbench.core.agent import delegate, wiring
from workbench.core.agent.calls import CallGate
from workbench.core.agent.client import READ_TIMEOUT_S, LazyClient, credentials_status, make_client
from workbench.core.agent.compact import Compactor, ContextGauge, compact_at, files_touched
from workbench.core.agent.contract import check_contract
from workbench.core.agent.expand import Attacher, Expander
from workbench.core.agent.loop import AgentLoop, LoopOutcome, LoopSettings
from workbench.core.agent.memory import load_memory
from workbench.core.agent.parts import SessionParts, session_model_for
from workbench.core.agent.prompt import build_system_prompt
from workbench.core.agent.resume import resume_session
from workbench.core.agent.retry import RetryPolicy
from workbench.core.agent.turnprep import ToolWatch, TurnPrep
from workbench.core.approvals import Approver, PermissionMode, Scope
from workbench.core.events import (
    ErrorEvent,
    Event,
    Notice,
    PlanItem,
    PlanUpdated,
    Rewound,
    ToolCallFinished,
    TurnDone,
    TurnStarted,
    UsageInfo,
    UsageUpdated,
)
from workbench.core.personas.model import Persona
from workbench.core.policy.ledger import Grant
from workbench.core.safe_text import json_safe, visible_bytes
from workbench.core.session_store import TRANSIENT_EVENTS, SessionStore, Transcript, new_session_id
from workbench.core.tools.base import Tool

if TYPE_CHECKING:
    import anthropic
    import httpx2

    from workbench.core.checkpoint.rewind import Rewinder
    from workbench.core.hooks.session import SessionHooks


def _own_plan_change(event: Event) -> bool:
    """A successful TodoWrite of this session's persona (a subagent keeps a plan of its own)."""
    return (
        isinstance(event, ToolCallFinished)
        and event.tool == "TodoWrite"
        and not event.is_error
        and not event.agent_path
    )


def plan_note(items: Sequence[PlanItem]) -> str:
    lines = [f"{n}. [{i.status}] {i.content}" for n, i in enumerate(items, 1)] or ["(empty)"]
    return "<system-reminder>The user edited the plan. The plan is now:\n" + "\n".join(lines) + "\n</system-reminder>"


class AgentSession:
    def __init__(
        self,
        parts: SessionParts,
        session_id: str,
        transcript: Transcript,
        history: list[dict[str, Any]],
        events: list[Event],
        stored_system: dict[str, Any] | None = None,
    ) -> None:
        self.id = session_id
        self.workspace = parts.workspace.resolve()
        self.persona = parts.persona
        self.model = parts.model
        self.store = parts.store
        self.transcript = transcript
        self.history = history
        self.events = events
        self.usage = UsageInfo()
        self.usage_by_persona: dict[str, UsageInfo] = {}  # subagents' usage apart from the top persona's
        self.plan: list[PlanItem] = []
        self._plan_note: str | None = None
        self._turn = sum(1 for e in events if isinstance(e, TurnStarted))
        self._previous: AsyncGenerator[Event, None] | None = None
        self._closing: AsyncGenerator[Event, None] | None = None
        self._warned_unsaved = False
        self.resumed = bool(history)
        self.hooks: SessionHooks | None = None  # see set_hooks
        self.started_hooks = False  # SessionStart has run
        self.expanders: list[Expander] = []  # slash commands: custom commands, MCP prompts
        self.attachers: list[Attacher] = []  # @mentions: MCP resources
        self._watched: ToolWatch | None = None
        agent = parts.config.agent
        self.context = wiring.tool_context(self.workspace, parts.config, session_id)
        self.registry_tools = wiring.offered_tools(self.persona, self.context, parts.config)
        self.policy = wiring.policy_engine(
            self.workspace,
            self.persona,
            mode=parts.mode,
            allow=parts.allow,
            deny=parts.deny,
            config=parts.config,
            project_trusted=parts.project_trusted,
        )
        self.context.sandbox.warm()
        self.policy.network_gate = self.context.sandbox.confines_network
        self.mode = self.policy.mode
        self.mode_notice: Notice | None = None  # on resume: which mode is in force and why
        self.notices = [Notice(level="warning", message=m) for m in self.policy.messages]
        self.ledger = self.policy.ledger
        self.ledger.on_change = self._ledger_changed
        self.checkpoints = wiring.checkpointer(self.workspace, session_id, parts.config, events)
        self.rewind_cuts: list[Any] = []  # conversation cuts of earlier rewinds, for undo
        self.audit = wiring.audit_log(
            self.persona, self.store.audit_path(session_id), parts.config, session_id=session_id
        )
        self.audit_off = None if self.audit is not None else wiring.audit_off_note(parts.config)
        if self.audit_off is not None:  # said once per session, in every UI
            self.notices.append(Notice(level="info", message=self.audit_off))
        self.gate = CallGate(
            self.registry_tools,
            policy=self.policy,
            approver=parts.approver,
            context=self.context,
            audit=wiring.audit_hook(self.audit) if self.audit is not None else None,
            checkpoints=self.checkpoints,
        )
        read_timeout = agent.read_timeout_s if agent.read_timeout_s is not None else READ_TIMEOUT_S
        self.credentials_problem: str | None = None
        if parts.client is None and parts.transport is None:
            ok, message = credentials_status()
            self.credentials_problem = None if ok else message
        transport = parts.transport
        self.lazy_client = (
            LazyClient.of(parts.client)
            if parts.client is not None
            else LazyClient(lambda: make_client(transport=transport, timeout=read_timeout))
        )
        self._delegation(parts, agent)
        self.memory = load_memory(self.workspace)
        self.prompt_extras: list[str] = []  # sections besides the persona's own (the skills)
        if self.memory.cut:
            self.notices.append(Notice(level="warning", message=self.memory.notice()))
        self.system_prompt = self._system_prompt(stored_system)
        max_tokens = agent.max_tokens if agent.max_tokens is not None else 16000
        thinking = agent.thinking
        max_turns = (
            parts.max_turns if parts.persona.max_turns is None else min(parts.max_turns, parts.persona.max_turns)
        )
        self.settings = LoopSettings(
            model=self.model,
            max_tokens=max_tokens,
            max_turns=max_turns,
            thinking={"type": thinking} if isinstance(thinking, str) else None,
            retry=RetryPolicy.from_config(agent),
            pricing=parts.config.pricing,
        )
        self.loop = AgentLoop(
            self.lazy_client,
            self.settings,
            system=self.system_prompt,
            tools=[t.api_spec() for t in self.registry_tools.values()],
            executor=self.gate,
            commit=self._commit,
            session_usage=self._add_usage,
        )
        from workbench.core.models import context_window

        self.compactor = Compactor(
            self.loop,
            window=context_window(self.model, parts.config),
            threshold=compact_at(agent.compact_at),
            plan=lambda: self.plan,
            files=lambda: files_touched(self.events),
            on_compacted=self.transcript.compacted,
        )
        self.loop.compactor = self.compactor
        self._config = parts.config

    # -- construction --------------------------------------------------------------------------------

    resume = classmethod(resume_session)  # continue a saved session: workbench.core.agent.resume

    @classmethod
    def create(
        cls,
        workspace: Path,
        persona: Persona,
        *,
        approver: Approver,
        model: str | None = None,
        mode: str = "default",
        allow: Sequence[str] = (),
        deny: Sequence[str] = (),
        max_turns: int = 50,
        transport: httpx2.AsyncBaseTransport | None = None,
        store: SessionStore | None = None,
        config: Config | None = None,
        client: anthropic.AsyncAnthropic | None = None,
        personas: Sequence[Persona] | None = None,
        project_trusted: bool = False,
    ) -> AgentSession:
        cfg = config or load_config()
        parts = SessionParts(
            workspace,
            persona,
            approver,
            session_model_for(persona, model),
            mode,
            tuple(allow),
            tuple(deny),
            max_turns,
            transport,
            store or SessionStore(workspace),
            cfg,
            client,
            personas,
            project_trusted,
        )
        session_id = new_session_id()
        transcript = parts.store.create(
            session_id,
            {
                "workspace": str(workspace.resolve()),
                "persona": {"id": persona.id, "path": persona.source.path, "sha256": persona.source.sha256},
                "model": parts.model,
                "mode": mode,
                "allow": list(allow),
                "deny": list(deny),
                "max_turns": max_turns,
            },
        )
        try:
            return cls(parts, session_id, transcript, [], [])
        except BaseException:  # a bad mode or rule: no half-made session is left in the list
            transcript.close()
            transcript.path.unlink(missing_ok=True)
            raise

    def _system_prompt(self, stored: dict[str, Any] | None) -> str:
        """The session's system prompt: the stored one when resuming with the same persona file and tools (it
        is a snapshot of the start, and reusing it keeps the prompt cache warm), else built and stored now."""
        tools = list(self.registry_tools)
        if stored and stored.get("tools") == tools and stored.get("persona_sha256") == self.persona.source.sha256:
            text = stored.get("text")
            if isinstance(text, str) and text:
                return text
        text = visible_bytes(
            build_system_prompt(
                self.persona, self.workspace, tools, context=self.memory.text, extras=self.prompt_extras
            )
        )
        record = {"text": text, "tools": tools, "persona_sha256": self.persona.source.sha256}
        self.transcript.system({**record, "memory": self.memory.to_json()})
        return text

    def _delegation(self, parts: SessionParts, agent: AgentSection) -> None:
        """Offer the Agent tool when the persona grants it and there is another persona to start."""
        if agent.delegation is not False and delegate.grants_agent(self.persona):
            tool = delegate.for_session(self, parts.personas, parts.config, parts.approver)
            if tool is not None:
                self.registry_tools["Agent"] = tool

    # -- bookkeeping ---------------------------------------------------------------------------------

    def _commit(self, message: dict[str, Any]) -> None:
        message = json_safe(message)  # everything in the history goes into the next request's JSON
        self.history.append(message)
        self.transcript.message(message)

    def _add_usage(self, usage: UsageInfo) -> UsageInfo:
        self.usage = self.usage + usage
        return self.usage

    def _record(self, event: Event) -> Event:
        delegate.count_usage(self.usage_by_persona, event, self.persona.id)
        if not isinstance(event, TRANSIENT_EVENTS):  # complete events only: what a UI needs to rebuild
            self.events.append(event)
            self.transcript.event(event)
            if self.transcript.failure and not self._warned_unsaved:
                self._warned_unsaved = True
                self.notices.append(Notice(level="warning", message=self.transcript.failure))
        return event

    def _ledger_changed(self, kind: str, grant: Grant) -> None:
        """Grants and revocations (the approval card, the grants dialog, a subagent's answer) go into the transcript,
        so a resumed session's ledger is the one this session left."""
        if grant.scope is Scope.SESSION:
            self.transcript.ledger(kind, grant.to_json())

    def add_tools(self, tools: Sequence[Tool]) -> None:
        """Offer more tools (MCP servers' tools, via `attach_mcp`). Built-in names win; call before the first turn,
        since the tool list and the system prompt are part of the cached prefix."""
        for tool in tools:
            self.registry_tools.setdefault(tool.name, tool)
        self.system_prompt = self._system_prompt(None)
        self.loop.set_prompt(self.system_prompt, json_safe([t.api_spec() for t in self.registry_tools.values()]))

    def set_hooks(self, hooks: SessionHooks | None) -> None:
        """The hooks that count for this session (workbench.core.hooks); its tool gate runs the tool events."""
        self.hooks = hooks
        self.gate.hooks = hooks

    def watch_tools(self, version: Callable[[], int], current: Callable[[], list[Tool]]) -> None:
        """Tools from a source whose list can change (an MCP server's `list_changed`): `current()` is read again
        at the start of a turn whenever `version()` moved."""
        self._watched = ToolWatch(version, current, self)

    def refresh_watched_tools(self) -> str:
        """Take in a changed tool list (between turns: the tool list is part of the cached prefix); what changed."""
        return self._watched.refresh() if self._watched is not None else ""

    def set_model(self, model: str) -> str:
        """Switch models for the following requests (an alias or an id); returns the resolved id."""
        from workbench.core.models import context_window

        self.model = session_model_for(self.persona, model)
        self.settings.model = self.model
        self.compactor.window = context_window(self.model, self._config)
        self.transcript.model(self.model)
        return self.model

    def set_mode(self, mode: PermissionMode | str) -> PermissionMode:
        """Switch the permission mode for the following calls; returns the mode in force (a persona's
        permissionMode may keep it stricter). ValueError for an unknown mode or an unavailable bypass."""
        self.mode = self.policy.set_mode(mode)
        self.transcript.mode(self.mode.value)
        return self.mode

    def set_plan(self, items: Sequence[PlanItem]) -> PlanUpdated:
        """A user edit of the plan: recorded now, and the agent is told at the start of its next turn."""
        self.plan = list(items)
        self.context.plan = tuple(self.plan)
        self._plan_note = plan_note(self.plan)
        event = PlanUpdated(items=tuple(self.plan), source="user")
        self._record(event)
        return event

    def _add_prompt(self, content: list[dict[str, Any]]) -> None:
        blocks: list[dict[str, Any]] = []
        if self._plan_note:
            blocks.append({"type": "text", "text": self._plan_note})
            self._plan_note = None
        blocks += content
        blocks = json_safe(blocks)  # a prompt from argv or stdin may carry bytes that are not UTF-8
        if self.history and self.history[-1].get("role") == "user":  # after a cancel or max-turns stop
            last = self.history[-1]
            merged = {"role": "user", "content": [*list(last.get("content") or []), *blocks]}
            self.history[-1] = merged
            self.transcript.message({"role": "user", "content": blocks, "merge": True})
        else:
            self._commit({"role": "user", "content": blocks})

    # -- the turn ------------------------------------------------------------------------------------

    def run_turn(self, prompt: str) -> AsyncIterator[Event]:
        gen = self._run_turn(prompt)
        self._previous, previous = gen, self._previous
        self._closing = previous
        return gen

    async def _run_turn(self, prompt: str) -> AsyncGenerator[Event, None]:
        if self._closing is not None:  # an abandoned earlier turn: finish its cleanup first
            await self._closing.aclose()
            self._closing = None
        self._turn += 1
        prep = TurnPrep(self)
        before = await prep.prepare(prompt)
        yield self._record(TurnStarted(turn=self._turn, prompt=prompt, persona_id=self.persona.id, model=prep.model))
        while self.notices:
            yield self._record(self.notices.pop(0))
        for event in before:
            yield self._record(event)
        outcome = LoopOutcome()
        if prep.blocked_by:  # a hook refused the prompt, or a command could not expand: nothing is sent
            yield self._record(
                TurnDone(stop_reason=prep.blocked_by, final_text="", usage=outcome.usage, session_id=self.id)
            )
            self.transcript.sync_soon()
            return
        self.compactor.held = False
        try:  # over the threshold, the history is compacted first: the new prompt follows the summary verbatim
            if not self.credentials_problem and self.compactor.due(self.history, at_prompt=True):
                async for event in self.compactor.run(self.history, trigger="auto", outcome=outcome):
                    yield self._record(event)
        finally:  # a cancel during the summary request leaves the history as it was; the prompt goes in either way
            messages, blocks = len(self.history), wiring.trailing_blocks(self.history)
            self._add_prompt(prep.blocks())
        if self.credentials_problem:
            yield self._record(
                ErrorEvent(kind="auth", message="no Anthropic credentials", hint=self.credentials_problem)
            )
            yield self._record(TurnDone(stop_reason="error", final_text="", usage=outcome.usage, session_id=self.id))
            self.transcript.sync()
            return
        for mark in await self.checkpoints.turn_start(self._turn, messages, blocks):  # before any tool runs
            yield self._record(mark)
        finished = False
        try:
            with prep.applied():
                while True:
                    async for event in self._loop_events(outcome):
                        yield event
                    if outcome.stop_reason != "end_turn":
                        break
                    after, follow = await prep.after_stop(outcome.final_text)
                    for event in after:
                        yield self._record(event)
                    if follow is None:
                        break
                    self._add_prompt([{"type": "text", "text": f"A Stop hook asks you to go on: {follow}"}])
            if outcome.stop_reason == "end_turn" and self.persona.output_contract and outcome.final_text:
                yield self._record(check_contract(self.persona.output_contract, outcome.final_text))
            stop = outcome.stop_reason or "end_turn"
            if stop == "model_context_window_exceeded":
                hint = "the conversation no longer fits the model's context window; start a new session"
                yield self._record(Notice(level="warning", message=hint))
            if outcome.denied_calls and stop == "end_turn":
                yield self._record(Notice(level="warning", message=f"{outcome.denied_calls} tool call(s) were denied"))
            finished = True
            yield self._record(
                TurnDone(stop_reason=stop, final_text=outcome.final_text, usage=outcome.usage, session_id=self.id)
            )
            while self.notices:  # the end of the turn could not be recorded: said, not silently dropped
                yield self.notices.pop(0)
        finally:
            if not finished:
                self._record(
                    TurnDone(
                        stop_reason="cancelled", final_text=outcome.final_text, usage=outcome.usage, session_id=self.id
                    )
                )
            self.transcript.sync_soon()

    async def compact(self, instructions: str = "") -> AsyncGenerator[Event, None]:
        """Compact the history now (the screen's compact command and `/compact [instructions]`); not while a
        turn runs. Yields the summary request's events and `Compacted`, or a notice saying why not."""
        if len(self.history) < 2:
            yield self._record(Notice(level="info", message="nothing to compact yet"))
            return
        try:
            async for event in self.compactor.run(self.history, trigger="manual", instructions=instructions):
                yield self._record(event)
        finally:
            self.transcript.sync_soon()

    def rewinder(self) -> Rewinder:
        """Rewind this session's files and conversation (see workbench.core.checkpoint.rewind); call between
        turns. Its events are recorded like the turn's, and a conversation rewind edits `history` in place."""
        from workbench.core.checkpoint.rewind import Rewinder

        def record(event: Event) -> None:
            self._record(event)
            if isinstance(event, Rewound) and event.conversation:
                self.context.reads = type(self.context.reads)()  # what the agent read is no longer what it knows

        return Rewinder(self.checkpoints, self.events, self.history, record, self.rewind_cuts)

    async def _loop_events(self, outcome: LoopOutcome) -> AsyncGenerator[Event, None]:
        async with contextlib.aclosing(self.loop.run(self.history, outcome)) as events:
            async for event in events:
                if isinstance(event, UsageUpdated) and event.agent_path:  # a subagent's: the turn pays for it
                    outcome.usage = outcome.usage + event.turn
                yield self._record(event)
                while self.notices:
                    yield self._record(self.notices.pop(0))
                if _own_plan_change(event):
                    yield self._record(self._agent_plan())

    def _agent_plan(self) -> PlanUpdated:
        self.plan = list(getattr(self.context, "plan", ()) or ())
        return PlanUpdated(items=tuple(self.plan), source="agent")

    def context_gauge(self) -> ContextGauge | None:
        """How full the model's window is (None while the window is unknown)."""
        return self.compactor.gauge()

    def sandbox_warning(self) -> str | None:
        """One line when shell commands run without an OS sandbox (or are refused for want of one), else None."""
        return self.context.sandbox.warning()

    async def aclose(self) -> None:
        if self._previous is not None:
            await self._previous.aclose()
        self.context.sandbox.close()
        self.transcript.close()
        await self.lazy_client.close()
