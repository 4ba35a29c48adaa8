"""The first checkpoint of a repository starts from the user's index and objects (borrowed read-only), so it
costs about one `git status` instead of hashing every file; what it stores is exactly the bytes on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

from workbench.core.checkpoint import snapshot
from workbench.core.checkpoint.gitstore import GitStore

ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, check=False, env={"PATH": "/usr/bin:/bin", **ENV}
    )
    return done.stdout.decode()


def repo_with(tmp_path: Path, files: int) -> Path:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    for n in range(files):
        (repo / "src" / f"m{n}.py").write_text(f"value = {n}\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    return repo


def loose_objects(store: GitStore) -> int:
    return sum(1 for p in (store.git_dir / "objects").glob("??/*"))


def blob(store: GitStore, tree: str, path: str) -> bytes:
    oid = snapshot.entries(store, tree, [path])[path].oid
    return store.read_blobs([oid])[oid]


def test_a_clean_repository_is_checkpointed_without_hashing_its_files(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, 200)
    store = GitStore(repo, root=tmp_path / "store")
    store.ensure()
    taken = snapshot.take(store, max_file_bytes=1 << 20, ref="s/head")
    assert taken.snapshot.tree == git(repo, "rev-parse", "HEAD^{tree}").strip()
    assert loose_objects(store) <= 4  # the trees and the commit, none of the 200 blobs
    assert blob(store, taken.snapshot.tree, "src/m7.py") == b"value = 7\n"


def test_changes_since_the_index_are_hashed_and_the_users_repository_is_untouched(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, 20)
    (repo / "src" / "m3.py").write_text("value = 'changed'\n")
    (repo / "new.txt").write_text("untracked\n")
    (repo / "src" / "m4.py").unlink()
    before = (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain"),
        (repo / ".git" / "index").read_bytes(),
    )
    store = GitStore(repo, root=tmp_path / "store")
    store.ensure()
    tree = snapshot.take(store, max_file_bytes=1 << 20, ref="s/head").snapshot.tree
    assert blob(store, tree, "src/m3.py") == b"value = 'changed'\n"
    assert blob(store, tree, "new.txt") == b"untracked\n"
    assert "src/m4.py" not in snapshot.entries(store, tree, ["src/m4.py"])
    after = (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"), (repo / ".git" / "index").read_bytes())
    assert after == before


def test_an_index_in_a_merge_conflict_stores_the_file_as_it_is_on_disk(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, 5)
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "src" / "m1.py").write_text("value = 'other'\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "src" / "m1.py").write_text("value = 'main'\n")
    git(repo, "commit", "-qam", "main")
    git(repo, "merge", "-q", "other")  # a conflict: the index holds unmerged entries
    assert "UU src/m1.py" in git(repo, "status", "--porcelain")
    store = GitStore(repo, root=tmp_path / "store")
    store.ensure()
    tree = snapshot.take(store, max_file_bytes=1 << 20, ref="s/head").snapshot.tree
    assert b"<<<<<<<" in blob(store, tree, "src/m1.py")
    assert blob(store, tree, "src/m2.py") == b"value = 2\n"


def test_an_index_git_cannot_read_falls_back_to_hashing_every_file(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, 5)
    index = repo / ".git" / "index"
    index.write_bytes(index.read_bytes()[:40] + b"garbage")
    store = GitStore(repo, root=tmp_path / "store")
    store.ensure()
    tree = snapshot.take(store, max_file_bytes=1 << 20, ref="s/head").snapshot.tree
    assert blob(store, tree, "src/m2.py") == b"value = 2\n"
    assert not (store.git_dir / "objects" / "info" / "alternates").exists()
    assert loose_objects(store) >= 5  # every file hashed into the store itself


def test_a_plain_folder_or_a_subfolder_of_a_repository_is_not_seeded(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, 3)
    for workspace in (repo / "src", tmp_path):
        store = GitStore(workspace, root=tmp_path / f"store-{workspace.name}")
        store.ensure()
        assert not store.seed_from_repository()
