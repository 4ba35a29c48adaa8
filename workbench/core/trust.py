"""Project trust: what a repository supplies to the workbench, and whether the user has said it may take effect.

A repository can carry settings that widen what the agent may do: `.claude/settings.json` and
`.claude/settings.local.json` (allow rules, `defaultMode`, `additionalDirectories`, `env`, helpers, hooks),
`.mcp.json` (commands the workbench would start), and persona folders (`.claude/agents/`, `.opencode/agent(s)/`,
`.gemini/agents/`, from the working folder up to the repository root). Until the user trusts the project these
can only tighten (docs/permissions.md, "Project trust"): their deny and ask rules apply; nothing else does.

The answer is asked once and kept in ``<config_dir>/trusted-projects.json`` per real path, together with the
sha256 of every one of those files as they were when the user answered::

    {"version": 2, "projects": {"/abs/real/path": {"trusted": true, "decided_at": "2026-11-21T07:00:00Z",
        "inputs_sha256": "…", "files": {".claude/settings.json": "…", ".mcp.json": "…"}}}}

An answer holds only while the files are the same: a change to any of them (or a file added or removed) means
the question is asked again, and until then the project is untrusted. A project listed in the config file
(``[mcp] trusted_projects = ["~/src/app"]``) is trusted whatever its files say: that list is the user's own.
A missing or malformed store means "not trusted", never an error that stops the session.

This module imports nothing from the rest of the core, so every layer can ask it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.config import Config, load_config
from workbench.core.datafile import read_object

VERSION = 2
SETTINGS_FILES = (".claude/settings.local.json", ".claude/settings.json")  # highest precedence first
MCP_FILE = ".mcp.json"
PERSONA_FOLDERS = (".claude/agents", ".opencode/agent", ".opencode/agents", ".gemini/agents")
MAX_PERSONA_FILES = 2000  # per folder tree, as discovery reads them


def trust_file() -> Path:
    return paths.config_dir() / "trusted-projects.json"


def _real(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError):
        return path.expanduser().absolute()


def repo_root(cwd: Path) -> Path | None:
    for folder in [cwd, *cwd.parents]:
        if (folder / ".git").exists():
            return folder
    return None


def project_dirs(cwd: Path) -> list[Path]:
    """Folders from `cwd` up to the repository root (only `cwd` outside a repository), closest first."""
    cwd = _real(cwd)
    root = repo_root(cwd)
    if root is None:
        return [cwd]
    out = []
    for folder in [cwd, *cwd.parents]:
        out.append(folder)
        if folder == root:
            break
    return out


def persona_folders(workspace: Path) -> list[Path]:
    """The repository's own persona folders, closest first (the user's home folder is the user's, not the repo's)."""
    home = _real(paths.user_home())
    return [folder / rel for folder in project_dirs(workspace) if folder != home for rel in PERSONA_FOLDERS]


def in_repository(path: Path, workspace: Path) -> bool:
    """Whether a persona file comes from one of the repository's own persona folders."""
    real = _real(path)
    return any(real.is_relative_to(folder) for folder in persona_folders(workspace))


@dataclass(frozen=True)
class RepoFile:
    """One file the repository supplies: where it is (relative to the workspace) and its content hash."""

    rel: str
    kind: str  # settings | mcp | persona
    sha256: str


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _persona_files(folder: Path) -> Iterable[Path]:
    """Every file under a persona folder (not only .md: a rename must not slip past), dot folders skipped."""
    count = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            yield Path(root) / name
            count += 1
            if count >= MAX_PERSONA_FILES:
                return


def repo_files(workspace: Path) -> tuple[RepoFile, ...]:
    """Every file the repository supplies to the workbench, as it is now."""
    base = _real(workspace)
    home = _real(paths.user_home())
    found: list[tuple[Path, str]] = []
    if base != home:  # in the home folder, ~/.claude/settings.json is the user's own file
        found += [(base / rel, "settings") for rel in SETTINGS_FILES]
    found.append((base / MCP_FILE, "mcp"))
    for folder in persona_folders(base):
        if folder.is_dir():
            found += [(file, "persona") for file in _persona_files(folder)]
    out: list[RepoFile] = []
    for path, kind in found:
        if not path.is_file():
            continue
        sha = _sha256(path)
        if sha is not None:
            out.append(RepoFile(os.path.relpath(path, base), kind, sha))
    return tuple(out)


