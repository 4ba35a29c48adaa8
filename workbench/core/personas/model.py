"""The normalized persona object (docs/personas.md) and its parts.

Every dialect (Claude Code, OpenCode, Gemini subagents, Ouroboros specs, plain Markdown) loads into this one
shape. The rest of the workbench reads personas only through it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Dialect = Literal["claude-code", "opencode", "gemini-subagent", "ouroboros-spec", "plain-markdown"]
NameSource = Literal["frontmatter", "h1", "filename"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    DEBUG = "debug"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1, "debug": 0}[self.value]


@dataclass(frozen=True)
class Diagnostic:
    code: str  # e.g. W_MOJIBAKE, I_YAML_QUOTED_RETRY, E_EMPTY_PROMPT
    severity: Severity
    message: str
    line: int | None = None  # 1-based line in the source file, when known
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "line": self.line,
        }
        if self.data:
            out["data"] = self.data
        return out


@dataclass(frozen=True)
class UnavailableTool:
    name: str  # as written in the persona file
    reason: str  # "unsupported: no image backend", "MCP server 'context7' is not configured", ...
    canonical: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "reason": self.reason, "canonical": self.canonical}


@dataclass
class ToolGrant:
    """Which tools the persona may use. `granted` holds canonical names (and `mcp__srv__tool` names)."""

    declared: Literal["absent", "empty", "all", "list"]
    source: Literal["frontmatter", "body-heuristic", "opencode", "none"]
    granted: list[str]  # canonical built-in names, sorted by the canonical order
    mcp: list[str]  # MCP entries: "mcp__srv" (whole server), "mcp__srv__*", "mcp__srv__tool", "mcp__*" (all)
    unavailable: list[UnavailableTool]
    disallowed: list[str]  # canonical names removed by disallowedTools
    rules: list[str]  # specifiers that became permission rules, e.g. "Bash(git status:*)"
    advisory_tools: list[str]  # tools named only in the body of a file with a frontmatter grant
    # Declared absent or "*" with nothing disallowed: every available tool, MCP included. With disallowedTools
    # it is False and `granted`/`mcp` are the whole grant.
    inherit_all: bool = False
    aliases_used: dict[str, str] = field(default_factory=dict)  # foreign name -> canonical
    # Tools listed only with specifiers (`Bash(git status:*)` and no bare `Bash`): a call must match one of
    # their `rules`, anything else is outside the grant.
    scoped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "declared": self.declared,
            "source": self.source,
            "granted": list(self.granted),
            "mcp": list(self.mcp),
            "unavailable": [u.to_json() for u in self.unavailable],
            "disallowed": list(self.disallowed),
            "rules": list(self.rules),
            "advisory_tools": list(self.advisory_tools),
            "inherit_all": self.inherit_all,
            "aliases_used": dict(self.aliases_used),
            "scoped": list(self.scoped),
        }


@dataclass(frozen=True)
class ModelRef:
    requested: str | None  # as written (None when absent)
    kind: Literal["alias", "id", "inherit", "provider", "unknown"]
    resolved: str | None  # the API model id; None = inherit the session model

    def to_json(self) -> dict[str, Any]:
        return {"requested": self.requested, "kind": self.kind, "resolved": self.resolved}


@dataclass(frozen=True)
class PolicyRule:
    """A mechanical rule extracted from the body. It can only add restrictions or logging."""

    id: str  # e.g. "git-approval", "audit-log", "save-memory-ask", "bash-description"
    kind: Literal["ask", "deny", "audit", "require"]
    rules: tuple[str, ...]  # permission-rule strings, e.g. ("Bash(git *)", "Bash(git)")
    remember: bool  # False: an approval for it is never remembered
    source_line: int | None
    text: str  # the sentence it came from
    # Bash specifiers the rules do not apply to: the patterns after this one in an OpenCode `permission.bash`
    # map, where the last matching pattern wins.
    unless: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["rules"] = list(self.rules)
        if self.unless:
            out["unless"] = list(self.unless)
        else:
            out.pop("unless")
        return out


@dataclass(frozen=True)
class Advisory:
    text: str
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "line": self.line}


@dataclass(frozen=True)
class OutputContract:
    headings: tuple[str, ...]  # the mandated headings, in order, as written
    patterns: tuple[str, ...]  # one regex per heading
    ordered: bool = True
    trigger: str = "final_answer"

    def to_json(self) -> dict[str, Any]:
        return {
            "headings": list(self.headings),
            "patterns": list(self.patterns),
            "ordered": self.ordered,
            "trigger": self.trigger,
        }


@dataclass(frozen=True)
class PathRef:
    path: str
    line: int | None
    exists: bool

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "exists": self.exists}


@dataclass(frozen=True)
class SourceInfo:
    path: str
    scope: str  # bundled | project | user | opencode | gemini | explicit
    sha256: str  # of the normalized text
    mtime: float | None = None
    untrusted: bool = False  # from the repository's own folders, and the user has not trusted the project

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "scope": self.scope, "sha256": self.sha256, "mtime": self.mtime}
        if self.untrusted:
            out["untrusted"] = True
        return out


@dataclass
class Persona:
    id: str
    name: str
    name_source: NameSource
    dialect: Dialect
    description: str
    description_examples: list[dict[str, str]]
    system_prompt: str
    tools: ToolGrant
    model: ModelRef
    permission_mode: str | None
    color: str | None
    policies: list[PolicyRule]
    advisories: list[Advisory]
    output_contract: OutputContract | None
    referenced_paths: list[PathRef]
    extra: dict[str, Any]
    source: SourceInfo
    diagnostics: list[Diagnostic]
    compat: dict[str, str] = field(default_factory=dict)  # e.g. {"claude_code": "would-skip"}
    tool_name_note: str | None = None  # "Tool names in this workbench: FindFiles→Glob, ..."
    max_turns: int | None = None
    # Validated optional fields kept as written: effort, skills, hooks, mcpServers, memory, background,
    # isolation, initialPrompt, temperature, mode, kind.
    options: dict[str, Any] = field(default_factory=dict)
    # Other agents the body or description expects to work with (slugs), with the line that names them.
    agent_mentions: list[tuple[str, int | None]] = field(default_factory=list)
    name_line: int | None = None  # where the name was declared or derived from

    def to_json(self) -> dict[str, Any]:
        """The effective persona as plain JSON (what `workbench personas show --json` prints)."""
        return {
            "id": self.id,
            "name": self.name,
            "name_source": self.name_source,
            "dialect": self.dialect,
            "description": self.description,
            "description_examples": [dict(e) for e in self.description_examples],
            "model": self.model.to_json(),
            "tools": self.tools.to_json(),
            "permission_mode": self.permission_mode,
            "color": self.color,
            "max_turns": self.max_turns,
            "policies": [p.to_json() for p in self.policies],
            "advisories": [a.to_json() for a in self.advisories],
            "output_contract": self.output_contract.to_json() if self.output_contract else None,
            "referenced_paths": [r.to_json() for r in self.referenced_paths],
            "tool_name_note": self.tool_name_note,
            "options": dict(self.options),
            "extra": dict(self.extra),
            "compat": dict(self.compat),
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "source": self.source.to_json(),
            "system_prompt": self.system_prompt,
        }

    @property
    def worst(self) -> Diagnostic | None:
        if not self.diagnostics:
            return None
        return max(self.diagnostics, key=lambda d: d.severity.rank)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)
