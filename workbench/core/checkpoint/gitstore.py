"""The private git object store that checkpoints live in, and a hardened way to run git against it.

One store per workspace under the workbench's data folder (`<project state>/checkpoints/`): a git directory
of our own (GIT_DIR), the workspace as its work tree (GIT_WORK_TREE) and a private index (GIT_INDEX_FILE)
that doubles as the stat cache. The user's `.git`, index, HEAD, stash and branches are never read for
writing nor changed; the workspace folder need not be a git repository at all.

The workspace is hostile: git runs with no system or global config, no hooks, no fsmonitor, no external
diff or textconv, and a store-level attributes file that switches off every content filter, so what is
stored is exactly the bytes on disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

from workbench import paths
from workbench.core.hardened import SAFE_CONFIG, config_args

GIT_TIMEOUT = 300.0  # a first checkpoint of a huge plain folder hashes every file once
HARDENING = (
    *config_args(SAFE_CONFIG),  # no fsmonitor, hooks, pager or signature program
    "-c", "diff.external=",
    "-c", "core.autocrlf=false",
    "-c", "core.safecrlf=false",
    "-c", "core.symlinks=true",
    "-c", "core.filemode=true",
    "-c", "core.quotepath=off",
    "-c", "core.bare=false",
    "-c", "gc.auto=0",
    "-c", "maintenance.auto=false",
    "-c", "protocol.allow=never",
)  # fmt: skip
# Highest-precedence attributes: no eol conversion, no filters, no $Id$ expansion, no re-encoding.
ATTRIBUTES = "* -text -crlf -filter -ident !eol !working-tree-encoding\n"
STORE_CONFIG = """[core]
\trepositoryformatversion = 0
\tbare = false
\tuntrackedCache = true
\tsplitIndex = true
\tfsmonitor = false
\thooksPath = /dev/null
[index]
\tversion = 4
[gc]
\tauto = 0
"""


class StoreError(Exception):
    """Git failed on the private store; the message says what and why."""


def store_dir(workspace: Path) -> Path:
    return paths.project_state_dir(workspace) / "checkpoints"


def _linked_git_dir(dot_git: Path) -> Path | None:
    """The folder a `.git` file points at ("gitdir: PATH", in worktrees and submodules)."""
    try:
        line = dot_git.read_text(encoding="utf-8")[:4096].strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not line.startswith("gitdir:"):
        return None
    target = (dot_git.parent / line[len("gitdir:") :].strip()).resolve()
    return target if target.is_dir() else None


def repository_dirs(workspace: Path) -> tuple[Path, Path] | None:
    """(git dir, objects dir) of the repository whose top is `workspace`, read without running git (its
    config is not to be trusted); None when the workspace is not the top of a repository."""
    dot_git = workspace / ".git"
    if dot_git.is_symlink():
        return None
    git_dir = dot_git if dot_git.is_dir() else _linked_git_dir(dot_git) if dot_git.is_file() else None
    if git_dir is None:
        return None
    common = git_dir
    with contextlib.suppress(OSError, UnicodeDecodeError):
        pointer = (git_dir / "commondir").read_text(encoding="utf-8")[:4096].strip()
        if pointer:
            common = (git_dir / pointer).resolve()
    objects = (common / "objects").resolve()
    return (git_dir, objects) if objects.is_dir() else None


def _user_excludes() -> Path | None:
    """The user's global ignore file (git's default place), so checkpoints skip what `git status` skips."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(paths.user_home() / ".config")
    candidate = Path(base) / "git" / "ignore"
    return candidate if candidate.is_file() else None