def inputs_digest(files: Iterable[RepoFile]) -> str:
    lines = sorted(f"{f.kind}\0{f.rel}\0{f.sha256}" for f in files)
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class ProjectTrust:
    """Whether what the repository supplies takes effect, and why."""

    workspace: Path  # the real path
    trusted: bool
    source: str  # why: "stored" (the user answered for these files), "run" (this run only), "config", or ""
    files: tuple[RepoFile, ...] = ()
    answered: bool | None = None  # the stored answer for these exact files; None: never asked, or files changed
    changed: tuple[str, ...] = ()  # files that differ from the ones the stored answer was about
    decided_at: str = ""

    @property
    def undecided(self) -> bool:
        """Nobody has answered for the files as they are now (a question to ask, when there is something)."""
        return self.answered is None and not self.trusted

    def to_json(self) -> dict[str, Any]:
        return {
            "workspace": str(self.workspace),
            "trusted": self.trusted,
            "source": self.source,
            "files": [f.rel for f in self.files],
            "changed": list(self.changed),
        }


def _load() -> dict[str, Any]:
    data, _problem = read_object(trust_file(), "json")  # unreadable: nothing is trusted
    projects = data.get("projects") if data is not None else None
    return projects if isinstance(projects, dict) else {}


def _changed(entry: dict[str, Any], files: tuple[RepoFile, ...]) -> tuple[str, ...]:
    before = entry.get("files")
    before = before if isinstance(before, dict) else {}
    now = {f.rel: f.sha256 for f in files}
    return tuple(sorted(rel for rel in set(before) | set(now) if before.get(rel) != now.get(rel)))


def listed_in_config(workspace: Path, config: Config) -> bool:
    key = _real(workspace)
    return any(_real(Path(item)) == key for item in config.mcp.trusted_projects)


def assess(workspace: Path, *, config: Config | None = None, override: bool | None = None) -> ProjectTrust:
    """The project's trust now. `override` True trusts it for this run only (`--trust-project`), False refuses."""
    real = _real(workspace)
    files = repo_files(real)
    entry = _load().get(str(real))
    answered: bool | None = None
    changed: tuple[str, ...] = ()
    decided_at = ""
    if isinstance(entry, dict) and isinstance(entry.get("trusted"), bool):
        decided_at = str(entry.get("decided_at", ""))
        if entry.get("inputs_sha256") == inputs_digest(files):
            answered = bool(entry["trusted"])
        else:  # an answer about other files (or from before files were hashed): ask again
            changed = _changed(entry, files)
    if override is not None:
        trusted, source = override, "run" if override else ""
    elif answered:
        trusted, source = True, "stored"
    elif listed_in_config(real, config if config is not None else load_config()):
        trusted, source = True, "config"
    else:
        trusted, source = False, ""
    return ProjectTrust(real, trusted, source, files, answered, changed, decided_at)


def remember(workspace: Path, trusted: bool, files: tuple[RepoFile, ...] | None = None) -> None:
    """Store the user's answer for the project's files as they are (or as they were when asked: `files`).

    Written atomically, readable only by the user."""
    real = _real(workspace)
    shown = repo_files(real) if files is None else files
    projects = _load()
    projects[str(real)] = {
        "trusted": trusted,
        "decided_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "inputs_sha256": inputs_digest(shown),
        "files": {f.rel: f.sha256 for f in shown},
    }
    _write(projects)


def forget(workspace: Path) -> bool:
    """Drop the stored answer (the question comes back); False when there was none."""
    projects = _load()
    if projects.pop(str(_real(workspace)), None) is None:
        return False
    _write(projects)
    return True


def _write(projects: dict[str, Any]) -> None:
    target = trust_file()
    paths.private_dir(target.parent)
    payload = json.dumps({"version": VERSION, "projects": projects}, indent=2, sort_keys=True) + "\n"
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

