"""The persona parse pipeline (personas.md §6.8): bytes -> Persona. Bad content never raises; it becomes diagnostics."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.core.models import resolve_model
from workbench.core.personas import fields, policies
from workbench.core.personas.decode import decode_bytes
from workbench.core.personas.dialect import detect_dialect
from workbench.core.personas.frontmatter import split_frontmatter
from workbench.core.personas.grants import resolve_grant
from workbench.core.personas.model import (
    Diagnostic,
    ModelRef,
    Persona,
    Severity,
    SourceInfo,
    ToolGrant,
)
from workbench.core.personas.yamlparse import KNOWN_KEYS, Frontmatter, parse_frontmatter

MAX_BYTES = 1 << 20  # 1 MiB: no real persona comes close
READ_ERRORS = frozenset({"E_NOT_FOUND", "E_NOT_A_FILE", "E_SYMLINK_LOOP", "E_UNREADABLE", "E_TOO_LARGE", "E_BINARY"})

PERMISSION_MODES = {
    "default": "default",
    "manual": "default",
    "acceptedits": "acceptEdits",
    "auto": "auto",
    "dontask": "dontAsk",
    "bypasspermissions": "bypassPermissions",
    "plan": "plan",
}
COLORS = frozenset({"red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan"})
_CHOICES = {
    "effort": {"low", "medium", "high", "xhigh", "max"},
    "memory": {"user", "project", "local"},
    "isolation": {"worktree"},
    "background": {"true", "false"},
    "mode": {"primary", "subagent", "all"},
}


def read_persona_bytes(path: Path) -> tuple[bytes | None, Diagnostic | None, float | None]:
    """Read a file without following it into trouble: no FIFOs or devices, no symlink loops, a size cap."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, Diagnostic("E_SYMLINK_LOOP", Severity.ERROR, "symbolic link loop; not followed", 1), None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None, Diagnostic("E_NOT_FOUND", Severity.ERROR, "no such file", 1), None
        return None, Diagnostic("E_UNREADABLE", Severity.ERROR, f"can't read: {exc.strerror or exc}", 1), None
    if stat.S_ISDIR(info.st_mode):
        return None, Diagnostic("E_NOT_A_FILE", Severity.ERROR, "is a directory, not a persona file", 1), None
    if not stat.S_ISREG(info.st_mode):
        return None, Diagnostic("E_NOT_A_FILE", Severity.ERROR, "not a regular file (device, pipe or socket)", 1), None
    if info.st_size > MAX_BYTES:
        mib = f"{info.st_size / (1 << 20):.1f} MiB"
        return None, Diagnostic("E_TOO_LARGE", Severity.ERROR, f"file is {mib}; the limit is 1 MiB", 1), None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return None, Diagnostic("E_UNREADABLE", Severity.ERROR, f"can't read: {exc.strerror or exc}", 1), None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, Diagnostic("E_NOT_A_FILE", Severity.ERROR, "not a regular file", 1), None
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, Diagnostic("E_UNREADABLE", Severity.ERROR, f"can't read: {exc.strerror or exc}", 1), None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        return None, Diagnostic("E_TOO_LARGE", Severity.ERROR, "file grew past the 1 MiB limit while reading", 1), None
    return b"".join(chunks), None, info.st_mtime


def _empty_grant() -> ToolGrant:
    return ToolGrant("empty", "none", [], [], [], [], [], [])


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
    _model_diags(model, lines.get("model"), diags)
    permission_mode = _permission_mode(
        data.get("permissionMode"), lines.get("permissionMode"), trust_permission_mode, diags
    )
    color = _color(data.get("color"), lines.get("color"), diags)
    max_turns = _max_turns(data, lines, diags)
    options = _options(data, lines, mcp_servers, diags)
    extra = {k: v for k, v in data.items() if k not in KNOWN_KEYS}

    grant = resolve_grant(dialect, data, lines, body, body_first, mcp_servers)
    diags += grant.diagnostics
    found = policies.extract(body, body_first, description, lines.get("description"), project_root_for(path))
    for ref in found.referenced_paths:
        if not ref.exists:
            diags.append(
                Diagnostic("W_DANGLING_REFERENCE", Severity.WARNING, f"referenced path not found: {ref.path}", ref.line)
            )

    compat_reasons = []
    if fm is not None and fm.would_skip:
        compat_reasons.append("frontmatter Claude Code can't parse")
    if not named.declared:
        compat_reasons.append("no valid name")
    if not desc_ok:
        compat_reasons.append("no description")
    compat = {"claude_code": "would-skip" if compat_reasons else "loads"}
    if compat_reasons:
        compat["claude_code_reason"] = "; ".join(compat_reasons)

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
        permission_mode=permission_mode,
        color=color,
        policies=grant.policies + found.policies,
        advisories=found.advisories,
        output_contract=found.output_contract,
        referenced_paths=found.referenced_paths,
        extra=extra,
        source=SourceInfo(str(path), scope, hashlib.sha256(text.encode("utf-8")).hexdigest(), mtime),
        diagnostics=diags,
        compat=compat,
        tool_name_note=grant.note,
        max_turns=max_turns,
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


