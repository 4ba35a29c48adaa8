"""Listing, status, folder index and diffs on real git repositories made in tmp folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.core.test_repo_sample import git, make_sample_repo, write
from workbench.core.repo import (
    DirIndex,
    FileStatus,
    RepoError,
    file_diff,
    find_root,
    git_status,
    list_dir,
    list_files,
)
from workbench.core.repo.status import parse_porcelain_v2


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return make_sample_repo(tmp_path / "myservice")


def test_find_root_from_a_subfolder(sample: Path, tmp_path: Path) -> None:
    assert find_root(sample / "src") == sample.resolve()
    assert find_root(sample / "src" / "payments.py") == sample.resolve()
    plain = tmp_path / "plain"
    plain.mkdir()
    assert find_root(plain) is None


def test_listing_has_tracked_and_untracked_but_not_ignored(sample: Path) -> None:
    listing = list_files(sample)
    files = set(listing.files)
    assert listing.is_git
    assert {"src/payments.py", "src/backoff.py", "src/retry_policy.py", "notes.txt", "drafts/idea.md"} <= files
    assert "build/out.bin" not in files
    assert "debug.log" not in files
    assert "src/policy.py" not in files  # renamed away
    assert listing.ignored == frozenset()


def test_listing_with_ignored_lists_ignored_folders_whole(sample: Path) -> None:
    listing = list_files(sample, include_ignored=True)
    assert "build/" in listing.ignored
    assert "debug.log" in listing.ignored
    index = DirIndex(listing)
    build = next(e for e in index.children("") if e.name == "build")
    assert build.lazy and build.ignored
    assert [e.name for e in list_dir(sample, "build")] == ["out.bin"]


def test_status_letters_for_every_state(sample: Path) -> None:
    report = git_status(sample)
    assert report.branch == "main"
    assert report.oid is not None and len(report.oid) == 40
    expect = {
        "src/payments.py": FileStatus.MODIFIED,
        "src/backoff.py": FileStatus.ADDED,
        "src/old.py": FileStatus.DELETED,
        "src/retry_policy.py": FileStatus.RENAMED,
        "conflict.txt": FileStatus.CONFLICTED,
        "notes.txt": FileStatus.UNTRACKED,
        "drafts/idea.md": FileStatus.UNTRACKED,  # inside an untracked folder
    }
    for path, status in expect.items():
        assert report.status_of(path) is status, path
    assert report.status_of("src/retry.py") is None
    assert report.status_of("README.md") is None
    assert report.files["src/retry_policy.py"].orig_path == "src/policy.py"
    assert report.files["src/backoff.py"].staged
    assert not report.files["src/payments.py"].staged


def test_folder_status_is_the_strongest_below(sample: Path) -> None:
    report = git_status(sample)
    assert report.dir_status("src") is FileStatus.DELETED
    assert report.dir_status("") is FileStatus.CONFLICTED
    assert report.dir_status("drafts") is FileStatus.UNTRACKED
    assert report.dir_status("tests") is None


def test_status_from_a_subfolder_is_relative_to_it(sample: Path) -> None:
    report = git_status(sample / "src")
    assert report.status_of("payments.py") is FileStatus.MODIFIED
    assert "conflict.txt" not in report.files


def test_status_outside_git_is_empty(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    report = git_status(tmp_path)
    assert report.files == {} and report.branch is None


def test_status_reports_a_broken_repository(tmp_path: Path) -> None:
    repo = tmp_path / "broken"
    repo.mkdir()
    (repo / ".git").write_text("gitdir: /nonexistent/place\n")
    with pytest.raises(RepoError, match="git status failed"):
        git_status(repo)


def test_parse_porcelain_handles_detached_head_and_ahead_behind() -> None:
    data = (
        b"# branch.oid 0123456789012345678901234567890123456789\0# branch.head (detached)\0"
        b"# branch.upstream origin/main\0# branch.ab +2 -3\0"
        b"1 .M N... 100644 100644 100644 aaaa bbbb with space.py\0"
        b"2 R. N... 100644 100644 100644 aaaa bbbb R100 new name.py\0old name.py\0"
        b"? bad\xffname.txt\0"
    )
    report = parse_porcelain_v2(data)
    assert report.branch is None
    assert (report.ahead, report.behind, report.upstream) == (2, 3, "origin/main")
    assert report.status_of("with space.py") is FileStatus.MODIFIED
    assert report.files["new name.py"].orig_path == "old name.py"
    assert report.status_of(os.fsdecode(b"bad\xffname.txt")) is FileStatus.UNTRACKED


def test_index_adds_deleted_files_and_sorts_folders_first(sample: Path) -> None:
    index = DirIndex(list_files(sample), git_status(sample))
    root = [(e.name, e.is_dir) for e in index.children("")]
    assert root[:3] == [("drafts", True), ("src", True), ("tests", True)]
    assert ("README.md", False) in root
    src = [e.name for e in index.children("src")]
    assert src == ["backoff.py", "old.py", "payments.py", "retry.py", "retry_policy.py"]
    assert index.children("nope") == []


def test_diff_of_modified_added_deleted_and_untracked(sample: Path) -> None:
    modified = file_diff(sample, "src/payments.py")
    assert "-        for attempt in range(MAX_ATTEMPTS):" in modified
    assert "+        for attempt in range(policy.max_attempts):" in modified
    added = file_diff(sample, "src/backoff.py")
    assert "new file mode" in added and "+def delay" in added
    deleted = file_diff(sample, "src/old.py")
    assert "deleted file mode" in deleted and "-OLD = 1" in deleted
    untracked = file_diff(sample, "notes.txt")
    assert "+scratch" in untracked and "/dev/null" in untracked
    assert file_diff(sample, "src/retry.py") == ""


def test_diff_before_the_first_commit_and_outside_git(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, "a.py", "x = 1\n")
    git(repo, "add", "a.py")
    write(repo, "a.py", "x = 2\n")
    diff = file_diff(repo, "a.py")
    assert "+x = 1" in diff and "+x = 2" in diff
    assert git_status(repo).status_of("a.py") is FileStatus.ADDED
    with pytest.raises(RepoError, match="not a git repository"):
        file_diff(tmp_path / "fresh" / "..", "x")


def test_hostile_file_names_round_trip(tmp_path: Path) -> None:
    repo = tmp_path / "hostile"
    repo.mkdir()
    git(repo, "init", "-q")
    names = ["[bold]x.txt", "[@click=app.quit].md", "esc\x1b[31mred.txt", "new\nline.txt", "tab\tname.txt"]
    for name in names:
        write(repo, name, "data\n")
    bad = os.fsencode(repo) + b"/latin1-\xe9.txt"
    with open(bad, "wb") as handle:
        handle.write(b"x\n")
    listing = list_files(repo)
    for name in names:
        assert name in listing.files
    decoded = os.fsdecode(b"latin1-\xe9.txt")
    assert decoded in listing.files
    assert (repo / decoded).is_file()  # the decoded name maps back to the real file
    report = git_status(repo)
    for name in [*names, decoded]:
        assert report.status_of(name) is FileStatus.UNTRACKED, name


def test_index_takes_untracked_entries_from_the_status_report(sample: Path) -> None:
    listing = list_files(sample, include_untracked=False)
    assert "notes.txt" not in listing.files and "src/payments.py" in listing.files
    index = DirIndex(listing, git_status(sample))
    root = {e.name: e for e in index.children("")}
    assert "notes.txt" in root and not root["notes.txt"].is_dir
    assert root["drafts"].is_dir and root["drafts"].lazy and not root["drafts"].ignored
    assert not root["src"].lazy
    assert index.has_folder("src") and index.has_folder("drafts") and not index.has_folder("nope")


def test_index_jumps_over_folder_blocks_with_tricky_names(tmp_path: Path) -> None:
    from workbench.core.repo import FileListing

    files = ("a-b.txt", "a/x.py", "a/y/z.py", "a.txt", "a0", "ab/c", "b", "a/y-1", "a/y.txt")
    index = DirIndex(FileListing(tmp_path, files, True))
    assert [(e.name, e.is_dir) for e in index.children("")] == [
        ("a", True),
        ("ab", True),
        ("a-b.txt", False),
        ("a.txt", False),
        ("a0", False),
        ("b", False),
    ]
    assert [e.name for e in index.children("a")] == ["y", "x.py", "y-1", "y.txt"]
    assert [e.path for e in index.children("a/y")] == ["a/y/z.py"]


def test_status_never_rewrites_the_index(sample: Path) -> None:
    index = sample / ".git" / "index"
    retry = sample / "src" / "retry.py"
    stat = retry.stat()
    os.utime(retry, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))  # same content, new mtime
    before = index.stat().st_mtime_ns
    report = git_status(sample)
    assert report.status_of("src/retry.py") is None
    assert index.stat().st_mtime_ns == before  # no optional locks: the user's git is never raced
