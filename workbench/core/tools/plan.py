"""TodoWrite: the agent's plan. The result's `meta["plan"]` carries the items so the loop can emit PlanUpdated."""

from __future__ import annotations

from typing import Any, ClassVar

from workbench.core.events import PlanItem
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of

STATUSES = ("pending", "in_progress", "completed")
MAX_ITEMS = 100
MARKS = {"pending": "[ ]", "in_progress": "[~]", "completed": "[x]"}


def parse_todos(args: dict[str, Any]) -> tuple[list[PlanItem], list[str]]:
    """Validate `todos`; returns the items and warnings (more than one in progress is allowed, with a warning)."""
    todos = args.get("todos")
    if not isinstance(todos, list):
        raise ToolError("'todos' must be a list of {content, status, activeForm}")
    if len(todos) > MAX_ITEMS:
        raise ToolError(f"a plan holds at most {MAX_ITEMS} items ({len(todos)} given)")
    items: list[PlanItem] = []
    for number, todo in enumerate(todos, start=1):
        if not isinstance(todo, dict):
            raise ToolError(f"todo #{number} must be an object with content and status")
        content = todo.get("content")
        if not isinstance(content, str) or not content.strip():
            raise ToolError(f"todo #{number}: 'content' must be a non-empty string")
        status = todo.get("status", "pending")
        if status not in STATUSES:
            raise ToolError(f"todo #{number}: status must be one of {', '.join(STATUSES)} (got {status!r})")
        active = todo.get("activeForm", todo.get("active_form", ""))
        if not isinstance(active, str):
            raise ToolError(f"todo #{number}: 'activeForm' must be a string")
        items.append(PlanItem(content=content.strip(), status=status, active_form=active.strip()))
    warnings = []
    busy = sum(1 for i in items if i.status == "in_progress")
    if busy > 1:
        warnings.append(f"{busy} items are in_progress; keep exactly one in progress at a time")
    return items, warnings


class TodoWrite(Tool):
    name: ClassVar[str] = "TodoWrite"
    kind: ClassVar[ToolKind] = ToolKind.STATE
    description: ClassVar[str] = (
        "Replace the session's task plan, shown to the user in the plan panel. Send the whole list each time; "
        "statuses are pending, in_progress (exactly one at a time) and completed."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "todos": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "content": {"type": "string", "minLength": 1},
                        "status": {"type": "string", "enum": list(STATUSES)},
                        "activeForm": {"type": "string", "minLength": 1},
                    },
                    "required": ["content", "status"],
                },
            }
        },
        "required": ["todos"],
        "additionalProperties": False,
    }

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        items, _ = parse_todos(args)
        done = sum(1 for i in items if i.status == "completed")
        return CallPreview(summary=f"Update plan ({done}/{len(items)} done)")

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        items, warnings = parse_todos(args)
        c.plan = tuple(items)
        lines = [f"{MARKS[i.status]} {i.content}" for i in items] or ["(empty plan)"]
        content = "Plan updated:\n" + "\n".join(lines)
        if warnings:
            content += "\n[warning: " + "; ".join(warnings) + "]"
        return ToolResult(content=content, meta={"plan": [i.to_json() for i in items], "warnings": warnings})
