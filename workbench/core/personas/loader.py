"""The persona parse pipeline (docs/personas.md): bytes -> Persona. Bad content never raises; it becomes diagnostics."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.config import load_config
from workbench.core.models import resolve_model
from workbench.core.personas import fields, policies
from workbench.core.personas.decode import decode_bytes
from workbench.core.personas.dialect import detect_dialect
from workbench.core.personas.files import MAX_BYTES, READ_ERRORS, read_persona_bytes
from workbench.core.personas.frontmatter import UNTERMINATED, split_frontmatter
from workbench.core.personas.grants import ConflictPolicy, resolve_grant
from workbench.core.personas.model import (
    Diagnostic,
    ModelRef,
    Persona,
    Severity,
    SourceInfo,
    ToolGrant,
)
from workbench.core.personas.options import (
    COLORS,
    PERMISSION_MODES,
    color,
    max_turns,
    model_diagnostics,
    optional_fields,
    permission_mode,
)
from workbench.core.personas.yamlparse import KNOWN_KEYS, Frontmatter, parse_frontmatter

__all__ = ["COLORS", "MAX_BYTES", "PERMISSION_MODES", "READ_ERRORS", "load_persona_file", "parse_persona"]


READ_ONLY_TOOLS = ("Read", "LS", "Glob", "Grep", "ReadManyFiles")


def _empty_grant() -> ToolGrant:
    return ToolGrant("empty", "none", [], [], [], [], [], [])


def read_only_grant(grant: ToolGrant) -> ToolGrant:
    """The grant cut down to the read-only tools: for a file whose grant can't be read with confidence."""
    allowed = READ_ONLY_TOOLS if grant.inherit_all or grant.declared in ("absent", "all") else grant.granted
    kept = [t for t in READ_ONLY_TOOLS if t in allowed]
    return ToolGrant("list", "none", kept, [], grant.unavailable, grant.disallowed, [], grant.advisory_tools)


def _failed(path: Path, scope: str, diag: Diagnostic, sha: str = "") -> Persona:
    name = fields.slugify(path.stem) or "persona"
    return Persona(
        id=name,
        name=name,
        name_source="filename",
        dialect="plain-markdown",
        description="",
        description_examples=[],
        system_prompt="",
        tools=_empty_grant(),
        model=ModelRef(None, "inherit", None),
        permission_mode=None,
        color=None,
        policies=[],
        advisories=[],
        output_contract=None,
        referenced_paths=[],
        extra={},
        source=SourceInfo(str(path), scope, sha),
        diagnostics=[diag],
        compat={"claude_code": "would-skip"},
    )


def project_root_for(path: Path) -> Path:
    """The folder relative paths in a persona are read against: the one holding `.claude/`, `.gemini/`, ..."""
    parts = path.parts
    for marker in (".claude", ".opencode", ".gemini", ".config"):
        if marker in parts:
            return Path(*parts[: parts.index(marker)]) if parts.index(marker) else Path.cwd()
    return Path.cwd()


def load_persona_file(
    path: Path,
    *,
    scope: str = "explicit",
    mcp_servers: Mapping[str, Sequence[str] | None] | None = None,
    trust_permission_mode: bool = False,
    repair_mojibake: bool = True,
    models: Mapping[str, str] | None = None,
    tool_conflict: ConflictPolicy = "frontmatter",
    trust_persona_tools: bool = False,
    policy_options: policies.PolicyOptions | None = None,
) -> Persona:
    """Load one persona file. Never raises for bad content: problems are in `persona.diagnostics`.

    Args:
        path: the file (any extension).
        scope: bundled | project | user | opencode | gemini | explicit.
        mcp_servers: configured MCP server name -> its tool names (None: not known yet). MCP grants for
            servers missing here are unavailable (W_MCP_SERVER_MISSING).
        trust_permission_mode: honour `bypassPermissions`/`auto` from the file (off by default).
        repair_mojibake: repair double-encoded lines (default on).
        models: alias table override (default: the configured table).
        tool_conflict: frontmatter (default) | strict | union: what a body tool list does next to a
            frontmatter one (docs/personas.md, "Tool names and grants"). union needs `trust_persona_tools`.
        policy_options: extra git commands and production rules (default: config `[personas]`).
    """
    path = Path(path)
    raw, error, mtime = read_persona_bytes(path)
    if raw is None:
        assert error is not None
        return _failed(path, scope, error)
    return parse_persona(
        raw,
        path,
        scope=scope,
        mtime=mtime,
        mcp_servers=mcp_servers,
        trust_permission_mode=trust_permission_mode,
        repair_mojibake=repair_mojibake,
        models=models,
        tool_conflict=tool_conflict,
        trust_persona_tools=trust_persona_tools,
        policy_options=policy_options,
    )


