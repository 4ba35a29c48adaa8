"""The default persona as the last discovery found it, so the first frame can name it (and its model).

Discovery imports the persona loader and YAML and parses every file: too much for the first frame. Its
answer for a workspace is kept with a fingerprint of everything it read: every persona file in every folder
it searches (path, size, modification time), the extra files named on the command line, the config file,
the project trust answers and the model environment variables. When the fingerprint still matches, nothing
it depends on changed and the answer holds; the screen runs discovery anyway and corrects the name if the
hint was wrong. Listing the folders is a few stat calls; nothing is parsed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench import paths
from workbench.core.personas.sources import default_sources, scan_dir
from workbench.core.trust import trust_file

HINT_FILE = "persona-hint.json"


@dataclass(frozen=True)
class PersonaHint:
    id: str
    name: str
    color: str | None
    model: str  # the resolved model id ("" when the persona inherits and the table was not consulted)


def _stat(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return f"{path}:-"
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"


def fingerprint(workspace: Path, extra: Sequence[str] = ()) -> str:
    """What discovery's answer depends on, hashed."""
    parts = [_stat(paths.config_file()), _stat(trust_file())]  # the config's [personas] default; the trust answers
    parts += [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("ANTHROPIC_DEFAULT_")]
    for source in default_sources(workspace):
        parts.append(_stat(source.path))
        if source.path.is_dir():
            parts += [_stat(found) for found in scan_dir(source.path)]
    parts += [_stat(Path(p).expanduser()) for p in extra]
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _hint_path(workspace: Path) -> Path:
    return paths.project_state_dir(workspace) / HINT_FILE


def read_hint(workspace: Path, extra: Sequence[str] = ()) -> PersonaHint | None:
    """The remembered default persona, when nothing it depends on changed since; None otherwise."""
    try:
        data = json.loads(_hint_path(workspace).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("fingerprint") != fingerprint(workspace, extra):
            return None
        hint = data.get("hint")
        if not isinstance(hint, dict):
            return None
        return PersonaHint(
            id=str(hint["id"]),
            name=str(hint["name"]),
            color=hint["color"] if isinstance(hint.get("color"), str) else None,
            model=str(hint["model"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_hint(workspace: Path, hint: PersonaHint | None, taken: str) -> None:
    """Remember discovery's default persona (None forgets it) under `taken`, the fingerprint taken *before*
    that discovery ran (a file changed meanwhile then invalidates it). Failures are ignored: it is a hint."""
    target = _hint_path(workspace)
    with contextlib.suppress(OSError):
        if hint is None:
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        data = {"fingerprint": taken, "hint": asdict(hint)}
        temp = target.with_name(f".{target.name}.{os.getpid()}")
        temp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temp, target)
