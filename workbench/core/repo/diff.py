"""The diff of one file against HEAD (staged and unstaged together); an untracked file diffs as wholly added."""

from __future__ import annotations

from pathlib import Path

from workbench.core import hardened
from workbench.core.repo.listing import RepoError, find_root, run_git
from workbench.core.repo.preview import looks_binary

DIFF_CAP = 2_000_000
# The repository's external diff and textconv drivers never run: the diff shown is git's own.
DIFF_ARGS = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M")


def file_diff(workspace: Path, rel_path: str) -> str:
    """Unified diff text of `rel_path` (relative to `workspace`); "" when unchanged.

    Raises:
        RepoError: outside git, or git failed.
    """
    root = find_root(workspace)
    if root is None:
        raise RepoError("not a git repository: no diff to show")
    full = (workspace / rel_path).resolve()
    try:
        repo_rel = full.relative_to(root).as_posix()
    except ValueError as exc:
        raise RepoError(f"{rel_path} is outside the repository") from exc
    drivers = hardened.driver_overrides(root)
    tracked = run_git(root, "ls-files", "-z", "--", f":(literal){repo_rel}", overrides=drivers)
    head = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD", ok_codes=(0, 1), overrides=drivers)
    has_head = bool(head.strip())
    if not tracked and not _in_head(root, repo_rel, has_head, drivers):
        if not full.is_file():
            return ""
        return _untracked_diff(root, repo_rel, drivers)
    spec = ["--", f":(literal){repo_rel}"]
    if has_head:
        out = run_git(root, *DIFF_ARGS, "HEAD", *spec, overrides=drivers)
    else:
        out = run_git(root, *DIFF_ARGS, "--cached", *spec, overrides=drivers)
        out += run_git(root, *DIFF_ARGS, *spec, overrides=drivers)
    return _decode(out)


def _in_head(root: Path, repo_rel: str, has_head: bool, drivers: list[tuple[str, str]]) -> bool:
    if not has_head:
        return False
    out = run_git(root, "ls-tree", "-z", "--name-only", "HEAD", "--", f":(literal){repo_rel}", overrides=drivers)
    return bool(out)


def _untracked_diff(root: Path, repo_rel: str, drivers: list[tuple[str, str]]) -> str:
    with (root / repo_rel).open("rb") as handle:
        head = handle.read(8192)
    if looks_binary(head):
        return f"diff --git a/{repo_rel} b/{repo_rel}\nnew file (untracked)\nBinary file {repo_rel} not shown\n"
    out = run_git(root, *DIFF_ARGS[:-1], "--no-index", "--", "/dev/null", repo_rel, ok_codes=(0, 1), overrides=drivers)
    return _decode(out)


def _decode(out: bytes) -> str:
    text = out[:DIFF_CAP].decode("utf-8", "replace")
    if len(out) > DIFF_CAP:
        text += f"\n… diff cut at {DIFF_CAP:,} bytes\n"
    return text
