"""The workbench's own config file (TOML), read once, checked against one schema, handed out as typed sections.

Sections (their keys are in workbench/config_sections.py):

- `[models]` alias -> model id;  `[pricing."model"]` input/output dollars per million tokens;  `[windows]` model id
  prefix -> context window in tokens
- `[permissions]` allow/ask/deny rule lists, defaultMode, additionalDirectories (Claude Code's shape)
- `[tools]` network, read_secrets, and the output and size limits
- `[agent]` max_tokens, thinking, timeouts (read_timeout_s, response_deadline_s), retries, delegation,
  max_subagent_depth, compact_at
- `[keys]` binding id -> key;  `[ui]` theme
- `[mcp]` servers, trusted_projects;  `[personas]` default, and the mandate options;  `[audit]` enabled,
  max_bytes, keep
- `[acp.agents]` preset name -> the command line of an external ACP agent (docs/acp.md)
- `[sandbox]` (docs/sandbox.md) and `[checkpoints]` (docs/rewind.md), whose own readers check their values

A malformed file is reported, never fatal: the defaults apply. An unknown section or key, or a value of the wrong
type, is reported in `errors` and left out; the rest of the file still applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config_sections import (
    CHECKED_BY_READER,
    FREE_FORM,
    PERMISSION_KEYS,
    TABLES,
    AcpSection,
    AgentSection,
    AuditSection,
    McpSection,
    PersonasSection,
    ToolsSection,
    UiSection,
    parse_keys_only,
    parse_pricing,
    parse_strings,
    parse_table,
    parse_windows,
)
from workbench.core.datafile import read_object


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    errors: list[str] = field(default_factory=list)
    ui: UiSection = field(init=False)
    agent: AgentSection = field(init=False)
    tools: ToolsSection = field(init=False)
    personas: PersonasSection = field(init=False)
    mcp: McpSection = field(init=False)
    audit: AuditSection = field(init=False)
    acp: AcpSection = field(init=False)
    permissions: dict[str, Any] = field(init=False)
    models: dict[str, str] = field(init=False)
    keys: dict[str, str] = field(init=False)
    pricing: dict[str, dict[str, float]] = field(init=False)
    windows: dict[str, int] = field(init=False)
    _checked_by_reader: dict[str, dict[str, Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        where = str(self.path) if self.path is not None else "config"
        data = self.data
        problems: list[str] = []
        sections = [*TABLES, *FREE_FORM, *CHECKED_BY_READER, "permissions"]
        for name in data:
            if name not in sections:
                problems.append(f"{where}: unknown section [{name}]; ignored (known: {', '.join(sorted(sections))})")
        self.ui = parse_table("ui", data.get("ui"), where, problems)
        self.agent = parse_table("agent", data.get("agent"), where, problems)
        self.tools = parse_table("tools", data.get("tools"), where, problems)
        self.personas = parse_table("personas", data.get("personas"), where, problems)
        self.mcp = parse_table("mcp", data.get("mcp"), where, problems)
        self.audit = parse_table("audit", data.get("audit"), where, problems)
        self.acp = parse_table("acp", data.get("acp"), where, problems)
        self.permissions = parse_keys_only("permissions", PERMISSION_KEYS, data.get("permissions"), where, problems)
        self._checked_by_reader = {
            name: parse_keys_only(name, keys, data.get(name), where, problems)
            for name, keys in CHECKED_BY_READER.items()
        }
        self.models = parse_strings("models", data.get("models"), where, problems)
        self.keys = parse_strings("keys", data.get("keys"), where, problems)
        self.pricing = parse_pricing(data.get("pricing"), where, problems)
        self.windows = parse_windows(data.get("windows"), where, problems)
        self.errors.extend(problems)

    def section(self, name: str) -> dict[str, Any]:
        """A section whose own reader checks its values ([sandbox], [checkpoints]), its unknown keys left out; the
        raw table for a section the schema does not have yet. Everything else: use the typed fields."""
        if name in self._checked_by_reader:
            return self._checked_by_reader[name]
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}

    def unknown_keys(self, known_ids: set[str]) -> list[str]:
        """[keys] entries that name no binding (the screen knows its binding ids; the config does not)."""
        where = str(self.path) if self.path is not None else "config"
        return [
            f"{where} [keys]: no binding has the id {name!r}; ignored (F1 lists the ids)"
            for name in self.keys
            if name not in known_ids
        ]


def load_config(path: Path | None = None) -> Config:
    target = path or paths.config_file()
    data, problem = read_object(target, "toml", consequence="using defaults")
    return Config(data=data or {}, path=target, errors=[problem] if problem else [])
