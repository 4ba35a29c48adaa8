"""Which system a persona file was written for (docs/personas.md, "Reading a file", step 5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from workbench.core.personas.model import Dialect

_OUROBOROS = re.compile(r"^\s*OUROBOROS SPECIALIST SPEC\s+[—–-]+\s*\S+", re.MULTILINE)
_SNAKE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")
_GEMINI_NAMES = frozenset(
    {
        "read_file",
        "list_directory",
        "glob",
        "search_file_content",
        "grep_search",
        "replace",
        "write_file",
        "run_shell_command",
        "save_memory",
        "web_fetch",
        "google_web_search",
        "write_todos",
        "read_many_files",
    }
)
_CC_KEYS = ("name", "description", "tools", "model", "disallowedTools", "permissionMode", "color")


def _under(path: Path | None, *parts: str) -> bool:
    if path is None:
        return False
    names = [p.lower() for p in path.parts]
    return any(names[i : i + len(parts)] == list(parts) for i in range(len(names)))


def detect_dialect(fm: dict[str, Any] | None, body: str, path: Path | None) -> Dialect:
    """`fm` is the parsed frontmatter mapping, or None when the file has none (or it isn't a mapping)."""
    if fm is not None:
        tools = fm.get("tools")
        if (
            str(fm.get("mode", "")).strip() in ("primary", "subagent", "all")
            or isinstance(tools, dict)
            or "permission" in fm
            or _under(path, ".opencode")
        ):
            return "opencode"
        gemini_list = isinstance(tools, list) and any(
            isinstance(t, str) and (t in _GEMINI_NAMES or (_SNAKE.match(t) and t.startswith("mcp_"))) for t in tools
        )
        if "kind" in fm or gemini_list or _under(path, ".gemini", "agents"):
            return "gemini-subagent"
        if any(key in fm for key in _CC_KEYS):
            return "claude-code"
        return "plain-markdown"
    if _OUROBOROS.search(body):
        return "ouroboros-spec"
    return "plain-markdown"
