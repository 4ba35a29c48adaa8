"""Delegation: the `Agent` tool (Claude Code's `Task`) runs another loaded persona as a subagent.

The child runs the same loop as its parent with its own persona, system prompt, model and tools. What it
may do is the intersection of its grant and its parent's: it is offered only tools the parent has too,
its policy is the parent's `for_child` (the stricter mode, the parent persona's rules kept, the same grant
ledger) and its approvals go to the same approver, labelled with its `agent_path`. Every event of the child
reaches the parent's stream with `agent_path` set (between `SubagentStarted` and `SubagentFinished`), and
its final answer is the Agent call's result. Depth is limited and no persona appears twice on a path.

AgentSession offers it by itself when its persona grants Agent (or inherits every tool) and another persona
is loaded: `AgentSession.create(..., personas=load_set.personas)`, or every persona `discover()` finds.
`[agent] delegation = false` turns it off; `[agent] max_subagent_depth` (default 2) limits nesting.

    tool = for_session(session, personas, config, approver)   # None when there is no one to start
    tool = AgentTool(lineage)      # a Lineage describes the run that may delegate (the top persona or a child)
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from workbench.config import Config
from workbench.core.agent import wiring
from workbench.core.agent.calls import CallGate
from workbench.core.agent.client import LazyClient
from workbench.core.agent.loop import AgentLoop, LoopOutcome, LoopSettings
from workbench.core.agent.prompt import build_system_prompt
from workbench.core.approvals import ApprovalRequest, Approver, Decision
from workbench.core.events import (
    Event,
    SubagentFinished,
    SubagentStarted,
    UsageInfo,
    UsageUpdated,
)
from workbench.core.personas.model import Persona
from workbench.core.policy.engine import PolicyEngine
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult

if TYPE_CHECKING:
    from workbench.core.hooks.session import SessionHooks

DEFAULT_MAX_DEPTH = 2
MAX_STOP_ROUNDS = 5  # a SubagentStop hook that always blocks gets this many more rounds
MAX_DESCRIPTION_CHARS = 4000  # per persona in the tool description; seed 004's is 2,830
NO_ANSWER = "(the subagent ended without a text answer)"

AGENT_INTRO = (
    "Launch a subagent: another persona that works on a task on its own, with its own instructions and "
    "tools, and reports back. Use it for a self-contained task that fits one of the agent types below "
    "better than you do. The subagent does not see this conversation: write a prompt that says everything "
    "it needs (what to do, where, and what to report). Its final answer comes back as this tool's result; "
    "the user does not see it until you pass it on. The subagent can never do more than you can: it only "
    "has the tools you have too, under the same permissions. Instructions that mention the Task tool mean "
    "this tool."
)


@dataclass
class Lineage:
    """What a run that may delegate hands down to its children."""

    client: LazyClient
    workspace: Path
    config: Config
    session_id: str
    approver: Approver
    policy: PolicyEngine
    settings: Callable[[], LoopSettings]  # the parent's, read when a child starts: model, limits, retry, pricing
    tools: Callable[[], dict[str, Tool]]  # the parent's offered tools, read when a child starts
    personas: Sequence[Persona]  # the load set children are chosen from
    persona_ids: tuple[str, ...]  # root persona first, then each subagent: no persona twice on a path
    path: tuple[str, ...] = ()  # the parent's agent_path (empty for the top-level persona)
    max_depth: int = DEFAULT_MAX_DEPTH
    add_usage: Callable[[UsageInfo], UsageInfo] = lambda u: u  # adds to the session total, returns it
    on_decision: Callable[[ApprovalRequest, Decision], None] | None = None
    audit_path: Path | None = None  # the session's audit log; children write to it with their persona id
    audit_on: bool = False  # the parent keeps an audit trail: its children's calls are part of it
    allowed: tuple[str, ...] | None = None  # Agent(a, b) in the parent's grant: only these types
    hooks: Callable[[], SessionHooks | None] = lambda: None  # the session's: children's calls run them too


def granted_agents(persona: Persona) -> tuple[str, ...] | None:
    """The agent types an `Agent(a, b)` grant names, or None when Agent is granted without a specifier."""
    if persona.tools.inherit_all or "Agent" not in persona.tools.scoped:
        return None
    names: list[str] = []
    for rule in persona.tools.rules:
        head, _, rest = rule.partition("(")
        if head.strip() in ("Agent", "Task") and rest.endswith(")"):
            names.extend(n.strip() for n in rest[:-1].split(",") if n.strip())
    return tuple(dict.fromkeys(names))


def grants_agent(persona: Persona) -> bool:
    return persona.tools.inherit_all or "Agent" in persona.tools.granted


def candidates(lineage: Lineage) -> list[Persona]:
    """The personas this run may start: loadable, not already on the path, allowed by an `Agent(...)` grant;
    sorted by id so the tool description is the same bytes on every request."""
    out: dict[str, Persona] = {}
    for persona in lineage.personas:
        if persona.has_errors or persona.id in lineage.persona_ids or persona.id in out:
            continue
        allowed = lineage.allowed
        if allowed is not None and persona.id not in allowed and persona.name not in allowed:
            continue
        out[persona.id] = persona
    return [out[k] for k in sorted(out)]


def find_persona(ref: str, personas: Sequence[Persona]) -> Persona | None:
    """By id, then by name (the first, which the load set's precedence put first), then ignoring case."""
    ref = ref.strip()
    found = next((p for p in personas if p.id == ref), None) or next((p for p in personas if p.name == ref), None)
    return found or next((p for p in personas if p.id.lower() == ref.lower()), None)


def _tools_label(persona: Persona) -> str:
    if persona.tools.inherit_all:
        return "all tools"
    names = [n for n in persona.tools.granted if n != "Agent"] + list(persona.tools.mcp)
    return ", ".join(names) or "no tools"


def describe(personas: Sequence[Persona]) -> str:
    """The tool description: what Agent does and every agent type with its description (and its `<example>`
    blocks, which is how Claude Code lets the model route), in a fixed order."""
    lines = [AGENT_INTRO, "", "Available agent types (pass the id as subagent_type):"]
    if not personas:
        lines.append("(none: no other persona is loaded)")
    for persona in personas:
        text = persona.description.strip() or "(no description)"
        if persona.description_examples and "<example>" not in text:
            blocks = [f"<example>\n{e.get('text', '').strip()}\n</example>" for e in persona.description_examples]
            text += "\n" + "\n".join(blocks)
        if len(text) > MAX_DESCRIPTION_CHARS:
            text = text[:MAX_DESCRIPTION_CHARS] + " […]"
        lines.append(f"- {persona.id}: {text} (Tools: {_tools_label(persona)})")
    return "\n".join(lines)


class _ChildPolicy:
    """The child's policy, with its approval requests labelled with the child's agent_path."""

    def __init__(self, engine: PolicyEngine, path: tuple[str, ...]) -> None:
        self.engine = engine
        self.path = path

    def evaluate(self, tool: str, kind: ToolKind, args: dict[str, Any], preview: CallPreview, *, call_id: str) -> Any:
        evaluation = self.engine.evaluate(tool, kind, args, preview, call_id=call_id)
        if evaluation.request is not None:
            evaluation.request = dataclasses.replace(evaluation.request, agent_path=self.path)
        return evaluation

    def apply(self, request: ApprovalRequest, decision: Decision) -> Any:
        return self.engine.apply(request, decision)


@dataclass
class _Child:
    persona: Persona
    path: tuple[str, ...]
    gate: CallGate
    loop: AgentLoop
    history: list[dict[str, Any]] = field(default_factory=list)


class AgentTool(Tool):
    """Runs a loaded persona as a subagent; its final answer is the result."""

    name: ClassVar[str] = "Agent"
    description: ClassVar[str] = AGENT_INTRO
    kind: ClassVar[ToolKind] = ToolKind.DELEGATE
    input_schema: ClassVar[dict[str, Any]] = {}

    def __init__(self, lineage: Lineage) -> None:
        self.lineage = lineage
        self.choices = candidates(lineage)
        ids = [p.id for p in self.choices]
        self.spec: dict[str, Any] = {
            "name": self.name,
            "description": describe(self.choices),
            "input_schema": {
                "type": "object",
                "properties": {
                    "description": {"type": "string", "description": "A short (3-5 word) description of the task"},
                    "prompt": {"type": "string", "description": "The task for the agent to perform"},
                    "subagent_type": {
                        "type": "string",
                        "description": "The id of the agent type to use",
                        **({"enum": ids} if ids else {}),
                    },
                },
                "required": ["description", "prompt", "subagent_type"],
                "additionalProperties": False,
            },
        }

    def api_spec(self) -> dict[str, Any]:
        return self.spec

    # -- checks ------------------------------------------------------------------------------------

    def _valid(self) -> str:
        return ", ".join(p.id for p in self.choices) or "none (no other persona is loaded)"

    def _resolve(self, args: dict[str, Any]) -> tuple[Persona, str, str]:
        for key in ("description", "prompt", "subagent_type"):
            if not isinstance(args.get(key), str) or not str(args[key]).strip():
                raise ToolError(f"Agent needs a non-empty string {key!r}; valid subagent types: {self._valid()}")
        ref = str(args["subagent_type"])
        lineage = self.lineage
        depth = len(lineage.path) + 1
        if depth > lineage.max_depth:
            raise ToolError(
                f"cannot start {ref!r}: subagents may nest at most {lineage.max_depth} deep "
                f"(this call would be depth {depth}); do the task yourself"
            )
        persona = find_persona(ref, self.choices)
        if persona is None:
            on_path = find_persona(ref, lineage.personas)
            if on_path is not None and on_path.id in lineage.persona_ids:
                chain = " > ".join(lineage.persona_ids)
                raise ToolError(
                    f"cannot start {on_path.id!r}: it is already running in this chain ({chain}); a persona "
                    "cannot delegate to itself"
                )
            raise ToolError(f"unknown subagent_type {ref!r}; valid subagent types: {self._valid()}")
        return persona, str(args["description"]).strip(), str(args["prompt"])

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        persona, description, _ = self._resolve(args)
        return CallPreview(summary=f"Agent {persona.id}: {description}", meta={"persona_id": persona.id})

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        result: ToolResult | None = None
        async for item in self.run_stream(args, ctx):
            if isinstance(item, ToolResult):
                result = item
        if result is None:
            raise ToolError("the subagent ended without a result")
        return result

    # -- the child ---------------------------------------------------------------------------------

    def _child_tools(
        self, persona: Persona, path: tuple[str, ...], context: Any, settings: LoopSettings
    ) -> dict[str, Tool]:
        """The child's grant intersected with what the parent is offered, in the parent's order."""
        from workbench.core.mcp.integration import grant_allows, persona_servers

        servers = persona_servers(persona)
        parent = self.lineage.tools()
        own = wiring.offered_tools(persona, context, self.lineage.config)
        out: dict[str, Tool] = {}
        for name, tool in parent.items():
            if name == "Agent":
                if grants_agent(persona) and len(path) < self.lineage.max_depth:
                    deeper = AgentTool(self._lineage_for(persona, path, out, settings))
                    if deeper.choices:  # someone left to start who is not on the path yet
                        out[name] = deeper
            elif name.startswith("mcp__"):
                if grant_allows(persona.tools, name) and (servers is None or name.split("__")[1] in servers):
                    out[name] = tool
            elif name in own:
                out[name] = tool
        return out

    def _lineage_for(
        self, persona: Persona, path: tuple[str, ...], tools: dict[str, Tool], settings: LoopSettings
    ) -> Lineage:
        parent = self.lineage
        return dataclasses.replace(
            parent,
            policy=parent.policy.for_child(persona),
            settings=lambda: settings,
            tools=lambda: dict(tools),
            persona_ids=(*parent.persona_ids, persona.id),
            path=path,
            allowed=granted_agents(persona),
            audit_on=parent.audit_on or wiring.audit_enabled(persona, parent.config),
        )

    def _start(self, persona: Persona) -> _Child:
        parent = self.lineage
        path = (*parent.path, persona.id)
        context = wiring.tool_context(parent.workspace, parent.config, parent.session_id)
        base = parent.settings()
        max_turns = base.max_turns if persona.max_turns is None else min(base.max_turns, persona.max_turns)
        settings = dataclasses.replace(base, model=persona.model.resolved or base.model, max_turns=max_turns)
        tools = self._child_tools(persona, path, context, settings)
        agent = tools.get("Agent")
        policy = agent.lineage.policy if isinstance(agent, AgentTool) else parent.policy.for_child(persona)
        audit = None
        if parent.audit_path is not None and (parent.audit_on or wiring.audit_enabled(persona, parent.config)):
            log = wiring.audit_log(persona, parent.audit_path, parent.config, session_id=parent.session_id, force=True)
            assert log is not None
            audit = wiring.audit_hook(log)
        history: list[dict[str, Any]] = []
        gate = CallGate(
            tools,
            policy=_ChildPolicy(policy, path),
            approver=parent.approver,
            context=context,
            audit=audit,
            on_decision=parent.on_decision,
        )
        gate.hooks = parent.hooks()
        loop = AgentLoop(
            parent.client,
            settings,
            system=build_system_prompt(persona, parent.workspace, list(tools)),
            tools=[t.api_spec() for t in tools.values()],
            executor=gate,
            commit=history.append,
            session_usage=parent.add_usage,
        )
        return _Child(persona, path, gate, loop, history)

    async def run_stream(
        self, args: dict[str, Any], ctx: Any, *, call_id: str = ""
    ) -> AsyncIterator[Event | ToolResult]:
        persona, description, prompt = self._resolve(args)
        child = self._start(persona)
        path = child.path
        yield SubagentStarted(
            agent_path=path,
            call_id=call_id,
            persona_id=persona.id,
            description=description,
            prompt=prompt,
            model=child.loop.settings.model,
            color=persona.color,
            tools=tuple(child.gate.tools),
        )
        child.history.append({"role": "user", "content": [{"type": "text", "text": prompt}]})
        outcome = LoopOutcome()
        hooks = self.lineage.hooks()
        for round_ in range(MAX_STOP_ROUNDS + 1):
            async for event in child.loop.run(child.history, outcome):
                yield event if event.agent_path else dataclasses.replace(event, agent_path=path)
            if outcome.stop_reason != "end_turn" or hooks is None or not hooks.has("SubagentStop"):
                break
            payload = {
                "stop_hook_active": round_ > 0,
                "agent_type": persona.name,
                "last_assistant_message": outcome.final_text,
            }
            verdict, ran = await hooks.run("SubagentStop", payload, agent_path=path)
            for event in ran:
                yield event
            if not verdict.blocked or verdict.stop or round_ == MAX_STOP_ROUNDS:
                break
            child.history.append(
                {
                    "role": "user",
                    "content": [{"type": "text", "text": f"A SubagentStop hook asks you to go on: {verdict.reason}"}],
                }
            )
        stop = outcome.stop_reason or "end_turn"
        final = outcome.final_text
        yield SubagentFinished(
            agent_path=path,
            call_id=call_id,
            persona_id=persona.id,
            stop_reason=stop,
            final_text=final,
            usage=outcome.usage,
            tool_calls=len(outcome.tool_calls),
        )
        meta = {"persona_id": persona.id, "stop_reason": stop, "usage": outcome.usage.to_json()}
        if outcome.error is not None:
            why = f"{outcome.error.message}" + (f" ({outcome.error.hint})" if outcome.error.hint else "")
            partial = f"\nWhat it had written before that:\n{final}" if final else ""
            yield ToolResult(content=f"The subagent {persona.id} failed: {why}{partial}", is_error=True, meta=meta)
            return
        note = ""
        if stop == "max_turns":
            note = f"[{persona.id} stopped at its limit of {child.loop.settings.max_turns} requests]\n"
        elif stop not in ("end_turn", "stop_sequence"):
            note = f"[{persona.id} stopped: {stop}]\n"
        yield ToolResult(content=note + (final or NO_ANSWER), meta=meta)


def for_session(
    session: Any, personas: Sequence[Persona] | None, config: Config, approver: Approver
) -> AgentTool | None:
    """The Agent tool of an AgentSession (None when there is no other persona to start). Personas default to
    every one visible from the workspace (`discover`)."""
    if personas is None:
        from workbench.core.personas.discovery import discover

        personas = discover(session.workspace).personas
    depth = config.agent.max_subagent_depth if config.agent.max_subagent_depth is not None else DEFAULT_MAX_DEPTH
    lineage = Lineage(
        client=session.lazy_client,
        workspace=session.workspace,
        config=config,
        session_id=session.id,
        approver=approver,
        policy=session.policy,
        settings=lambda: session.settings,
        tools=lambda: dict(session.registry_tools),
        personas=list(personas),
        persona_ids=(session.persona.id,),
        max_depth=depth if isinstance(depth, int) and depth >= 1 else DEFAULT_MAX_DEPTH,
        add_usage=session._add_usage,
        audit_path=session.store.audit_path(session.id),
        audit_on=session.audit is not None,
        allowed=granted_agents(session.persona),
        hooks=lambda: session.hooks,
    )
    tool = AgentTool(lineage)
    return tool if tool.choices else None


def count_usage(totals: dict[str, UsageInfo], event: Event, root: str) -> None:
    """Add a usage event to a per-persona breakdown (the top-level persona under `root`)."""
    if isinstance(event, UsageUpdated):
        key = event.agent_path[-1] if event.agent_path else root
        totals[key] = totals.get(key, UsageInfo()) + event.turn


def usage_by_persona(events: Sequence[Event], root: str) -> dict[str, UsageInfo]:
    totals: dict[str, UsageInfo] = {}
    for event in events:
        count_usage(totals, event, root)
    return totals
