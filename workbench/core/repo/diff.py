"""The diff of one file against HEAD (staged and unstaged together); an untracked file diffs as wholly added."""

from __future__ import annotations

from pathlib import Path

from workbench.core.repo.listing import RepoError, find_root, run_git
from workbench.core.repo.preview import looks_binary

DIFF_CAP = 2_000_000


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
    tracked = run_git(root, "ls-files", "-z", "--", f":(literal){repo_rel}")
    has_head = bool(run_git(root, "rev-parse", "--verify", "--quiet", "HEAD", ok_codes=(0, 1)).strip())
    if not tracked and not _in_head(root, repo_rel, has_head):
        if not full.is_file():
            return ""
        return _untracked_diff(root, repo_rel)
    base = ["diff", "--no-color", "--no-ext-diff", "-M"]
    spec = ["--", f":(literal){repo_rel}"]
    if has_head:
        out = run_git(root, *base, "HEAD", *spec)
    else:
        out = run_git(root, *base, "--cached", *spec) + run_git(root, *base, *spec)
    return _decode(out)


def _in_head(root: Path, repo_rel: str, has_head: bool) -> bool:
    if not has_head:
        return False
    out = run_git(root, "ls-tree", "-z", "--name-only", "HEAD", "--", f":(literal){repo_rel}")
    return bool(out)


def _untracked_diff(root: Path, repo_rel: str) -> str:
    with (root / repo_rel).open("rb") as handle:
        head = handle.read(8192)
    if looks_binary(head):
        return f"diff --git a/{repo_rel} b/{repo_rel}\nnew file (untracked)\nBinary file {repo_rel} not shown\n"
    out = run_git(
        root, "diff", "--no-color", "--no-ext-diff", "--no-index", "--", "/dev/null", repo_rel, ok_codes=(0, 1)
    )
    return _decode(out)


def _decode(out: bytes) -> str:
    text = out[:DIFF_CAP].decode("utf-8", "replace")
    if len(out) > DIFF_CAP:
        text += f"\n… diff cut at {DIFF_CAP:,} bytes\n"
    return text
