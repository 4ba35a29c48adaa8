"""What the sandbox protects: secret places in the home folder, the workbench's own folders, the control
files of a repository, and where its git metadata lives.

Control files are what an agent could change to widen its own permissions or to run code later at the
user's hand: agent settings (`.claude/`, `.mcp.json`, `.gemini/`, `.opencode/`, `.workbench/`), git's
configuration and hooks (`.git/config`, `.git/hooks`, `.git/info`, the `core.hooksPath` folder, `.husky/`, and the
hook managers' configs `.pre-commit-config.yaml` and `lefthook.yml`, whose commands the installed hook runs at the
next commit), editor tasks (`.vscode/tasks.json`) and `.envrc` (direnv runs it on `cd`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from workbench import paths

# Names that are control files wherever they appear in the workspace (folders or files).
HOOK_CONFIGS = (".pre-commit-config.yaml", "lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml")
# mise's config may source a script or run a hook when the user's shell enters the folder, as direnv's .envrc does.
ENTER_CONFIGS = ("mise.toml", ".mise.toml")
CONTROL_NAMES = frozenset({".claude", ".mcp.json", ".gemini", ".opencode", ".workbench", ".husky", ".envrc",
                           *HOOK_CONFIGS, *ENTER_CONFIGS})  # fmt: skip
# The control names that are files, not folders.
CONTROL_FILES = frozenset({".mcp.json", ".envrc", *HOOK_CONFIGS, *ENTER_CONFIGS})
# Control paths relative to the workspace root; a missing one is kept from being created.
ROOT_CONTROLS = (".claude", ".mcp.json", ".gemini", ".opencode", ".workbench", ".husky", ".envrc",
                 ".vscode/tasks.json")  # fmt: skip
# HOOK_CONFIGS and ENTER_CONFIGS are protected where they exist and get no placeholder: an installed hook manager
# (or mise) needs its config to be there already, and the policy asks before any tool or command line writes one.
RUN_CONFIGS = (*HOOK_CONFIGS, *ENTER_CONFIGS)
# In a git dir: what git reads its settings and hooks from (`commondir` names the folder holding them).
GIT_CONTROLS = ("config", "config.worktree", "hooks", "info", "commondir")
MAX_MODULES = 200  # submodule git dirs looked at under `.git/modules`

# Credentials in the home folder, hidden from every command.
HOME_SECRETS = (
    ".ssh",
    ".aws",
    ".azure",
    ".gnupg",
    ".password-store",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".git-credentials",
    ".vault-token",
    ".s3cfg",
    ".boto",
    ".kube",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".m2/settings.xml",
    ".gradle/gradle.properties",
    ".docker/config.json",
    ".config/gcloud",
    ".config/gh",
    ".config/hub",
    ".config/git/credentials",
    ".config/rclone",
    ".config/op",
    ".local/share/keyrings",
    ".terraform.d/credentials.tfrc.json",
    ".claude.json",
    ".claude/.credentials.json",
)
# Sockets that hand out more power than the sandbox allows (a container engine runs anything as root).
DAEMON_SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/run/containerd/containerd.sock",
)


def workbench_dirs() -> list[Path]:
    """The workbench's own data, state and config (sessions, transcripts, audit logs, trusted projects)."""
    return [paths.data_dir(), paths.state_dir(), paths.config_dir(), paths.config_file()]


@dataclass(frozen=True)
class GitDirs:
    gitdir: str  # the repository's git dir (`.git`, or where a worktree's `.git` file points)
    common: str  # the shared git dir (objects, refs, config, hooks); the same as gitdir outside worktrees
    root: str  # the folder holding `.git`


def find_git(workspace: str) -> GitDirs | None:
    """The git dirs of the repository the workspace is in (it may be a subfolder), following `gitdir:` files."""
    here = workspace
    while True:
        dotgit = os.path.join(here, ".git")
        if os.path.isdir(dotgit):
            return GitDirs(os.path.realpath(dotgit), _common(os.path.realpath(dotgit)), here)
        if os.path.isfile(dotgit):
            target = _gitdir_file(dotgit)
            if target is None:
                return None
            return GitDirs(target, _common(target), here)
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _gitdir_file(dotgit: str) -> str | None:
    try:
        with open(dotgit, encoding="utf-8", errors="replace") as fh:
            first = fh.readline(4096).strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    target = os.path.join(os.path.dirname(dotgit), first[7:].strip())
    return os.path.realpath(target) if os.path.isdir(target) else None


def _common(gitdir: str) -> str:
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8", errors="replace") as fh:
            rel = fh.readline(4096).strip()
    except OSError:
        return gitdir
    common = os.path.realpath(os.path.join(gitdir, rel))
    return common if os.path.isdir(common) else gitdir


_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+\"[^\"]*\")?\s*\]")


