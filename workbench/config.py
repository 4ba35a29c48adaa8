"""The workbench's own config file (TOML), read once and handed to whoever needs a section.

Sections in use: [models] (alias -> model id), [permissions] (allow/ask/deny rule lists, defaultMode),
[tools] (network = true enables WebFetch; limits), [keys] (binding id -> key), [ui] (theme, ...),
[mcp] (trusted projects). A malformed file is reported, never fatal: the defaults apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.core.datafile import read_object


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    errors: list[str] = field(default_factory=list)

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, dict) else {}


def load_config(path: Path | None = None) -> Config:
    target = path or paths.config_file()
    data, problem = read_object(target, "toml", consequence="using defaults")
    return Config(data=data or {}, path=target, errors=[problem] if problem else [])