class GitStore:
    """Runs git on the private store with the workspace as its work tree."""

    def __init__(self, workspace: Path, root: Path | None = None) -> None:
        self.workspace = workspace.resolve()
        self.root = root or store_dir(self.workspace)
        self.git_dir = self.root / "git"
        self.index = self.root / "index"
        self.excludes = _user_excludes()

    # -- setup -------------------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the store on first use; refresh the copy of the repository's own exclude file."""
        if not (self.git_dir / "HEAD").is_file():
            for sub in ("objects/info", "objects/pack", "refs/heads", "refs/tags", "info"):
                (self.git_dir / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(self.root, 0o700)
            (self.git_dir / "config").write_text(STORE_CONFIG, encoding="utf-8")
            (self.git_dir / "HEAD").write_text("ref: refs/heads/checkpoints\n", encoding="utf-8")
        (self.git_dir / "info" / "attributes").write_text(ATTRIBUTES, encoding="utf-8")
        exclude = ".git/\n"
        user_exclude = self.workspace / ".git" / "info" / "exclude"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if user_exclude.is_file() and not user_exclude.is_symlink():
                exclude += user_exclude.read_text(encoding="utf-8")[:200_000]
        target = self.git_dir / "info" / "exclude"
        if not target.is_file() or target.read_text(encoding="utf-8", errors="replace") != exclude:
            target.write_text(exclude, encoding="utf-8")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer at a time per store (two sessions in one workspace share its index)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def seed_from_repository(self) -> bool:
        """Before the first snapshot: borrow the user's repository's objects (read-only, as alternates) and a
        copy of its index, whose stat cache names the files that match the index, so the first snapshot hashes
        only what differs instead of every file. Only when the workspace is the top of a repository; the
        caller checks the result (`seeded_ok`) and falls back to hashing everything."""
        if self.index.exists():
            return False
        found = repository_dirs(self.workspace)
        if found is None:
            return False
        git_dir, objects = found
        user_index = git_dir / "index"
        if not user_index.is_file() or user_index.is_symlink():
            return False
        with open(user_index, "rb") as handle:
            if handle.read(4) != b"DIRC":
                return False
        shutil.copyfile(user_index, self.index)
        for shared in git_dir.glob("sharedindex.*"):  # a split index names its shared part by hash
            if shared.is_file() and not shared.is_symlink():
                shutil.copyfile(shared, self.git_dir / shared.name)
        (self.git_dir / "objects" / "info" / "alternates").write_text(f"{objects}\n", encoding="utf-8")
        return True

    def unseed(self) -> None:
        """Forget a seed git could not use: the next snapshot hashes every file."""
        for path in (self.index, self.git_dir / "objects" / "info" / "alternates", *self.git_dir.glob("sharedindex.*")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    # -- running git -------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """A scrubbed environment: nothing from the caller's git settings, nothing from the workspace's."""
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "LANG": "C",
            "LC_ALL": "C",
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.workspace),
            "GIT_INDEX_FILE": str(self.index),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_LITERAL_PATHSPECS": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_PAGER": "cat",
            "GIT_AUTHOR_NAME": "workbench",
            "GIT_AUTHOR_EMAIL": "checkpoints@workbench.invalid",
            "GIT_COMMITTER_NAME": "workbench",
            "GIT_COMMITTER_EMAIL": "checkpoints@workbench.invalid",
        }

    def argv(self, args: Sequence[str]) -> list[str]:
        extra: tuple[str, ...] = ()
        if self.excludes is not None:
            extra = ("-c", f"core.excludesFile={self.excludes}")
        return ["git", *HARDENING, *extra, *args]

    def run(self, *args: str, input: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        try:
            done = subprocess.run(
                self.argv(args),
                cwd=self.workspace,
                env=self.env(),
                input=input,
                capture_output=True,
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except FileNotFoundError as exc:
            raise StoreError("git is not installed or not on PATH") from exc
        except subprocess.TimeoutExpired as exc:
            raise StoreError(f"git {args[0]} took longer than {GIT_TIMEOUT:.0f} s") from exc
        if done.returncode not in ok:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise StoreError(f"git {args[0]} failed: {message[-1] if message else f'exit {done.returncode}'}")
        return done.stdout

    def read_blobs(self, oids: Sequence[str]) -> dict[str, bytes]:
        """The contents of several blobs in one `cat-file --batch` call."""
        wanted = list(dict.fromkeys(oids))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch", input="".join(f"{oid}\n" for oid in wanted).encode())
        blobs: dict[str, bytes] = {}
        pos = 0
        for oid in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) != 3:
                raise StoreError(f"object {oid} is missing from the checkpoint store")
            size = int(header[2])
            blobs[oid] = out[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
        return blobs

    def size_bytes(self) -> int:
        """Disk used by the store's objects."""
        total = 0
        for folder, _dirs, files in os.walk(self.git_dir / "objects"):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
        return total
