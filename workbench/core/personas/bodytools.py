"""Tool names in the body: tool-list sections and the tool-name note for the system prompt (docs/personas.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.core.personas.model import ToolGrant
from workbench.core.toolnames import lookup, split_body_list, split_specifier

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_TOOL_HEADING = re.compile(r"\b(tools?|toolkit|tooling)\b|\bmcp server", re.IGNORECASE)
_NAME_LIKE = re.compile(r"^(mcp__?[\w*-]+|[A-Za-z_][\w-]*(\(.*\))?)$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
_TOOLISH = re.compile(r"^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*| [A-Z][a-z0-9]+)+$")  # CamelCase or Title Words
_LABEL = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*(?:\*\*[^*]+\*\*\s*[:—–-]*\s*)?")


@dataclass
class BodyTools:
    entries: list[tuple[str, int]] = field(default_factory=list)  # (name as written, 1-based file line)


def body_tool_lists(body: str, body_first_line: int) -> BodyTools:
    """Tool names listed under headings like `## Primary Toolkit`, `### Authorized Tools`, `### MCP Server Access`.

    A section counts only when at least one of its names is a known tool, so a "## Tools" section that lists
    `docker` and `kubectl` is left alone. Unknown names are kept only when they look like tool names
    (`ImageGenerator`, `Image Generator`), so they can be reported.
    """
    found = BodyTools()
    section: list[tuple[str, int]] | None = None
    fenced = False

    def close() -> None:
        if section and any(lookup(name) is not None for name, _ in section):
            found.entries.extend(section)

    for i, line in enumerate(body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        heading = None if fenced else _HEADING.match(line.strip())
        if heading:
            close()
            section = [] if _TOOL_HEADING.search(heading.group(2)) else None
            continue
        if section is None or fenced or not line.strip():
            continue
        if _BACKTICK.search(line):
            names = split_body_list(line)
        else:
            names = split_body_list(_LABEL.sub("", line, count=1))
            if not names or not all(_NAME_LIKE.match(n) for n in names):
                continue
        section.extend((n, body_first_line + i) for n in names if lookup(n) is not None or _TOOLISH.match(n))
    close()
    return found


def dedupe(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def mcp_covered(name: str, granted: set[str]) -> bool:
    if not name.startswith("mcp__"):
        return False
    server = name[5:].split("__", 1)[0]
    return f"mcp__{server}" in granted or f"mcp__{server}__*" in granted


def tool_name_note(grant: ToolGrant, body: str) -> str | None:
    """The line added to the system prompt when the body uses foreign names or names unavailable tools."""
    lines: list[str] = []
    mapping: dict[str, list[str]] = {}
    missing: list[str] = []
    for token in _BACKTICK.findall(body):
        token = token.strip()
        base, _ = split_specifier(token)
        if not re.search(r"[A-Z_ ]", base) or len(base) > 40:
            continue  # plain lower-case words (`list`, `shell`) are too often not tool names
        tool = lookup(token)
        if tool is None:
            continue
        if tool.kind == "unsupported" and tool.base not in missing:
            missing.append(tool.base)
        elif tool.kind == "builtin" and tool.canonical and tool.base.lower() != tool.canonical.lower():
            names = mapping.setdefault(tool.canonical, [])
            if tool.base not in names:
                names.append(tool.base)
    if mapping or missing:
        text = "Tool names in this workbench: " + ", ".join(f"{'/'.join(v)}→{k}" for k, v in mapping.items())
        if not mapping:
            text = ""
        if missing:
            text = (text + ". " if text else "") + "Not available: " + ", ".join(missing)
        lines.append(text + ".")
    if grant.advisory_tools and grant.source == "frontmatter":
        builtin = [n for n in grant.advisory_tools if not n.startswith("mcp__")]
        servers = dedupe([n[5:].split("__", 1)[0] for n in grant.advisory_tools if n.startswith("mcp__")])
        named = builtin + ([f"MCP servers {'/'.join(servers)}"] if servers else [])
        available = ", ".join(grant.granted + grant.mcp) or "none"
        lines.append(
            f"Tools available to you in this session: {available}. Tools named elsewhere in these instructions "
            f"({', '.join(named)}) are not available."
        )
    return "\n".join(lines) or None
