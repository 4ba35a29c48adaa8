"""Claude Code's `--agents` JSON (docs/personas.md): `{"name": {"description", "prompt", "tools": [...], ...}}`.

Each entry goes through the same pipeline as a Markdown file: it is rewritten as frontmatter plus body, so every
rule (tool aliases, grants, model aliases, policies) applies unchanged. Line numbers don't exist in that form,
so diagnostics from an entry carry none.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from workbench.core.personas.files import read_persona_bytes
from workbench.core.personas.loader import parse_persona
from workbench.core.personas.model import Diagnostic, Persona, Severity


def _plain(value: Any) -> Any:
    """JSON values as the string-only shapes the frontmatter loader produces."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def load_agents_json(
    path: Path,
    *,
    scope: str = "explicit",
    mcp_servers: Mapping[str, Sequence[str] | None] | None = None,
    **options: Any,
) -> tuple[list[Persona], list[Diagnostic]]:
    """Personas from one `--agents` JSON file, and the file-level failures (bad JSON, wrong shape).

    `options` are `parse_persona` keywords (models, policy_options, tool_conflict, ...)."""
    raw, error, mtime = read_persona_bytes(path)
    if raw is None:
        assert error is not None
        return [], [error]
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return [], [Diagnostic("E_JSON_INVALID", Severity.ERROR, "not UTF-8 JSON", 1)]
    except json.JSONDecodeError as exc:
        return [], [Diagnostic("E_JSON_INVALID", Severity.ERROR, f"invalid JSON: {exc.msg}", exc.lineno)]
    if not isinstance(data, dict):
        return [], [Diagnostic("E_JSON_NOT_MAPPING", Severity.ERROR, "expected an object of name -> agent", 1)]
    personas: list[Persona] = []
    failures: list[Diagnostic] = []
    for name, entry in data.items():
        if not isinstance(entry, dict):
            failures.append(
                Diagnostic("E_JSON_NOT_MAPPING", Severity.ERROR, f"agent {str(name)[:60]!r} is not an object", 1)
            )
            continue
        fields = {k: _plain(v) for k, v in entry.items() if k != "prompt"}
        fields = {"name": str(name), **fields}
        front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10**6)
        prompt = entry.get("prompt")
        body = prompt if isinstance(prompt, str) else ""
        text = f"---\n{front}---\n\n{body}\n"
        persona = parse_persona(
            text.encode("utf-8"),
            Path(f"{path}#{name}"),
            scope=scope,
            mtime=mtime,
            mcp_servers=mcp_servers,
            **options,
        )
        persona.diagnostics = [dataclasses.replace(d, line=None) for d in persona.diagnostics]
        personas.append(persona)
    return personas, failures
