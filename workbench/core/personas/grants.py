"""Tool grant resolution and the frontmatter-versus-body conflict rule (docs/personas.md, "Tool names and grants").

Prose never grants capability: a body list only becomes the grant for files with no frontmatter at all
(Ouroboros specs, plain Markdown). Anywhere else it is advisory and compared with the frontmatter grant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.core.personas.bodytools import BodyTools, body_tool_lists, dedupe, mcp_covered, tool_name_note
from workbench.core.personas.model import Diagnostic, PolicyRule, Severity, ToolGrant, UnavailableTool
from workbench.core.toolnames import (
    CANONICAL_TOOLS,
    ToolName,
    canonical_sort_key,
    lookup,
    normalize_mcp_part,
    split_tool_list,
)

McpServers = Mapping[str, Sequence[str] | None]
ConflictPolicy = Literal["frontmatter", "strict", "union"]

_ALL_MCP = ("mcp__*", "mcp_*")
_OPENCODE_EDIT = ("Edit", "Write", "MultiEdit")


@dataclass
class GrantResult:
    grant: ToolGrant
    diagnostics: list[Diagnostic] = field(default_factory=list)
    policies: list[PolicyRule] = field(default_factory=list)
    note: str | None = None
    agent_refs: list[tuple[str, int | None]] = field(default_factory=list)  # from `Agent(a, b)` specifiers


def _entries_of(raw: Any) -> list[str]:
    if isinstance(raw, list):
        out: list[str] = []
        for item in raw:
            if isinstance(item, str):
                out.extend(split_tool_list(item) if "," in item else [item.strip()])
        return [x for x in out if x]
    if isinstance(raw, str):
        return split_tool_list(raw)
    return []


def _is_empty(raw: Any) -> bool:
    if raw is None or raw == [] or raw == {}:
        return True
    return isinstance(raw, str) and raw.strip().lower() in ("", "null", "~", "[]", "none")


class _Builder:
    def __init__(self, servers: McpServers | None) -> None:
        self.servers: dict[str, list[str] | None] = {
            normalize_mcp_part(k): (None if v is None else [normalize_mcp_part(t) for t in v])
            for k, v in (servers or {}).items()
        }
        self.granted: list[str] = []
        self.mcp: list[str] = []
        self.unavailable: list[UnavailableTool] = []
        self.rules: list[str] = []
        self.aliases: dict[str, str] = {}
        self.diags: list[Diagnostic] = []
        self.agent_refs: list[tuple[str, int | None]] = []
        self.bare: set[str] = set()  # canonical names listed without a specifier
        self._missing_servers: set[str] = set()

    def all_tools(self) -> None:
        self.granted = list(CANONICAL_TOOLS)
        self.bare.update(CANONICAL_TOOLS)
        self.mcp = [f"mcp__{s}" for s in self.servers]

    def add(self, entry: str, line: int | None) -> None:
        if entry.strip() in ("*",):
            self.all_tools()
            return
        if entry.strip().lower() in _ALL_MCP:
            for server in self.servers:
                self._add_mcp(f"mcp__{server}")
            return
        tool = lookup(entry, self.servers)
        if tool is None:
            self.unavailable.append(UnavailableTool(entry, "unknown tool name"))
            self.diags.append(
                Diagnostic("W_UNKNOWN_TOOL", Severity.WARNING, f"unknown tool {entry!r} ignored", line, {"name": entry})
            )
            return
        if tool.kind == "unsupported":
            reason = f"unsupported: {tool.reason}"
            self.unavailable.append(UnavailableTool(entry, reason))
            self.diags.append(
                Diagnostic(
                    "W_UNSUPPORTED_TOOL",
                    Severity.WARNING,
                    f"tool {entry!r} is not available ({tool.reason})",
                    line,
                    {"name": entry},
                )
            )
            return
        if tool.kind == "mcp":
            self._mcp(tool, line)
            return
        assert tool.canonical is not None
        if tool.base != tool.canonical:
            self.aliases[tool.base] = tool.canonical
        if tool.canonical not in self.granted:
            self.granted.append(tool.canonical)
        if tool.rule and tool.rule not in self.rules:
            self.rules.append(tool.rule)
        if tool.specifier is None:
            self.bare.add(tool.canonical)
        if tool.canonical == "Agent" and tool.specifier:
            self.agent_refs.extend((a.strip(), line) for a in tool.specifier.split(",") if a.strip())

    def _add_mcp(self, name: str) -> None:
        if name not in self.mcp:
            self.mcp.append(name)

    def _mcp(self, tool: ToolName, line: int | None) -> None:
        assert tool.canonical is not None and tool.server is not None
        server = tool.server
        if server not in self.servers:
            reason = f"MCP server {server!r} is not configured"
            self.unavailable.append(UnavailableTool(tool.written, reason, tool.canonical))
            if server not in self._missing_servers:
                self._missing_servers.add(server)
                self.diags.append(
                    Diagnostic(
                        "W_MCP_SERVER_MISSING",
                        Severity.WARNING,
                        f"{reason}; its tools are unavailable",
                        line,
                        {"server": server},
                    )
                )
            return
        known = self.servers[server]
        if tool.tool not in (None, "*") and known is not None and tool.tool not in known:
            reason = f"MCP server {server!r} has no tool {tool.tool!r}"
            self.unavailable.append(UnavailableTool(tool.written, reason, tool.canonical))
            self.diags.append(Diagnostic("W_MCP_TOOL_MISSING", Severity.WARNING, reason, line))
            return
        self._add_mcp(tool.canonical)

    def remove(self, entry: str, line: int | None, disallowed: list[str], deny: list[str]) -> None:
        tool = lookup(entry, self.servers)
        if tool is None or tool.canonical is None:
            if tool is None:
                self.diags.append(
                    Diagnostic("W_UNKNOWN_TOOL", Severity.WARNING, f"unknown tool {entry!r} in disallowedTools", line)
                )
            return
        if tool.specifier is not None:
            if tool.rule and tool.rule not in deny:
                deny.append(tool.rule)
            return
        if tool.kind == "mcp":
            prefix = tool.canonical.removesuffix("__*")
            self.mcp = [m for m in self.mcp if m != tool.canonical and not m.startswith(prefix + "__") and m != prefix]
        else:
            self.granted = [g for g in self.granted if g != tool.canonical]
        if tool.canonical not in disallowed:
            disallowed.append(tool.canonical)


def _opencode(
    builder: _Builder, fm: Mapping[str, Any], line_of: Mapping[str, int]
) -> tuple[list[str], list[PolicyRule]]:
    """OpenCode: every tool unless its `tools` map says false; `permission` ask/deny entries become rules."""
    builder.all_tools()
    disallowed: list[str] = []
    tools = fm.get("tools")
    if isinstance(tools, dict):
        for key, value in tools.items():
            enabled = str(value).strip().lower() not in ("false", "no", "off", "0")
            name = str(key).strip()
            if name.endswith("_*") and not name.startswith("mcp"):
                name = f"mcp__{name[:-2]}"
            if enabled:
                if name.startswith("mcp"):
                    builder.add(name, line_of.get("tools"))
                continue
            builder.remove(name, line_of.get("tools"), disallowed, [])
    policies: list[PolicyRule] = []
    permission = fm.get("permission")
    if isinstance(permission, dict):
        for key, value in permission.items():
            names = list(_OPENCODE_EDIT) if str(key).lower() == "edit" else []
            if not names:
                tool = lookup(str(key))
                names = [tool.canonical] if tool and tool.kind == "builtin" and tool.canonical else []
            pairs = [(str(k).strip(), v) for k, v in value.items()] if isinstance(value, dict) else [("", value)]
            for index, (pattern, action) in enumerate(pairs):
                action = str(action).strip().lower()
                if action not in ("ask", "deny") or not names:
                    continue
                rules = tuple(f"{n}({pattern})" if pattern and pattern != "*" else n for n in names)
                # OpenCode: the last matching pattern wins, so a later pattern (`"ls *": allow` after
                # `"*": deny`) is an exception to this one. An exception only lifts this rule; the
                # workbench's own policy still decides the call.
                later = tuple(p for p, _ in pairs[index + 1 :]) if names == ["Bash"] else ()
                policies.append(
                    PolicyRule(
                        id=f"opencode-{key}-{action}" + (f"-{index + 1}" if len(pairs) > 1 else ""),
                        kind="ask" if action == "ask" else "deny",
                        rules=rules,
                        remember=True,
                        source_line=line_of.get("permission"),
                        text=f"permission.{key}: {action}" + (f" for {pattern}" if pattern else ""),
                        unless=tuple("*" if p in ("", "*") else p for p in later),
                    )
                )
    return disallowed, policies


def resolve_grant(
    dialect: str,
    fm: Mapping[str, Any] | None,
    line_of: Mapping[str, int],
    body: str,
    body_first_line: int,
    mcp_servers: McpServers | None,
    conflict: ConflictPolicy = "frontmatter",
    trust_persona_tools: bool = False,
) -> GrantResult:
    """Resolve the grant. `conflict` decides what a body tool list does when the frontmatter also has one:
    "frontmatter" (default) ignores it, "strict" intersects, "union" adds it (only with `trust_persona_tools`)."""
    builder = _Builder(mcp_servers)
    fm = fm or {}
    body_tools = body_tool_lists(body, body_first_line)
    disallowed: list[str] = []
    deny: list[str] = []
    policies: list[PolicyRule] = []
    source = "frontmatter"
    tools_line = line_of.get("tools")
    if dialect == "opencode":
        disallowed, policies = _opencode(builder, fm, line_of)
        declared, source = "all", "opencode"
    elif "tools" in fm:
        raw = fm["tools"]
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            builder.diags.append(
                Diagnostic(
                    "W_TOOLS_BOOLEAN",
                    Severity.WARNING,
                    f"tools: {raw.strip()} read as {'all' if raw.strip().lower() == 'true' else 'no'} tools",
                    tools_line,
                )
            )
            raw = "*" if raw.strip().lower() == "true" else ""
        if _is_empty(raw):
            declared = "empty"
        else:
            entries = _entries_of(raw)
            if isinstance(raw, dict):
                builder.diags.append(
                    Diagnostic(
                        "W_TOOLS_MAPPING",
                        Severity.WARNING,
                        "tools is a mapping; its enabled keys are read as a list",
                        tools_line,
                    )
                )
                entries = [str(k) for k, v in raw.items() if str(v).strip().lower() not in ("false", "no", "0")]
            declared = "all" if "*" in entries else "list"
            for entry in entries:
                builder.add(entry, tools_line)
    elif dialect in ("ouroboros-spec", "plain-markdown") and body_tools.entries:
        declared, source = "list", "body-heuristic"
        builder.diags.append(
            Diagnostic(
                "I_TOOLS_FROM_BODY",
                Severity.INFO,
                f"no frontmatter: the grant is read from the tool list in the body ({len(body_tools.entries)} names)",
                body_tools.entries[0][1],
            )
        )
        for entry, line in body_tools.entries:
            builder.add(entry, line)
    else:
        declared, source = "absent", "none"
        builder.all_tools()
    for entry in _entries_of(fm.get("disallowedTools")):
        builder.remove(entry, line_of.get("disallowedTools"), disallowed, deny)
    if deny:
        policies.append(
            PolicyRule(
                "disallowed-tools", "deny", tuple(deny), False, line_of.get("disallowedTools"), "disallowedTools"
            )
        )
    # "Every tool" stops being literal once something is disallowed: then the lists are the grant. MCP servers
    # that aren't known yet stay covered by `mcp__*` unless an MCP entry was disallowed.
    inherit_all = declared in ("absent", "all") and not disallowed
    no_mcp_denied = not any(d.startswith("mcp__") for d in disallowed)
    if declared in ("absent", "all") and disallowed and mcp_servers is None and no_mcp_denied:
        builder.mcp = ["mcp__*"]
    granted = sorted(builder.granted, key=canonical_sort_key)
    grant = ToolGrant(
        declared=declared,  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        granted=granted,
        mcp=sorted(builder.mcp),
        unavailable=builder.unavailable,
        disallowed=disallowed,
        rules=builder.rules,
        advisory_tools=[],
        inherit_all=inherit_all,
        aliases_used=builder.aliases,
        scoped=[g for g in granted if g not in builder.bare],
    )
    result = GrantResult(grant, builder.diags, policies, agent_refs=builder.agent_refs)
    if declared == "list" and not grant.granted and not grant.mcp:
        result.diagnostics.append(
            Diagnostic(
                "E_NO_TOOLS",
                Severity.ERROR,
                "the tool list names tools but none of them is available, so the persona can't start; "
                "name at least one available tool, or remove the tools line to give it every tool",
                tools_line or (body_tools.entries[0][1] if body_tools.entries else None),
            )
        )
    if source in ("frontmatter", "opencode") and declared != "absent":
        _compare_body(result, builder, body_tools)
        if source == "frontmatter" and body_tools.entries and conflict != "frontmatter":
            _apply_conflict(result, builder, body_tools, conflict, trust_persona_tools)
    elif declared == "absent" and body_tools.entries:
        result.grant.advisory_tools = dedupe(_canonical_names(builder, body_tools))
    result.note = tool_name_note(result.grant, body)
    return result


def _canonical_names(builder: _Builder, body_tools: BodyTools) -> list[str]:
    names = []
    for entry, _ in body_tools.entries:
        tool = lookup(entry, builder.servers)
        if tool is not None and tool.canonical is not None:
            names.append(tool.canonical)
    return names


def _compare_body(result: GrantResult, builder: _Builder, body_tools: BodyTools) -> None:
    if not body_tools.entries:
        return
    body_names = dedupe(_canonical_names(builder, body_tools))
    fm_names = set(result.grant.granted) | set(result.grant.mcp)
    fm_names |= {u.canonical for u in result.grant.unavailable if u.canonical}
    body_only = [n for n in body_names if n not in fm_names and not mcp_covered(n, fm_names)]
    fm_only = [n for n in result.grant.granted if n not in body_names]
    result.grant.advisory_tools = body_only
    if body_only or (fm_only and not result.grant.inherit_all):
        result.diagnostics.append(
            Diagnostic(
                "W_BODY_TOOLS_MISMATCH",
                Severity.WARNING,
                "the body lists tools that differ from the frontmatter grant; the frontmatter wins"
                + (f" (named only in the body: {', '.join(body_only)})" if body_only else ""),
                body_tools.entries[0][1],
                {"body_only": body_only, "frontmatter_only": fm_only},
            )
        )


def _apply_conflict(
    result: GrantResult, builder: _Builder, body_tools: BodyTools, conflict: ConflictPolicy, trusted: bool
) -> None:
    body_names = set(_canonical_names(builder, body_tools))
    line = body_tools.entries[0][1]
    grant = result.grant
    if conflict == "strict":
        grant.granted = [g for g in grant.granted if g in body_names]
        grant.scoped = [g for g in grant.scoped if g in grant.granted]
        grant.mcp = [m for m in grant.mcp if m in body_names or mcp_covered(m, body_names)]
        message = "tool_conflict=strict: only tools named in both the frontmatter and the body are granted"
        result.diagnostics.append(Diagnostic("I_TOOL_CONFLICT_STRICT", Severity.INFO, message, line))
        return
    if not trusted:
        message = "tool_conflict=union widens the grant beyond the frontmatter; it needs --trust-persona-tools"
        result.diagnostics.append(Diagnostic("W_TOOL_CONFLICT_UNTRUSTED", Severity.WARNING, message, line))
        return
    for entry, entry_line in body_tools.entries:
        builder.add(entry, entry_line)
    grant.granted = sorted(builder.granted, key=canonical_sort_key)
    grant.scoped = [g for g in grant.granted if g not in builder.bare]
    grant.mcp = sorted(builder.mcp)
    grant.unavailable = builder.unavailable
    grant.advisory_tools = [n for n in grant.advisory_tools if n not in grant.granted and n not in grant.mcp]
    message = "tool_conflict=union: tools named in the body are granted too (trusted)"
    result.diagnostics.append(Diagnostic("I_TOOL_CONFLICT_UNION", Severity.INFO, message, line))
