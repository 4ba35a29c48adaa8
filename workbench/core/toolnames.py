"""Tool names of every dialect, mapped to the workbench's canonical (Claude Code) names (docs/personas.md).

Lookup is case-insensitive on the trimmed name. A `Tool(specifier)` suffix is kept apart as a rule specifier.
MCP names come in Claude Code's forms (`mcp__srv`, `mcp__srv__*`, `mcp__srv__tool`) and Gemini's
(`mcp_srv_tool`); both map to the Claude Code spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

CANONICAL_TOOLS: list[str] = [
    "Read",
    "LS",
    "Glob",
    "Grep",
    "ReadManyFiles",
    "Write",
    "Edit",
    "MultiEdit",
    "Bash",
    "TodoWrite",
    "WebFetch",
    "WebSearch",
    "SaveMemory",
    "Agent",
]

CANONICAL_ORDER: dict[str, int] = {name: i for i, name in enumerate(CANONICAL_TOOLS)}

ToolKindName = Literal["builtin", "mcp", "unsupported"]


@dataclass(frozen=True)
class ToolName:
    """One resolved tool name as written in a persona file."""

    written: str  # the entry as written, trimmed (specifier included)
    base: str  # the name without its specifier
    kind: ToolKindName
    canonical: str | None  # "Read", "mcp__srv__tool", "mcp__srv"; None for unsupported names
    origin: str  # claude-code | gemini | codex | opencode | mcp
    specifier: str | None = None  # "git status:*" for `Bash(git status:*)`
    server: str | None = None  # MCP server (normalized)
    tool: str | None = None  # MCP tool (normalized); "*" or None for a whole-server grant
    reason: str | None = None  # why an unsupported name can't be used

    @property
    def rule(self) -> str | None:
        """The permission rule a specifier becomes, e.g. `Bash(git status:*)`."""
        if self.specifier is None or self.canonical is None:
            return None
        return f"{self.canonical}({self.specifier})"

    @property
    def is_foreign(self) -> bool:
        """True when the name as written differs from the canonical one (ignoring case)."""
        return self.kind == "builtin" and self.canonical is not None and self.base != self.canonical


_UNSUPPORTED_BG = "background shell jobs are not implemented in the workbench"
_UNSUPPORTED_CC = "Claude Code tool not implemented in the workbench"
_UNSUPPORTED_IMAGE = "no image generation backend"

# name (lower case, single spaces) -> (canonical or None, origin, reason when unsupported)
_ALIASES: dict[str, tuple[str | None, str, str | None]] = {}


def _add(origin: str, canonical: str | None, *names: str, reason: str | None = None) -> None:
    for name in names:
        _ALIASES.setdefault(name.lower(), (canonical, origin, reason))


for _name in CANONICAL_TOOLS:
    _add("claude-code", _name, _name)
_add("claude-code", "Agent", "Task")
# Offered only when the session has something for them (skills; MCP servers with resources), so they are not
# in CANONICAL_TOOLS: a persona that inherits every tool gets them then; a tool list must name them.
SESSION_TOOLS = ("Skill", "ListMcpResourcesTool", "ReadMcpResourceTool")
for _name in SESSION_TOOLS:
    _add("claude-code", _name, _name)
_add("opencode", "Skill", "skill")
_add("claude-code", None, "NotebookEdit", "NotebookRead", reason="notebooks are not supported in v1")
_add("claude-code", None, "KillShell", "KillBash", "BashOutput", "BashOutputTool", reason=_UNSUPPORTED_BG)
_add("claude-code", None, "TaskOutput", "TaskStop", "AgentOutputTool", reason=_UNSUPPORTED_BG)
_add(
    "claude-code",
    None,
    "AskUserQuestion",
    "EnterPlanMode",
    "ExitPlanMode",
    "Skill",
    "ToolSearch",
    "LSP",
    "Monitor",
    "PowerShell",
    "SendMessage",
    "ListMcpResourcesTool",
    "ReadMcpResourceTool",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskUpdate",
    "CronCreate",
    "CronDelete",
    "CronList",
    reason=_UNSUPPORTED_CC,
)
# Gemini CLI display names, then internal names.
_add("gemini", "Glob", "FindFiles")
_add("gemini", "LS", "ReadFolder")
_add("gemini", "Read", "ReadFile")
_add("gemini", "Grep", "SearchText")
_add("gemini", "Write", "WriteFile")
_add("gemini", "Bash", "Shell")
_add("gemini", "SaveMemory", "Save Memory")
_add("gemini", "WebSearch", "GoogleSearch", "Google Search")
_add("gemini", "TodoWrite", "Write Todos", "WriteTodos")
_add("gemini", "Read", "read_file")
_add("gemini", "LS", "list_directory")
_add("gemini", "Glob", "glob")
_add("gemini", "Grep", "search_file_content", "grep_search")
_add("gemini", "Edit", "replace")
_add("gemini", "Write", "write_file")
_add("gemini", "Bash", "run_shell_command")
_add("gemini", "SaveMemory", "save_memory")
_add("gemini", "WebFetch", "web_fetch")
_add("gemini", "WebSearch", "google_web_search")
_add("gemini", "TodoWrite", "write_todos")
_add("gemini", "ReadManyFiles", "read_many_files")
# Codex CLI.
_add("codex", "Bash", "shell", "shell_command", "local_shell", "Local Shell")
_add("codex", "TodoWrite", "update_plan")
_add("codex", "LS", "list_dir")
_add("codex", "Grep", "grep_files")
_add("codex", None, "apply_patch", reason="apply_patch is not implemented; Edit and MultiEdit cover it")
_add("codex", None, "Image Generator", "image_gen", "image_generation", reason=_UNSUPPORTED_IMAGE)
# OpenCode.
_add("opencode", "Bash", "bash")
_add("opencode", "Edit", "edit")
_add("opencode", "Write", "write")
_add("opencode", "Read", "read")
_add("opencode", "Grep", "grep")
_add("opencode", "LS", "list")
_add("opencode", "TodoWrite", "todowrite")
_add("opencode", "WebFetch", "webfetch")
_add("opencode", "WebSearch", "websearch")
_add("opencode", None, "lsp", "skill", "question", "todoread", "patch", reason="OpenCode tool not implemented")

# Second chance: the same names with spaces, underscores and hyphens removed ("web_search", "Save-Memory").
_COMPACT: dict[str, str] = {}
for _key in _ALIASES:
    _COMPACT.setdefault(re.sub(r"[\s_-]+", "", _key), _key)

_SPECIFIER = re.compile(r"^(?P<base>[^()]+?)\s*\((?P<spec>.*)\)\s*$", re.DOTALL)
_MCP_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


def normalize_mcp_part(part: str) -> str:
    """One server or tool name with every character outside `[a-zA-Z0-9_-]` replaced by `_`."""
    return _MCP_CHARS.sub("_", part)


def normalize_mcp_name(server: str, tool: str) -> str:
    """The Claude Code name of an MCP tool: `mcp__<server>__<tool>`, both parts normalized."""
    return f"mcp__{normalize_mcp_part(server)}__{normalize_mcp_part(tool)}"


def split_specifier(entry: str) -> tuple[str, str | None]:
    """`Bash(git status:*)` -> ("Bash", "git status:*"); `Read` -> ("Read", None)."""
    match = _SPECIFIER.match(entry.strip())
    if match is None:
        return entry.strip(), None
    return match.group("base").strip(), match.group("spec").strip()


def _lookup_mcp(written: str, base: str, spec: str | None, servers: Iterable[str] | None) -> ToolName | None:
    lower = base.lower()
    if lower.startswith("mcp__"):
        rest = base[5:]
        if not rest:
            return None
        if rest == "*":
            return ToolName(written, base, "mcp", "mcp__*", "mcp", spec, "*", "*")
        server, sep, tool = rest.partition("__")
        server = normalize_mcp_part(server)
        if not sep or not tool:
            return ToolName(written, base, "mcp", f"mcp__{server}", "mcp", spec, server, None)
        if tool == "*":
            return ToolName(written, base, "mcp", f"mcp__{server}__*", "mcp", spec, server, "*")
        tool = normalize_mcp_part(tool)
        return ToolName(written, base, "mcp", f"mcp__{server}__{tool}", "mcp", spec, server, tool)
    if lower.startswith("mcp_") and len(base) > 4:
        # Gemini: mcp_<server>_<tool>. A configured server name that prefixes the rest wins (longest first).
        rest = base[4:]
        server, tool = "", ""
        for name in sorted(servers or (), key=len, reverse=True):
            if rest.startswith(name + "_") and len(rest) > len(name) + 1:
                server, tool = name, rest[len(name) + 1 :]
                break
        if not server:
            server, _, tool = rest.partition("_")
        server = normalize_mcp_part(server)
        if not tool or tool == "*":
            return ToolName(written, base, "mcp", f"mcp__{server}", "gemini", spec, server, None)
        tool = normalize_mcp_part(tool)
        return ToolName(written, base, "mcp", f"mcp__{server}__{tool}", "gemini", spec, server, tool)
    return None


def lookup(name: str, servers: Iterable[str] | None = None) -> ToolName | None:
    """Resolve one tool name of any dialect. None when the name is unknown.

    `servers` (configured MCP server names) only helps to split Gemini's `mcp_<server>_<tool>` form.
    """
    written = " ".join(name.split())
    if not written:
        return None
    base, spec = split_specifier(written)
    base = base.strip("`'\"")
    mcp = _lookup_mcp(written, base, spec, servers)
    if mcp is not None:
        return mcp
    key = base.lower()
    entry = _ALIASES.get(key)
    if entry is None:
        compact = _COMPACT.get(re.sub(r"[\s_-]+", "", key))
        entry = _ALIASES.get(compact) if compact else None
    if entry is None:
        return None
    canonical, origin, reason = entry
    if canonical is None:
        return ToolName(written, base, "unsupported", None, origin, spec, reason=reason)
    return ToolName(written, base, "builtin", canonical, origin, spec)


def split_tool_list(text: str) -> list[str]:
    """Claude Code's list splitting: commas and whitespace outside parentheses separate entries.

    A surrounding `[...]` (a flow list that reached us as a string) is dropped, and so are quotes around entries.
    """
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    entries = _split_outside_parens(text, lambda c: c == "," or c.isspace())
    return [e.strip("'\"") for e in entries if e.strip("'\"")]


_BACKTICKED = re.compile(r"`([^`\n]+)`")


def split_body_list(text: str) -> list[str]:
    """A tool list written in prose: backticked tokens are kept whole (`Local Shell`); otherwise split on commas."""
    ticked = _BACKTICKED.findall(text)
    if ticked:
        return [t.strip() for t in ticked if t.strip()]
    return [e.strip() for e in _split_outside_parens(text, lambda c: c in ",;") if e.strip()]


def _split_outside_parens(text: str, is_separator: Callable[[str], bool]) -> list[str]:
    """Split on separator characters that are not inside parentheses (`Bash(git a, b)` stays whole)."""
    entries: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        if depth == 0 and is_separator(char):
            entries.append("".join(current))
            current = []
            continue
        current.append(char)
    entries.append("".join(current))
    return entries


def canonical_sort_key(name: str) -> tuple[int, str]:
    """Built-in tools in the canonical order, then MCP names alphabetically."""
    return (CANONICAL_ORDER.get(name, len(CANONICAL_ORDER)), name)
