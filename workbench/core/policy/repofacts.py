"""What the policy needs to know about the repository and cannot read from a command's text, asked of hardened
git and ripgrep (nothing the repository names runs):

* which repository a folder belongs to (git in another repository runs that repository's drivers);
* the hooks folder (`core.hooksPath`), a control file like `.git/hooks`;
* the repository's own external diff (`git diff` would run it);
* the secret files anywhere in git's history, the reflog or the index (`git log -p` would print them);
* the secret files a ripgrep walk would read (rg reads every file its folders hold).

Each is computed at most once per command line (`RepoFacts` lives as long as one evaluation); the history scan
is also kept across evaluations while the refs and the index stay as they are.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from workbench.core import hardened, secrets
from workbench.core.repo.listing import find_root

HISTORY_TIMEOUT_S = 10.0
RG_TIMEOUT_S = 10.0
_history: dict[str, tuple[str, frozenset[str] | None]] = {}  # repository root -> (refs and index stamp, secret paths)


class RepoFacts:
    def __init__(self, workspace: str) -> None:
        self.workspace = workspace
        self._roots: dict[str, str | None] = {}
        self._hooks: tuple[str | None] | None = None
        self._external: dict[str, str | None] = {}
        self._secrets: dict[str, frozenset[str] | None] = {}
        self._current: dict[str, frozenset[str] | None] = {}
        self._rg: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str] | None] = {}

    def repo_root(self, folder: str) -> str | None:
        """The top of the git work tree holding `folder` (real path), or None outside git."""
        if folder not in self._roots:
            found = find_root(Path(folder))
            self._roots[folder] = str(found) if found is not None else None
        return self._roots[folder]

    def hooks_folder(self) -> str | None:
        """`core.hooksPath` as a workspace-relative path when it points inside the workspace."""
        if self._hooks is None:
            self._hooks = (self._read_hooks(),)
        return self._hooks[0]

    def _read_hooks(self) -> str | None:
        root = self.repo_root(self.workspace)
        if root is None:
            return None
        found = hardened.repo_config(Path(self.workspace), r"^core\.hookspath$")
        if not found:
            return None
        value = os.path.expanduser(found[-1][2])
        real = os.path.realpath(os.path.join(root, value))
        if real == self.workspace:
            return "."
        prefix = self.workspace.rstrip("/") + "/"
        return real[len(prefix) :] if real.startswith(prefix) else None

    def external_diff(self, folder: str) -> str | None:
        """The repository's own `diff.external` or `diff.<driver>.command`, as `key=value`."""
        if folder not in self._external:
            self._external[folder] = hardened.local_external_diff(Path(folder))
        return self._external[folder]

    def secret_history(self, folder: str) -> frozenset[str] | None:
        """Secret-looking paths (repository-relative) in any commit reachable from a ref or the reflog, or in
        the index; None when that cannot be told (git failed or took too long)."""
        root = self.repo_root(folder)
        if root is None:
            return frozenset()
        if root not in self._secrets:
            self._secrets[root] = _scan_history(Path(root))
        return self._secrets[root]

    def secret_current(self, folder: str) -> frozenset[str] | None:
        """Secret-looking paths in the index or in HEAD's tree (what a diff without revisions can show)."""
        root = self.repo_root(folder)
        if root is None:
            return frozenset()
        if root not in self._current:
            try:
                names = hardened.run_git(Path(root), "ls-files", "-z", "--cached", timeout=HISTORY_TIMEOUT_S)
                tree = ("ls-tree", "-r", "-z", "--name-only", "HEAD")
                names += b"\0" + hardened.run_git(Path(root), *tree, ok_codes=(0, 128), timeout=HISTORY_TIMEOUT_S)
            except hardened.GitFailed:
                self._current[root] = None
            else:
                self._current[root] = _secret_names(names)
        return self._current[root]

    def rg_secrets(self, base: str, walk: Sequence[str], paths: Sequence[str]) -> list[str] | None:
        """The secret files `rg` would search from `base` with the walk options `walk` over `paths` (as rg lists
        them); None when rg could not say."""
        key = (base, tuple(walk), tuple(paths))
        if key not in self._rg:
            self._rg[key] = _rg_secrets(base, walk, paths)
        return self._rg[key]


def _rg_secrets(base: str, walk: Sequence[str], paths: Sequence[str]) -> list[str] | None:
    env = hardened.scrub_env(os.environ)
    rg = shutil.which("rg", path=env.get("PATH"))
    if rg is None:
        return []  # the command's own rg will not start either
    argv = [rg, "--files", "--null", *walk, "--", *(paths or ["."])]
    try:
        done = subprocess.run(argv, cwd=base, capture_output=True, timeout=RG_TIMEOUT_S, env=env,
                              stdin=subprocess.DEVNULL, preexec_fn=hardened.tool_limits())  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode not in (0, 1) and not done.stdout:
        return None
    listed = (os.fsdecode(p) for p in done.stdout.split(b"\0") if p)
    return [p for p in listed if secrets.is_secret_path(p)]


def _scan_history(root: Path) -> frozenset[str] | None:
    """Secret paths in the index and in every commit reachable from a ref or the reflog. Kept while the refs
    and the index stay as they are; a scan that failed or took too long is kept too (as None: the commands
    that depend on it ask), so a huge history costs the wait once, not on every command."""
    index = root / ".git" / "index"
    try:
        refs = hardened.run_git(root, "show-ref", "--head", ok_codes=(0, 1), timeout=HISTORY_TIMEOUT_S)
    except hardened.GitFailed:
        return None
    # a `.git` file (a linked work tree) keeps its index elsewhere: then nothing is kept between evaluations
    seen = index.stat().st_mtime_ns if index.is_file() else -1 if (root / ".git").is_dir() else None
    stamp = hashlib.sha256(refs + str(seen).encode()).hexdigest() if seen is not None else ""
    cached = _history.get(str(root))
    if stamp and cached is not None and cached[0] == stamp:
        return cached[1]
    found: frozenset[str] | None
    try:
        names = hardened.run_git(root, "ls-files", "-z", "--cached", timeout=HISTORY_TIMEOUT_S)
        if refs.strip():
            log = ("log", "--all", "--reflog", "-m", "--no-renames", "--format=", "--name-only", "-z")
            names += b"\0" + hardened.run_git(root, *log, timeout=HISTORY_TIMEOUT_S)
        found = _secret_names(names)
    except hardened.GitFailed:
        found = None
    if stamp:
        _history[str(root)] = (stamp, found)
    return found


def _secret_names(listing: bytes) -> frozenset[str]:
    return frozenset(p for p in (os.fsdecode(n) for n in listing.split(b"\0") if n) if secrets.is_secret_path(p))
