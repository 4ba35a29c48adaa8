"""Validation of the optional frontmatter fields (docs/personas.md): bad values are dropped, never fatal."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from workbench.core.personas.model import Diagnostic, ModelRef, Severity
from workbench.core.toolnames import normalize_mcp_part

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


# Claude model ids: family first since the 4 generation (claude-sonnet-4-5-20250929, claude-opus-5-5), number
# first before it (claude-3-5-sonnet-20241022, claude-2.1, claude-instant-1.2). Vertex adds @date, Claude Code [1m].
_MODEL_ID = re.compile(
    r"^claude-(?:[a-z]+-\d+(?:-\d+)?(?:-\d{8}|-latest)?|3(?:-[57])?-(?:opus|sonnet|haiku)(?:-\d{8}|-latest)?"
    r"|2(?:\.\d)?|instant-1(?:\.\d)?)(?:@\d{8})?(?:\[1m\])?$"
)
_NUMBER_FIRST = re.compile(r"^claude-(\d+(?:[.-]\d+)?)-([a-z]+)$")


def model_diagnostics(model: ModelRef, line: int | None, diags: list[Diagnostic]) -> None:
    if model.kind == "id" and model.resolved and not _MODEL_ID.match(model.resolved):
        turned = _NUMBER_FIRST.match(model.resolved)
        hint = f"; did you mean claude-{turned[2]}-{turned[1].replace('.', '-')}?" if turned else ""
        diags.append(
            Diagnostic(
                "W_MODEL_ID_SUSPECT",
                Severity.WARNING,
                f"{model.requested!r} does not read like a Claude model id (claude-<family>-<version>, such as "
                f"claude-sonnet-4-5); it is sent as written and the API will likely refuse it{hint}",
                line,
            )
        )
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


def permission_mode(raw: Any, line: int | None, trusted: bool, diags: list[Diagnostic]) -> str | None:
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


def color(raw: Any, line: int | None, diags: list[Diagnostic]) -> str | None:
    if raw is None:
        return None
    value = str(raw).strip().lower() if isinstance(raw, str) else ""
    if value in COLORS:
        return value
    diags.append(
        Diagnostic("D_COLOR_DROPPED", Severity.DEBUG, f"color {str(raw)[:40]!r} is not in the palette; dropped", line)
    )
    return None


def max_turns(data: dict[str, Any], lines: Mapping[str, int], diags: list[Diagnostic]) -> int | None:
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


def optional_fields(
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
            if isinstance(item, str) and item.strip() and normalize_mcp_part(item.strip()) not in (mcp_servers or {}):
                diags.append(
                    Diagnostic(
                        "W_MCP_SERVER_MISSING",
                        Severity.WARNING,
                        f"MCP server {item.strip()!r} is not configured",
                        lines.get("mcpServers"),
                        {"server": normalize_mcp_part(item.strip())},
                    )
                )
            elif isinstance(item, dict):
                diags.append(
                    Diagnostic(
                        "I_MCP_INLINE",
                        Severity.INFO,
                        "an inline MCP server definition is not started: configure the server in .mcp.json "
                        "(or the user's config) and name it here",
                        lines.get("mcpServers"),
                    )
                )
    return options
