"""Every filesystem location the workbench uses, in one place.

`WORKBENCH_HOME` moves all of them under one folder (tests use it); otherwise platformdirs decides.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
from pathlib import Path

import platformdirs

APP = "workbench"


def _home() -> Path | None:
    value = os.environ.get("WORKBENCH_HOME")
    return Path(value) if value else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def state_dir() -> Path:
    home = _home()
    return home / "state" if home else Path(platformdirs.user_state_dir(APP))


def private_dir(path: Path) -> Path:
    """Create `path` (and its missing parents) readable only by the user, and narrow the folders between it and
    the workbench folder holding it to 0700: transcripts, audit logs and grants are nobody else's business."""
    missing: list[Path] = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    bases = [data_dir(), state_dir(), config_dir()]
    base = next((b for b in bases if path == b or b in path.parents), None)
    if base is not None:
        for folder in [path, *path.parents]:
            if folder.stat().st_mode & 0o077:
                with contextlib.suppress(OSError):  # not ours to change: its files are 0600 all the same
                    folder.chmod(0o700)
            if folder == base:
                break
    return path


def config_file() -> Path:
    override = os.environ.get("WORKBENCH_CONFIG")
    return Path(override) if override else config_dir() / "config.toml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def user_home() -> Path:
    """The user's home folder (`~`); tests point HOME elsewhere."""
    return Path(os.path.expanduser("~"))


def project_key(workspace: Path) -> str:
    """A stable folder name for a project: its basename plus a short hash of its real path."""
    real = workspace.resolve()
    digest = hashlib.sha256(str(real).encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in real.name) or "root"
    return f"{safe}-{digest}"


def sessions_dir(workspace: Path) -> Path:
    return data_dir() / "projects" / project_key(workspace) / "sessions"


def project_state_dir(workspace: Path) -> Path:
    return data_dir() / "projects" / project_key(workspace)


def bundled_agents_dir() -> Path:
    """Personas shipped with the package (the repository's `agents/`, copied into the package data)."""
    packaged = Path(__file__).parent / "data" / "agents"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "agents"


def bundled_themes_dir() -> Path:
    packaged = Path(__file__).parent / "data" / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


def command(*words: str) -> str:
    """How to type a workbench command from here: `workbench …` when that name on PATH is this program, else the
    path this program was started by (`.venv/bin/workbench …` after `make run`), so every hint works as written."""
    typed = " ".join((APP, *words))
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is None or script.name != APP or not script.is_file():
        return typed
    on_path = shutil.which(APP)
    if on_path and Path(on_path).resolve() == script.resolve():
        return typed
    shown = os.path.relpath(script)
    if shown.startswith(".."):
        shown = str(script.resolve())
    elif os.sep not in shown:
        shown = os.path.join(".", shown)
    return " ".join((shown, *words))