def parse_persona(
    raw: bytes,
    path: Path,
    *,
    scope: str = "explicit",
    mtime: float | None = None,
    mcp_servers: Mapping[str, Sequence[str] | None] | None = None,
    trust_permission_mode: bool = False,
    repair_mojibake: bool = True,
    models: Mapping[str, str] | None = None,
    tool_conflict: ConflictPolicy = "frontmatter",
    trust_persona_tools: bool = False,
    policy_options: policies.PolicyOptions | None = None,
) -> Persona:
    """The pipeline on bytes already read (`path` names the source and feeds dialect and name derivation)."""
    decoded = decode_bytes(raw, repair=repair_mojibake)
    if decoded.binary:
        return _failed(path, scope, decoded.diagnostics[-1], hashlib.sha256(raw).hexdigest())
    text = decoded.text
    diags = list(decoded.diagnostics)
    split = split_frontmatter(text)
    diags += split.diagnostics
    fm: Frontmatter | None = None
    data: dict[str, Any] = {}
    if split.frontmatter is not None:
        fm = parse_frontmatter(split.frontmatter, split.fm_first_line)
        diags += fm.diagnostics
        data = fm.data
    lines = fm.key_lines if fm else {}
    usable = fm is not None and not fm.not_mapping and fm.stage != "refused"
    stripped = split.body.lstrip()
    body_first = split.body_first_line + (split.body[: len(split.body) - len(stripped)].count("\n") if stripped else 0)
    body = stripped.rstrip()
    dialect = detect_dialect(data if usable else None, body, path)

    if dialect == "opencode" and "name" not in data:
        named = fields.NameResult(fields.slugify(path.stem) or "persona", "filename")
    else:
        named = fields.derive_name(data.get("name"), lines.get("name"), body, body_first, path)
    diags += named.diagnostics

    description, examples, desc_ok = _description(data, lines, body, body_first, diags)
    if not body:
        diags.append(Diagnostic("E_EMPTY_PROMPT", Severity.ERROR, "the body (the system prompt) is empty", body_first))

    model = resolve_model(data.get("model"), models)
    model_diagnostics(model, lines.get("model"), diags)
    mode = permission_mode(data.get("permissionMode"), lines.get("permissionMode"), trust_permission_mode, diags)
    persona_color = color(data.get("color"), lines.get("color"), diags)
    turns = max_turns(data, lines, diags)
    options = optional_fields(data, lines, mcp_servers, diags)
    extra = {k: v for k, v in data.items() if k not in KNOWN_KEYS}

    grant = resolve_grant(dialect, data, lines, body, body_first, mcp_servers, tool_conflict, trust_persona_tools)
    diags += grant.diagnostics
    if any(d.code == UNTERMINATED for d in split.diagnostics):
        grant.grant = read_only_grant(grant.grant)
    if policy_options is None:
        policy_options = policies.PolicyOptions.from_section(load_config().personas)
    found = policies.extract(
        body, body_first, description, lines.get("description"), project_root_for(path), policy_options
    )
    for ref in found.referenced_paths:
        if not ref.exists:
            diags.append(
                Diagnostic("W_DANGLING_REFERENCE", Severity.WARNING, f"referenced path not found: {ref.path}", ref.line)
            )

    compat_reasons = []
    if any(d.code == "W_LEADING_BLANK" for d in split.diagnostics):
        compat_reasons.append("blank lines before the frontmatter hide it")
    if fm is not None and fm.would_skip:
        compat_reasons.append("frontmatter Claude Code can't parse")
    if not named.declared:
        compat_reasons.append("no valid name")
    if not desc_ok:
        compat_reasons.append("no description")
    compat = {"claude_code": "would-skip" if compat_reasons else "loads"}
    if compat_reasons:
        compat["claude_code_reason"] = "; ".join(compat_reasons)
    elif named.unverified:
        reason = "the name is not lower-case letters, digits and hyphens; its documentation does not say"
        compat = {"claude_code": "unverified", "claude_code_reason": reason}

    mentions: list[tuple[str, int | None]] = list(found.agent_mentions)
    mentions += [(fields.slugify(a), line) for a, line in grant.agent_refs if fields.slugify(a)]
    diags.sort(key=lambda d: (d.line or 0, -d.severity.rank))
    return Persona(
        id=named.name,
        name=named.name,
        name_source=named.source,
        dialect=dialect,
        description=description,
        description_examples=examples,
        system_prompt=body,
        tools=grant.grant,
        model=model,
        permission_mode=mode,
        color=persona_color,
        policies=grant.policies + found.policies,
        advisories=found.advisories,
        output_contract=found.output_contract,
        referenced_paths=found.referenced_paths,
        extra=extra,
        source=SourceInfo(str(path), scope, hashlib.sha256(text.encode("utf-8")).hexdigest(), mtime),
        diagnostics=diags,
        compat=compat,
        tool_name_note=grant.note,
        max_turns=turns,
        options=options,
        agent_mentions=mentions,
        name_line=named.line,
    )


def _description(
    data: dict[str, Any], lines: Mapping[str, int], body: str, body_first: int, diags: list[Diagnostic]
) -> tuple[str, list[dict[str, str]], bool]:
    text = fields.coerce_text(data.get("description"))
    if text is not None:
        if not isinstance(data.get("description"), str):
            diags.append(
                Diagnostic(
                    "W_DESCRIPTION_COERCED",
                    Severity.WARNING,
                    "description is not text; joined into text",
                    lines.get("description"),
                )
            )
        text = fields.unescape_newlines(text)
        return text, fields.parse_examples(text), True
    derived = fields.derive_description(body, body_first)
    if derived is None:
        diags.append(
            Diagnostic(
                "W_DESCRIPTION_DERIVED", Severity.WARNING, "no description and none could be derived", body_first
            )
        )
        return "", [], False
    diags.append(
        Diagnostic(
            "W_DESCRIPTION_DERIVED",
            Severity.WARNING,
            "no description in the frontmatter; using the first sentence of the body",
            derived[1],
        )
    )
    return derived[0], [], False
