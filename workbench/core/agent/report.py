"""A session as a readable Markdown report: prompts, answers, the plan, every tool call as evidence, the audit log.

Everything in it came from files, tools or the model, so code fences are made longer than any backtick run
inside them and nothing is interpreted as markup by whatever renders the report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.core.events import (
    ApprovalDecided,
    ApprovalRequested,
    AssistantText,
    ContractReport,
    ErrorEvent,
    Notice,
    PlanUpdated,
    SubagentFinished,
    SubagentStarted,
    ToolCallFinished,
    TurnDone,
    TurnStarted,
    UsageInfo,
    UsageUpdated,
)

if TYPE_CHECKING:
    from workbench.core.session_store import LoadedSession

OUTPUT_CAP = 4000


def fenced(text: str, lang: str = "") -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def _cap(text: str) -> str:
    if len(text) <= OUTPUT_CAP:
        return text
    return text[:OUTPUT_CAP] + f"\n[... {len(text) - OUTPUT_CAP} more characters]"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def _plan_lines(event: PlanUpdated) -> list[str]:
    marks = {"completed": "[x]", "in_progress": "[~]", "pending": "[ ]"}
    return [f"- {marks.get(i.status, '[ ]')} {_one_line(i.content)}" for i in event.items]


def _tool_call(event: ToolCallFinished) -> list[str]:
    status = "error" if event.is_error else "ok"
    who = "".join(f"{_one_line(p)} › " for p in event.agent_path)  # a subagent's call, nested under its path
    head = f"#### {who}{event.tool} ({status}, {event.decision}, {event.duration_ms:.0f} ms"
    head += f", exit {event.exit_code})" if event.exit_code is not None else ")"
    lines = [head, "", "Input:", "", fenced(json.dumps(event.input, indent=2, ensure_ascii=False), "json"), ""]
    if event.diff:
        lines += ["Diff:", "", fenced(_cap(event.diff), "diff"), ""]
    lines += ["Output:", "", fenced(_cap(event.output)), ""]
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
    parts = [f"`{_one_line(k)}` {_input(u)} in / {u.output_tokens} out ${u.cost_usd:.4f}" for k, u in totals.items()]
    return ["- Usage by persona: " + "; ".join(parts)]


def _subagent_started(event: SubagentStarted) -> list[str]:
    path = " › ".join(_one_line(p) for p in event.agent_path)
    head = f"### Subagent `{_one_line(event.persona_id)}` ({path}, model `{_one_line(event.model)}`)"
    return [head, "", f"Task: {_one_line(event.description)}", "", "Prompt:", "", fenced(event.prompt), ""]


def _input(usage: UsageInfo) -> int:
    """Every input token, cached or not."""
    return usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens


def _subagent_finished(event: SubagentFinished, shown: str | None) -> list[str]:
    usage = event.usage
    head = f"Subagent `{_one_line(event.persona_id)}` finished ({_one_line(event.stop_reason)}, "
    head += f"{event.tool_calls} tool call(s), {_input(usage)} input / {usage.output_tokens} output tokens, "
    head += f"${usage.cost_usd:.4f})."
    if event.final_text and event.final_text == shown:
        return [head + " Its answer above went back to the parent.", ""]
    return [head + " Its answer, returned to the parent:", "", fenced(event.final_text or "(no text)", "markdown"), ""]


def _audit_section(audit_path: Path) -> list[str]:
    if not audit_path.is_file():
        return ["_No audit log for this session._"]
    from workbench.core.policy.audit import render_markdown

    lines = render_markdown(audit_path).splitlines()
    return [("##" + line) if line.startswith("#") else line for line in lines] + ["", f"Raw log: `{audit_path}`"]


def session_markdown(loaded: LoadedSession, audit_path: Path) -> str:
    meta = loaded.meta
    persona = meta.get("persona", {})
    out = [
        f"# Session {loaded.id}",
        "",
        f"- Workspace: `{meta.get('workspace', '')}`",
        f"- Persona: `{persona.get('id', '')}` ({persona.get('path', '')})",
        f"- Model: `{meta.get('model', '')}`, mode `{meta.get('mode', '')}`",
        f"- Started: {meta.get('created', '')}",
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
            label = f"**Answer ({_one_line(' › '.join(event.agent_path))}):**" if event.agent_path else "**Answer:**"
            said[event.agent_path] = event.text
            body += [label, "", fenced(event.text, "markdown"), ""]
        elif isinstance(event, ToolCallFinished):
            body += _tool_call(event)
        elif isinstance(event, ApprovalRequested):
            body += [f"Approval asked: {_one_line(event.request.summary)} ({_one_line(event.request.reason)})", ""]
        elif isinstance(event, ApprovalDecided):
            verdict = "approved" if event.decision.allow else "denied"
            body += [f"Approval {verdict} by {event.decision.by}: {_one_line(event.decision.reason)}", ""]
        elif isinstance(event, PlanUpdated):
            plan = event
            body += [f"Plan updated ({event.source}):", "", *_plan_lines(event), ""]
        elif isinstance(event, ErrorEvent):
            body += [f"**Error ({event.kind}):** {_one_line(event.message)} {_one_line(event.hint)}", ""]
        elif isinstance(event, Notice):
            body += [f"_{event.level}: {_one_line(event.message)}_", ""]
        elif isinstance(event, ContractReport):
            missing = ", ".join(event.missing) or "none"
            body += [f"Output contract: missing {missing}; in order: {event.in_order}", ""]
        elif isinstance(event, TurnDone):
            usage = usage + event.usage
            body += [f"_Turn ended: {event.stop_reason}._", ""]
    out += [
        f"- Usage: {usage.input_tokens} input, {usage.output_tokens} output, "
        f"{usage.cache_read_input_tokens} cache read, {usage.cache_creation_input_tokens} cache write; "
        f"${usage.cost_usd:.4f}",
        *_by_persona(loaded, str(persona.get("id", ""))),
        "",
    ]
    if plan is not None:
        out += ["## Plan", "", *_plan_lines(plan), ""]
    out += body
    out += ["## Audit log", "", *_audit_section(audit_path), ""]
    if loaded.skipped_lines:
        out += [f"_{loaded.skipped_lines} unreadable line(s) of the transcript were skipped._", ""]
    return "\n".join(out)
