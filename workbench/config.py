"""The workbench's own config file (TOML), read once and handed to whoever needs a section.

Sections in use: [models] (alias -> model id), [permissions] (allow/ask/deny rule lists, defaultMode),
[tools] (network = true enables WebFetch; limits), [keys] (binding id -> key), [ui] (theme, ...),
[mcp] (trusted projects). A malformed file is reported, never fatal: the defaults apply.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench import paths


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
    if not target.exists():
        return Config(path=target)
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8", errors="replace"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return Config(path=target, errors=[f"{target}: {exc}; using defaults"])
    return Config(data=data, path=target)
