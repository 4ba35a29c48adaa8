"""Listing outside git (.gitignore matcher), previews (binary, huge, invalid UTF-8, hostile text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.repo import list_files, load_preview, visible_name, visible_text
from workbench.core.repo.gitignore import IgnoreMatcher, parse_rules
from workbench.core.repo.preview import PREVIEW_CAP


def make_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.log", "a.log", False, True),
        ("*.log", "deep/down/a.log", False, True),
        ("/top.txt", "top.txt", False, True),
        ("/top.txt", "sub/top.txt", False, False),
        ("build/", "build", True, True),
        ("build/", "build", False, False),
        ("docs/*.md", "docs/a.md", False, True),
        ("docs/*.md", "docs/sub/a.md", False, False),
        ("**/cache", "a/b/cache", True, True),
        ("a/**/z", "a/b/c/z", False, True),
        ("a/**/z", "a/z", False, True),
        ("file?.txt", "file1.txt", False, True),
        ("file[0-9].txt", "filex.txt", False, False),
        ("\\#hash", "#hash", False, True),
    ],
)
def test_gitignore_patterns(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    assert IgnoreMatcher(parse_rules(pattern)).ignored(path, is_dir) is ignored


def test_negation_and_comments() -> None:
    matcher = IgnoreMatcher(parse_rules("# comment\n*.txt\n!keep.txt\n\n"))
    assert matcher.ignored("a.txt", False)
    assert not matcher.ignored("keep.txt", False)
    assert not matcher.ignored("# comment", False)


def test_walk_outside_git_honours_nested_ignore_files(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            ".gitignore": "*.log\nnode_modules/\n",
            "a.py": "",
            "x.log": "",
            "node_modules/pkg/index.js": "",
            "sub/.gitignore": "secret.txt\n!important.log\n",
            "sub/secret.txt": "",
            "sub/important.log": "",
            "sub/b.py": "",
            ".hg/store": "",
        },
    )
    listing = list_files(tmp_path)
    assert not listing.is_git
    assert set(listing.files) == {".gitignore", "a.py", "sub/.gitignore", "sub/b.py", "sub/important.log"}
    with_ignored = list_files(tmp_path, include_ignored=True)
    assert with_ignored.ignored == {"x.log", "node_modules/", "sub/secret.txt"}


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    from workbench.core.repo import RepoError

    with pytest.raises(RepoError, match="not a folder"):
        list_files(tmp_path / "nope")


def test_preview_of_text_binary_huge_and_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('hi')\r\n")
    text = load_preview(tmp_path, "a.py")
    assert text.text == "print('hi')\n" and not text.binary and text.notice is None and text.content_hash

    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0IHDR" * 10)
    blob = load_preview(tmp_path, "blob.bin")
    assert blob.binary and blob.text == "" and "binary" in (blob.notice or "")

    (tmp_path / "huge.txt").write_bytes(b"line\n" * (PREVIEW_CAP // 5 + 1000))
    huge = load_preview(tmp_path, "huge.txt")
    assert huge.truncated and len(huge.text) == PREVIEW_CAP and "first" in (huge.notice or "")

    (tmp_path / "bad.txt").write_bytes(b"ok \xff\xfe here\n")
    bad = load_preview(tmp_path, "bad.txt")
    assert bad.replaced and "\ufffd" in bad.text and "ok " in bad.text

    gone = load_preview(tmp_path, "missing.txt")
    assert gone.error and "deleted" in gone.error
    folder = load_preview(tmp_path, ".")
    assert folder.error == "not a regular file"


def test_cut_at_the_cap_inside_a_character_is_not_reported_as_invalid(tmp_path: Path) -> None:
    (tmp_path / "u.txt").write_text("é" * 600)
    preview = load_preview(tmp_path, "u.txt", cap=1001)
    assert preview.truncated and not preview.replaced and preview.text == "é" * 500


def test_visible_text_neutralises_escapes_and_bidi() -> None:
    hostile = "red\x1b[31m bell\x07 cr\r nul\x00 c1\x9b rlo\u202eevil\u202c zw\u200b tab\tnl\n"
    out = visible_text(hostile)
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out and "\x00" not in out
    assert "\x9b" not in out and "\u202e" not in out and "\u200b" not in out
    assert "␛[31m" in out and "<U+202E>" in out and "<U+200B>" in out
    assert out.endswith("tab\tnl\n")
    assert len(visible_text("a\x1bb")) == 3  # columns are kept for C0 controls
    assert visible_name("two\nlines\t.txt") == "two␤lines␉.txt"
    assert visible_text("surrogate-\udce9") == "surrogate-\ufffd"


def test_walk_outside_git_stops_at_the_cap(tmp_path: Path) -> None:
    from workbench.core.repo.listing import _walk

    make_tree(tmp_path, {f"d{i}/f{j}.txt": "" for i in range(5) for j in range(10)})
    listing = _walk(tmp_path, include_ignored=False, cap=20)
    assert listing.truncated and 20 <= len(listing.files) < 50
    assert not list_files(tmp_path).truncated
