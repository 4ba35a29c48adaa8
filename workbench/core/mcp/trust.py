"""Which projects the user trusts to start the MCP servers named in their own `.mcp.json`.

The answer is asked once per project and kept in ``<config_dir>/trusted-projects.json``::

    {"version": 1, "projects": {"/abs/real/path": {"trusted": true, "decided_at": "2026-11-21T07:00:00Z"}}}

A project can also be listed in the config file (``[mcp] trusted_projects = ["~/src/app"]``); that list only
adds trust. A missing or malformed store means "not trusted", never an error that stops the session.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config import Config, load_config


def trust_file() -> Path:
    return paths.config_dir() / "trusted-projects.json"


def _key(workspace: Path) -> str:
    return str(workspace.expanduser().resolve())


def _load() -> dict[str, Any]:
    try:
        data = json.loads(trust_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    projects = data.get("projects") if isinstance(data, dict) else None
    return projects if isinstance(projects, dict) else {}


def decision(workspace: Path) -> bool | None:
    """True/False once the user has answered for this project; None when never asked."""
    entry = _load().get(_key(workspace))
    if isinstance(entry, dict) and isinstance(entry.get("trusted"), bool):
        trusted: bool = entry["trusted"]
        return trusted
    return None


def is_trusted(workspace: Path, *, config: Config | None = None) -> bool:
    if decision(workspace) is True:
        return True
    cfg = config if config is not None else load_config()
    listed = cfg.section("mcp").get("trusted_projects", [])
    if not isinstance(listed, list):
        return False
    key = _key(workspace)
    for item in listed:
        if isinstance(item, str):
            with contextlib.suppress(OSError, RuntimeError):
                if _key(Path(item)) == key:
                    return True
    return False


def set_trusted(workspace: Path, trusted: bool) -> None:
    """Remember the user's answer for this project (written atomically, readable only by the user)."""
    projects = _load()
    projects[_key(workspace)] = {
        "trusted": trusted,
        "decided_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    target = trust_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"version": 1, "projects": projects}, indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".trusted-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
