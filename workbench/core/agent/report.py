"""A session as a readable Markdown report: prompts, answers, the plan, every tool call as evidence, the audit log.

Everything in it came from files, tools or the model: every such string is a fenced block or an inline code span
(see markdown_safe), so nothing in it renders as Markdown or HTML, whatever views the report: a plan item
`![img](https://…?k=secret)` shows as text and fetches nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    AssistantText,
    Compacted,
    ContractReport,
    ErrorEvent,
    HookRan,
    Notice,
    PlanUpdated,
    Rewound,
    SubagentFinished,
    SubagentStarted,
    ToolCallFinished,
    TurnDone,
    TurnStarted,
    UsageInfo,
    UsageUpdated,
)
from workbench.core.markdown_safe import code_span, fenced

if TYPE_CHECKING:
    from workbench.core.session_store import LoadedSession

OUTPUT_CAP = 4000


def _cap(text: str) -> str:
    if len(text) <= OUTPUT_CAP:
        return text
    return text[:OUTPUT_CAP] + f"\n[... {len(text) - OUTPUT_CAP} more characters]"


def _code(text: object) -> str:
    """An untrusted value, one line, as an inline code span (an empty value shows as nothing)."""
    return code_span(" ".join(str(text).split()), limit=200)


def _path(agent_path: tuple[str, ...]) -> str:
    return " › ".join(_code(p) for p in agent_path)


def _plan_lines(event: PlanUpdated) -> list[str]:
    marks = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}
    return [f"- {marks.get(i.status, '[ ]')} {_code(i.content)}" for i in event.items]


def _tool_call(event: ToolCallFinished) -> list[str]:
    status = "error" if event.is_error else "ok"
    who = _path(event.agent_path) + " › " if event.agent_path else ""  # a subagent's call, nested under its path
    head = f"#### {who}{_code(event.tool)} ({status}, {_code(event.decision)}, {event.duration_ms:.0f} ms"
    head += f", exit {event.exit_code})" if event.exit_code is not None else ")"
    lines = [head, "", "Input:", "", fenced(json.dumps(event.input, indent=2, ensure_ascii=False), "json"), ""]
    if event.diff:
        lines += ["Diff:", "", fenced(_cap(event.diff), "diff"), ""]
    lines += ["Output:", "", fenced(_cap(event.output)), ""]
    for item in event.media:  # stored without their data: what kind, how big
        lines += [f"Sent with it: {_code(item.get('media_type'))} image, {item.get('bytes', 0):,} bytes", ""]
    return lines


def _hook(event: HookRan) -> list[str]:
    code = f", exit {event.exit_code}" if event.exit_code is not None else ""
    head = (
        f"Hook {_code(event.hook_event)} {_code(event.command)} ({_code(event.outcome)}{code}, {event.duration_ms} ms)"
    )
    return [head + (f": {_code(event.message)}" if event.message else ""), ""]


def _told(loaded: LoadedSession) -> list[str]:
    """What the persona was told: the project instruction files it got, what the size cap cut, the prompt."""
    system = loaded.system or {}
    memory = system.get("memory")
    lines = ["## What the persona was told", ""]
    if isinstance(memory, list) and memory:
        lines += ["Project instructions (CLAUDE.md, AGENTS.md), in the order they were given:", ""]
        for item in memory:
            if isinstance(item, dict):
                note = f" — {_code(item['note'])}" if item.get("note") else ""
                sizes = f"{item.get('sent', 0):,} of {item.get('size', 0):,} bytes"
                lines.append(f"- {_code(item.get('path'))}: {sizes}{note}")
        lines.append("")
    elif isinstance(memory, list):
        lines += ["No project instruction files (CLAUDE.md, AGENTS.md) were found.", ""]
    text = system.get("text")
    if isinstance(text, str) and text:
        lines += ["The system prompt:", "", fenced(_cap(text), "markdown"), ""]
    return lines


def _by_persona(loaded: LoadedSession, root: str) -> list[str]:
    """One line per persona when subagents ran: who spent what."""
    totals: dict[str, UsageInfo] = {}
    for event in loaded.events:
        if isinstance(event, UsageUpdated):
            key = event.agent_path[-1] if event.agent_path else root
            totals[key] = totals.get(key, UsageInfo()) + event.turn
    if len(totals) < 2:
        return []
    parts = [f"{_code(k)} {_input(u)} in / {u.output_tokens} out ${u.cost_usd:.4f}" for k, u in totals.items()]
    return ["- Usage by persona: " + "; ".join(parts)]


def _subagent_started(event: SubagentStarted) -> list[str]:
    head = f"### Subagent {_code(event.persona_id)} ({_path(event.agent_path)}, model {_code(event.model)})"
    return [head, "", f"Task: {_code(event.description)}", "", "Prompt:", "", fenced(event.prompt), ""]


def _input(usage: UsageInfo) -> int:
    """Every input token, cached or not."""
    return usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens


def _subagent_finished(event: SubagentFinished, shown: str | None) -> list[str]:
    usage = event.usage
    head = f"Subagent {_code(event.persona_id)} finished ({_code(event.stop_reason)}, "
    head += f"{event.tool_calls} tool call(s), {_input(usage)} input / {usage.output_tokens} output tokens, "
    head += f"${usage.cost_usd:.4f})."
    if event.final_text and event.final_text == shown:
        return [head + " Its answer above went back to the parent.", ""]
    return [head + " Its answer, returned to the parent:", "", fenced(event.final_text or "(no text)", "markdown"), ""]


def _audit_section(audit_path: Path) -> list[str]:
    from workbench.core.policy.audit import audit_files, render_markdown

    if not audit_files(audit_path):
        return ["_No audit log for this session._"]
    lines = render_markdown(audit_path).splitlines()
    return [("##" + line) if line.startswith("#") else line for line in lines] + ["", f"Raw log: {_code(audit_path)}"]


def session_markdown(loaded: LoadedSession, audit_path: Path) -> str:
    meta = loaded.meta
    persona = meta.get("persona", {})
    out = [
        f"# Session {loaded.id}",  # an id the workbench made
        "",
        f"- Workspace: {_code(meta.get('workspace', ''))}",
        f"- Persona: {_code(persona.get('id', ''))} ({_code(persona.get('path', ''))})",
        f"- Model: {_code(meta.get('model', ''))}, mode {_code(meta.get('mode', ''))}",
        f"- Started: {_code(meta.get('created', ''))}",
    ]
    usage = UsageInfo()
    plan: PlanUpdated | None = None
    body: list[str] = []
    said: dict[tuple[str, ...], str] = {}  # each subagent's last answer shown
    for event in loaded.events:
        if isinstance(event, TurnStarted):
            body += [f"## Turn {event.turn}", "", "**Prompt:**", "", fenced(event.prompt), ""]
        elif isinstance(event, SubagentStarted):
            body += _subagent_started(event)
        elif isinstance(event, SubagentFinished):
            body += _subagent_finished(event, said.get(event.agent_path))
        elif isinstance(event, AssistantText):
            label = f"**Answer ({_path(event.agent_path)}):**" if event.agent_path else "**Answer:**"
            said[event.agent_path] = event.text
            body += [label, "", fenced(event.text, "markdown"), ""]
        elif isinstance(event, ToolCallFinished):
            body += _tool_call(event)
        elif isinstance(event, HookRan):
            body += _hook(event)
        elif isinstance(event, ApprovalRequested):
            body += [f"Approval asked: {_code(event.request.summary)} ({_code(event.request.reason)})", ""]
        elif isinstance(event, ApprovalDecided):
            verdict = "approved" if event.decision.allow else "denied"
            body += [f"Approval {verdict} by {_code(event.decision.by)}: {_code(event.decision.reason)}", ""]
        elif isinstance(event, PlanUpdated):
            plan = event
            body += [f"Plan updated ({_code(event.source)}):", "", *_plan_lines(event), ""]
        elif isinstance(event, ErrorEvent):
            body += [f"**Error ({_code(event.kind)}):** {_code(event.message)} {_code(event.hint)}", ""]
        elif isinstance(event, Notice):
            body += [f"_{_code(event.level)}:_ {_code(event.message)}", ""]
        elif isinstance(event, ContractReport):
            missing = ", ".join(_code(m) for m in event.missing) or "none"
            body += [f"Output contract: missing {missing}; in order: {event.in_order}", ""]
        elif isinstance(event, TurnDone):
            usage = usage + event.usage
            body += [f"_Turn ended:_ {_code(event.stop_reason)}", ""]
        elif isinstance(event, Compacted) and not event.agent_path:
            before, after = event.tokens_before, event.tokens_after
            body += [f"_History compacted ({_code(event.trigger)}):_ {before:,} → {after:,} tokens", ""]
        elif isinstance(event, Rewound):
            from workbench.core.checkpoint.report import event_lines

            body += [f"**Rewound to before turn {event.to_turn}:**", "", fenced("\n".join(event_lines(event))), ""]
    out += [
        f"- Usage: {usage.input_tokens} input, {usage.output_tokens} output, "
        f"{usage.cache_read_input_tokens} cache read, {usage.cache_creation_input_tokens} cache write; "
        f"${usage.cost_usd:.4f}",
        *_by_persona(loaded, str(persona.get("id", ""))),
        "",
    ]
    if plan is not None:
        out += ["## Plan", "", *_plan_lines(plan), ""]
    out += _told(loaded)
    out += body
    out += ["## Audit log", "", *_audit_section(audit_path), ""]
    if loaded.skipped_lines:
        out += [f"_{loaded.skipped_lines} unreadable line(s) of the transcript were skipped._", ""]
    return "\n".join(out)