def _model_diags(model: ModelRef, line: int | None, diags: list[Diagnostic]) -> None:
    if model.kind == "unknown":
        diags.append(
            Diagnostic(
                "W_UNKNOWN_MODEL",
                Severity.WARNING,
                f"unknown model {model.requested!r}; the session model is used",
                line,
            )
        )
    elif model.kind == "provider" and model.resolved is None:
        diags.append(
            Diagnostic(
                "W_MODEL_PROVIDER",
                Severity.WARNING,
                f"no router for provider model {model.requested!r}; the session model is used",
                line,
            )
        )


def _permission_mode(raw: Any, line: int | None, trusted: bool, diags: list[Diagnostic]) -> str | None:
    if raw is None:
        return None
    mode = PERMISSION_MODES.get(str(raw).strip().lower()) if isinstance(raw, str) else None
    if mode is None:
        diags.append(
            Diagnostic(
                "W_INVALID_FIELD",
                Severity.WARNING,
                f"permissionMode {str(raw)[:40]!r} is not a known mode; ignored",
                line,
            )
        )
        return None
    if mode in ("bypassPermissions", "auto") and not trusted:
        diags.append(
            Diagnostic(
                "W_PERMISSION_MODE_IGNORED",
                Severity.WARNING,
                f"permissionMode {mode} can only loosen approvals; ignored "
                "(--trust-persona-permission-mode to honour it)",
                line,
            )
        )
        return None
    return mode


def _color(raw: Any, line: int | None, diags: list[Diagnostic]) -> str | None:
    if raw is None:
        return None
    color = str(raw).strip().lower() if isinstance(raw, str) else ""
    if color in COLORS:
        return color
    diags.append(
        Diagnostic("D_COLOR_DROPPED", Severity.DEBUG, f"color {str(raw)[:40]!r} is not in the palette; dropped", line)
    )
    return None


def _max_turns(data: dict[str, Any], lines: Mapping[str, int], diags: list[Diagnostic]) -> int | None:
    for key in ("maxTurns", "max_turns", "maxSteps"):
        if key not in data:
            continue
        raw = data[key]
        if isinstance(raw, str) and raw.strip().isdigit() and 0 < int(raw.strip()) <= 10_000:
            return int(raw.strip())
        diags.append(
            Diagnostic(
                "W_INVALID_FIELD", Severity.WARNING, f"{key} must be a positive whole number; ignored", lines.get(key)
            )
        )
    return None


def _options(
    data: dict[str, Any],
    lines: Mapping[str, int],
    mcp_servers: Mapping[str, Sequence[str] | None] | None,
    diags: list[Diagnostic],
) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, allowed in _CHOICES.items():
        if key in data:
            value = data[key]
            if isinstance(value, str) and value.strip().lower() in allowed:
                options[key] = value.strip().lower()
            else:
                diags.append(
                    Diagnostic(
                        "W_INVALID_FIELD",
                        Severity.WARNING,
                        f"{key} {str(value)[:40]!r} is not valid; ignored",
                        lines.get(key),
                    )
                )
    for key in ("skills", "hooks", "initialPrompt", "kind", "temperature", "prompt", "disable", "hidden"):
        if key in data:
            options[key] = data[key]
    if "mcpServers" in data:
        options["mcpServers"] = data["mcpServers"]
        raw = data["mcpServers"]
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, (str, dict)) else []
        for item in items:
            if isinstance(item, str) and item.strip() and item.strip() not in (mcp_servers or {}):
                diags.append(
                    Diagnostic(
                        "W_MCP_SERVER_MISSING",
                        Severity.WARNING,
                        f"MCP server {item.strip()!r} is not configured",
                        lines.get("mcpServers"),
                    )
                )
            elif isinstance(item, dict):
                diags.append(
                    Diagnostic(
                        "I_MCP_INLINE",
                        Severity.INFO,
                        "inline MCP server definitions start only when the persona lives in a trusted folder",
                        lines.get("mcpServers"),
                    )
                )
    return options
