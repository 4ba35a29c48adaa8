"""SaveMemory: appends one fact to the workbench's memory file (outside the workspace, so it always asks)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, ClassVar

from workbench.core.secrets import redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, req_str

HEADING = "## Workbench Added Memories"
MAX_FACT = 2000


def clean_fact(raw: str) -> str:
    fact = " ".join(raw.split())  # one line: a fact cannot inject headings or list structure
    if not fact:
        raise ToolError("'fact' must not be empty")
    if len(fact) > MAX_FACT:
        raise ToolError(f"a fact is at most {MAX_FACT} characters ({len(fact)} given); save a shorter summary")
    return redact(fact)


def append_fact(path: Path, fact: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    chunk = ""
    if HEADING not in existing:
        chunk += ("\n" if existing and not existing.endswith("\n") else "") + ("\n" if existing else "")
        chunk += HEADING + "\n\n"
    elif not existing.endswith("\n"):
        chunk += "\n"
    chunk += f"- {fact}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(chunk)


class SaveMemory(Tool):
    name: ClassVar[str] = "SaveMemory"
    kind: ClassVar[ToolKind] = ToolKind.MEMORY
    description: ClassVar[str] = (
        "Remember one short fact about the user or project across sessions (appended to the workbench's memory "
        "file). Use only when the user asks you to remember something."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"fact": {"type": "string", "description": "The fact to remember, one sentence"}},
        "required": ["fact"],
        "additionalProperties": False,
    }

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        c = ctx_of(ctx)
        fact = clean_fact(req_str(args, "fact"))
        return CallPreview(summary=f"Remember: {fact[:80]}", meta={"memory_file": str(c.memory_file), "fact": fact})

    async def run(self, args: dict[str, Any], ctx: Any) -> ToolResult:
        c = ctx_of(ctx)
        fact = clean_fact(req_str(args, "fact"))
        try:
            await asyncio.to_thread(append_fact, c.memory_file, fact)
        except OSError as exc:
            raise ToolError(f"could not write the memory file {c.memory_file}: {exc.strerror}") from None
        return ToolResult(content=f"Remembered: {fact}", meta={"memory_file": str(c.memory_file)})