def _core_value(files: list[str], key: str) -> str | None:
    """The last `core.<key>` in these git config files (read as text, nothing run), unquoted."""
    pattern = re.compile(rf"^\s*{key}\s*=\s*(.*?)\s*$", re.IGNORECASE)
    found: str | None = None
    for file in files:
        try:
            with open(file, encoding="utf-8", errors="replace") as fh:
                lines = fh.read(1_000_000).splitlines()
        except OSError:
            continue
        section = ""
        for line in lines:
            head = _SECTION.match(line)
            if head:
                section = head.group(1).lower()
                continue
            match = pattern.match(line) if section == "core" else None
            if match:
                found = match.group(1).strip('"')
    return found


def hooks_path(git: GitDirs) -> str | None:
    """`core.hooksPath` from the repository's own config files (absolute, or relative to the work tree)."""
    bases = dict.fromkeys((git.common, git.gitdir))
    found = _core_value([os.path.join(b, name) for name in ("config", "config.worktree") for b in bases], "hookspath")
    if not found:
        return None
    found = os.path.expanduser(found)
    return os.path.normpath(os.path.join(git.root, found))


def linked_back(git: GitDirs) -> bool:
    """Whether the git dirs belong to this work tree, so that commands may write them wherever they are. A `.git`
    folder is the work tree's own. A `.git` file (a linked work tree, a submodule) is text anyone could have
    written: the git dir it names must name the work tree back (a work tree's `gitdir` file, a submodule's
    `core.worktree`), and a shared git dir (`commondir`) must hold it under `worktrees/` or `modules/`."""
    dotgit = os.path.join(git.root, ".git")
    holders = (os.path.join(git.common, sub) + os.sep for sub in ("worktrees", "modules"))
    if git.common != git.gitdir and not any(git.gitdir.startswith(holder) for holder in holders):
        return False
    if os.path.isdir(dotgit) and not os.path.islink(dotgit):
        return True
    try:
        with open(os.path.join(git.gitdir, "gitdir"), encoding="utf-8", errors="replace") as fh:
            back = fh.readline(4096).strip()
    except OSError:
        back = ""
    if back and os.path.realpath(os.path.join(git.gitdir, back)) == os.path.realpath(dotgit):
        return True
    tree = _core_value([os.path.join(git.gitdir, "config")], "worktree")
    return bool(tree) and os.path.realpath(os.path.join(git.gitdir, str(tree))) == os.path.realpath(git.root)


def git_controls(git: GitDirs) -> list[str]:
    """Existing git control paths: config, per-worktree config, hooks, info and `commondir` of the git dir, of
    the other work trees' git dirs and of the submodules' (`.git/modules/...`); the hooks path; and a `.git`
    file (a linked work tree's or a submodule's pointer to its git dir)."""
    bases = [git.common, git.gitdir, *_sub_gitdirs(os.path.join(git.common, "worktrees"), nested=False),
             *_sub_gitdirs(os.path.join(git.common, "modules"), nested=True)]  # fmt: skip
    out = [os.path.join(base, name) for base in dict.fromkeys(bases) for name in GIT_CONTROLS]
    hooks = hooks_path(git)
    if hooks is not None:
        out.append(hooks)
    dotgit = os.path.join(git.root, ".git")
    if os.path.isfile(dotgit):
        out.append(dotgit)
    return [p for p in dict.fromkeys(out) if os.path.lexists(p)]


def git_absent(git: GitDirs) -> list[str]:
    """Control paths git would read if they appeared, but that cannot be kept from being created (an empty
    placeholder file or folder would make git fail): a `commondir` in a git dir that has none."""
    out = [os.path.join(base, "commondir") for base in dict.fromkeys((git.gitdir, git.common))]
    return [p for p in out if not os.path.lexists(p)]


def _sub_gitdirs(folder: str, *, nested: bool) -> list[str]:
    """Git dirs under `folder` (each child holding a HEAD), and with `nested` their own `modules/` below."""
    found: list[str] = []
    stack = [folder]
    while stack and len(found) < MAX_MODULES:
        try:
            with os.scandir(stack.pop()) as entries:
                children = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
        for child in children:
            if os.path.lexists(os.path.join(child, "HEAD")):
                found.append(child)
                if nested:
                    stack.append(os.path.join(child, "modules"))
            elif nested:
                stack.append(child)  # a submodule named `a/b` lives in modules/a/b
    return found[:MAX_MODULES]


def home_secrets(home: Path) -> list[str]:
    """Existing credential paths in the home folder, plus secret-named files at its top level."""
    from workbench.core.secrets import is_secret_path

    out = [str(home / rel) for rel in HOME_SECRETS if os.path.lexists(home / rel)]
    try:
        with os.scandir(home) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and is_secret_path(entry.name):
                    out.append(entry.path)
    except OSError:
        pass
    return list(dict.fromkeys(out))
