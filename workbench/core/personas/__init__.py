"""Persona files: loading, dialects, tool names, grants and policies.

The public API, imported lazily so `import workbench.core.personas.model` stays cheap:

- `load_persona_file(path, *, scope="explicit", mcp_servers=None, ...) -> Persona` (never raises for bad content)
- `discover(cwd, extra=(), *, include_txt=False, mcp_servers=None) -> LoadSet` (`.personas`, `.failures`, `.get(ref)`)
- `load_agents_json(path, ...) -> (personas, failures)` for Claude Code `--agents` JSON files
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "load_persona_file": "workbench.core.personas.loader",
    "parse_persona": "workbench.core.personas.loader",
    "discover": "workbench.core.personas.discovery",
    "LoadSet": "workbench.core.personas.discovery",
    "load_agents_json": "workbench.core.personas.agentsjson",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
