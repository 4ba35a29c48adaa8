"""Control files: files whose contents decide what runs or what is allowed, and writes that reach past a file.

A change to one of these always asks, in every mode and through every tool (Write, Edit, MultiEdit, NotebookEdit,
a shell redirection or a file-writing program), names the file, and is never remembered wider than that one file:

  .claude/ .gemini/ .opencode/ .workbench/  settings, permission rules, persona files, commands
  .git/                                     git's config, hooks and info (the whole folder)
  .husky/, the `core.hooksPath` folder      hooks git runs at the next commit
  .pre-commit-config.yaml, lefthook.yml     the commands an installed hook manager runs at the next commit
  .mcp.json                                 the MCP servers the workbench starts
  .vscode/tasks.json                        commands the editor runs
  .envrc                                    shell code direnv runs on entering the folder
  mise.toml, .mise.toml                     scripts and hooks mise runs on entering the folder

The folders count at any depth (a nested repository's `.git/`, a subfolder's `.claude/agents/`). The
workbench's own sandbox keeps shell commands from writing them too; these rules do not depend on it.

A write to a file with more than one hard link changes (or, for the atomic Write/Edit, splits off) the same
file under its other names, which may be outside the workspace: it asks too.
"""

from __future__ import annotations

import os
import stat

from workbench.core.sandbox.protect import CONTROL_FILES, CONTROL_NAMES, ENTER_CONFIGS, HOOK_CONFIGS

# Why each name is a control file; the names themselves are the sandbox's list (one list for both walls).
_WHY = {
    ".claude": "holds permission settings, personas and commands",
    ".gemini": "holds persona files and settings",
    ".opencode": "holds persona files and settings",
    ".workbench": "holds the workbench's own settings",
    ".git": "is git's own folder (config, hooks)",
    ".husky": "holds git hooks",
    ".mcp.json": "names the MCP servers the workbench starts",
    ".envrc": "is shell code direnv runs on entering the folder",
    **{name: "holds commands the installed git hook manager runs at the next commit" for name in HOOK_CONFIGS},
    **{name: "may run commands when a shell enters the folder (mise)" for name in ENTER_CONFIGS},
}
_NAMES = CONTROL_NAMES | {".git"}


def control_reason(rel: str, hooks: str | None = None) -> str | None:
    """Why the workspace-relative POSIX path `rel` is a control file, or None. `hooks` is the workspace-relative
    `core.hooksPath` folder, when it is inside the workspace."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    lower = [p.lower() for p in parts]
    for index, part in enumerate(lower):
        if part in _NAMES:
            shown = "/".join(parts[: index + 1]) + ("" if part in CONTROL_FILES else "/")
            return f"{shown} {_WHY.get(part, 'is a control file')}"
    if len(lower) >= 2 and lower[-2:] == [".vscode", "tasks.json"]:
        return ".vscode/tasks.json holds commands the editor runs"
    if hooks and hooks != "." and (rel == hooks or rel.startswith(hooks.rstrip("/") + "/")):
        return f"{hooks}/ is the folder git runs hooks from (core.hooksPath)"
    return None


def hard_link_reason(real: str) -> str | None:
    """Why writing the existing file `real` reaches beyond it: it has other names (hard links)."""
    try:
        info = os.lstat(real)
    except OSError:
        return None
    if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
        return f"is a hard link ({info.st_nlink} names for one file, possibly outside the workspace)"
    return None
