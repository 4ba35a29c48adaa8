"""Write, Edit, MultiEdit: atomic writes that keep the mode, refusal when the file changed since it was
read, Edit semantics, and diffs checked by applying them with `git apply`."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.tools.base import ToolError
from workbench.core.tools.context import ToolContext
from workbench.core.tools.edit import unified_diff
from workbench.core.tools.registry import ToolRegistry

from .conftest import Caller


def git_apply_check(tmp: Path, rel: str, old: bytes | None, new: bytes, diff: str) -> None:
    """Apply `diff` to `old` in a fresh folder with git and compare with `new`."""
    repo = tmp / "apply"
    repo.mkdir(exist_ok=True)
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if old is not None:
        target.write_bytes(old)
    elif target.exists():
        target.unlink()
    (repo / "patch.diff").write_text(diff)
    subprocess.run(["git", "apply", "--unsafe-paths", "patch.diff"], cwd=repo, check=True, capture_output=True)
    assert target.read_bytes() == new


async def test_edit_needs_a_read_first_then_works(call: Caller, proj: Path) -> None:
    args = {"file_path": "src/app.py", "old_string": "return 1", "new_string": "return 2"}
    assert "Read it first" in await call.refused("Edit", args)
    await call("Read", {"file_path": "src/app.py"})
    result = await call("Edit", args)
    assert (proj / "src" / "app.py").read_text() == "def main():\n    return 2\n"
    assert result.files_changed == ("src/app.py",)
    assert result.diff and "-    return 1\n+    return 2\n" in result.diff
    # The model sees the hunk (not the file headers) so it can check the change without a Read.
    assert result.content.splitlines()[1:] == ["@@ -1,2 +1,2 @@", " def main():", "-    return 1", "+    return 2"]
    # Our own write counts as the latest read: a second edit needs no new Read.
    await call("Edit", {"file_path": "src/app.py", "old_string": "return 2", "new_string": "return 3"})


async def test_edit_refused_when_file_changed_on_disk_since_read(
    call: Caller, proj: Path, unchanged: Callable[[], None]
) -> None:
    await call("Read", {"file_path": "src/app.py"})
    (proj / "src" / "app.py").write_text("def main():\n    return 1  # changed by the user\n")
    args = {"file_path": "src/app.py", "old_string": "def main", "new_string": "def start"}
    assert "changed on disk since it was last read" in await call.refused("Edit", args)
    assert "changed on disk" in await call.refused("Write", {"file_path": "src/app.py", "content": "x"})
    assert "changed by the user" in (proj / "src" / "app.py").read_text()
    await call("Read", {"file_path": "src/app.py"})
    await call("Edit", args)
    unchanged()


async def test_touch_without_content_change_does_not_block(call: Caller, proj: Path) -> None:
    await call("Read", {"file_path": "src/app.py"})
    os.utime(proj / "src" / "app.py", (1, 1))
    await call("Edit", {"file_path": "src/app.py", "old_string": "return 1", "new_string": "return 5"})


async def test_change_between_preview_and_run_is_refused(registry: ToolRegistry, ctx: ToolContext, proj: Path) -> None:
    read, edit = registry.get("Read"), registry.get("Edit")
    assert read is not None and edit is not None
    await read.run({"file_path": "src/app.py"}, ctx)
    args = {"file_path": "src/app.py", "old_string": "return 1", "new_string": "return 9"}
    await edit.preview(args, ctx)
    (proj / "src" / "app.py").write_text("def main():\n    return 1\n# appended meanwhile\n")
    with pytest.raises(ToolError, match="changed on disk"):
        await edit.run(args, ctx)


async def test_atomic_write_keeps_mode_and_leaves_no_temp_files(call: Caller, proj: Path) -> None:
    script = proj / "run.sh"
    script.write_text("#!/bin/sh\necho one\n")
    script.chmod(0o751)
    inode = script.stat().st_ino
    await call("Read", {"file_path": "run.sh"})
    await call("Write", {"file_path": "run.sh", "content": "#!/bin/sh\necho two\n"})
    assert stat.S_IMODE(script.stat().st_mode) == 0o751
    assert script.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert script.read_text() == "#!/bin/sh\necho two\n"
    assert sorted(p.name for p in proj.iterdir()) == [".git", "README.md", "run.sh", "src"]


async def test_write_through_internal_link_keeps_the_link(call: Caller, proj: Path) -> None:
    (proj / "alias.py").symlink_to("src/app.py")
    await call("Read", {"file_path": "alias.py"})
    result = await call("Write", {"file_path": "alias.py", "content": "x = 1\n"})
    assert (proj / "alias.py").is_symlink() and (proj / "src" / "app.py").read_text() == "x = 1\n"
    assert result.files_changed == ("src/app.py",)


async def test_write_creates_new_files_and_folders(call: Caller, proj: Path) -> None:
    result = await call("Write", {"file_path": "pkg/sub/mod.py", "content": "VALUE = 1\n"})
    assert (proj / "pkg" / "sub" / "mod.py").read_text() == "VALUE = 1\n"
    assert result.diff and result.diff.startswith("--- /dev/null\n+++ b/pkg/sub/mod.py\n")
    assert "Created" in result.content
    assert stat.S_IMODE((proj / "pkg" / "sub" / "mod.py").stat().st_mode) & 0o600 == 0o600


async def test_edit_semantics(call: Caller, proj: Path) -> None:
    (proj / "dup.txt").write_text("a = 1\nb = 1\na = 1\n")
    await call("Read", {"file_path": "dup.txt"})
    assert "occurs 2 times" in await call.refused(
        "Edit", {"file_path": "dup.txt", "old_string": "a = 1", "new_string": "a = 2"}
    )
    assert "not found" in await call.refused("Edit", {"file_path": "dup.txt", "old_string": "zzz", "new_string": "y"})
    assert "identical" in await call.refused("Edit", {"file_path": "dup.txt", "old_string": "b", "new_string": "b"})
    await call("Edit", {"file_path": "dup.txt", "old_string": "a = 1", "new_string": "a = 2", "replace_all": True})
    assert (proj / "dup.txt").read_text() == "a = 2\nb = 1\na = 2\n"
    assert "expected 3" in await call.refused(
        "Edit", {"file_path": "dup.txt", "old_string": "a = 2", "new_string": "a", "expected_replacements": 3}
    )


async def test_empty_old_string_creates_only_new_files(call: Caller, proj: Path) -> None:
    await call("Edit", {"file_path": "fresh.md", "old_string": "", "new_string": "# Fresh\n"})
    assert (proj / "fresh.md").read_text() == "# Fresh\n"
    await call("Read", {"file_path": "README.md"})
    assert "already exists" in await call.refused(
        "Edit", {"file_path": "README.md", "old_string": "", "new_string": "x"}
    )
    assert "no such file" in await call.refused("Edit", {"file_path": "gone.py", "old_string": "a", "new_string": "b"})


async def test_crlf_files_match_lf_old_strings(call: Caller, proj: Path) -> None:
    (proj / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    await call("Read", {"file_path": "win.txt"})
    await call("Edit", {"file_path": "win.txt", "old_string": "one\ntwo", "new_string": "uno\ndos"})
    assert (proj / "win.txt").read_bytes() == b"uno\r\ndos\r\nthree\r\n"


async def test_invalid_utf8_elsewhere_survives_an_edit(call: Caller, proj: Path, tmp_path: Path) -> None:
    old = b"caf\xe9\nkeep = 1\n\xff\xfe end\n"
    (proj / "mixed.txt").write_bytes(old)
    await call("Read", {"file_path": "mixed.txt"})
    result = await call("Edit", {"file_path": "mixed.txt", "old_string": "keep = 1", "new_string": "keep = 2"})
    new = (proj / "mixed.txt").read_bytes()
    assert new == b"caf\xe9\nkeep = 2\n\xff\xfe end\n"
    assert result.diff and result.diff.splitlines()[3] == " caf\ufffd"
    result.diff.encode("utf-8")  # no lone surrogates reach the evidence


async def test_multiedit_is_all_or_nothing(call: Caller, proj: Path) -> None:
    await call("Read", {"file_path": "src/app.py"})
    before = (proj / "src" / "app.py").read_text()
    reason = await call.refused(
        "MultiEdit",
        {
            "file_path": "src/app.py",
            "edits": [{"old_string": "main", "new_string": "start"}, {"old_string": "missing", "new_string": "x"}],
        },
    )
    assert "edit #2 failed" in reason and "no edit was applied" in reason
    assert (proj / "src" / "app.py").read_text() == before
    result = await call(
        "MultiEdit",
        {
            "file_path": "src/app.py",
            "edits": [
                {"old_string": "main", "new_string": "start"},
                {"old_string": "start()", "new_string": "start(arg)"},  # sees the first edit's result
                {"old_string": "1", "new_string": "arg", "replace_all": True},
            ],
        },
    )
    assert (proj / "src" / "app.py").read_text() == "def start(arg):\n    return arg\n"
    assert result.files_changed == ("src/app.py",)
    assert "non-empty" in await call.refused("MultiEdit", {"file_path": "src/app.py", "edits": []})


async def test_preview_has_the_diff_and_changes_nothing(registry: ToolRegistry, ctx: ToolContext, proj: Path) -> None:
    edit = registry.get("Edit")
    read = registry.get("Read")
    assert edit is not None and read is not None
    await read.run({"file_path": "src/app.py"}, ctx)
    preview = await edit.preview({"file_path": "src/app.py", "old_string": "1", "new_string": "2"}, ctx)
    assert preview.paths == ("src/app.py",)
    assert preview.diff and preview.diff.startswith("--- a/src/app.py\n+++ b/src/app.py\n@@")
    assert preview.summary == "Edit src/app.py (+1 -1)"
    assert (proj / "src" / "app.py").read_text() == "def main():\n    return 1\n"


@pytest.mark.parametrize(
    "old,new",
    [
        (b"a\nb\nc\n", b"a\nB\nc\n"),
        (b"a\nb\nc", b"a\nb\nc\n"),  # newline added at the end
        (b"a\nb\nc\n", b"a\nb\nc"),  # newline removed at the end
        (b"", b"first line\n"),
        (b"x\n" * 50, b"x\n" * 20 + b"y\n" + b"x\n" * 29),
        (b"one\r\ntwo\r\n", b"one\r\n2\r\n"),
        (None, b"new file\nno newline"),
        (b"caf\xc3\xa9\n", b"caf\xc3\xa9!\n"),
    ],
)
def test_diff_applies_with_git(tmp_path: Path, old: bytes | None, new: bytes) -> None:
    diff = unified_diff(
        "dir/file.txt",
        None if old is None else old.decode("utf-8", "surrogateescape"),
        new.decode("utf-8", "surrogateescape"),
    )
    git_apply_check(tmp_path, "dir/file.txt", old, new, diff)


async def test_write_of_protected_or_folder_paths(call: Caller, proj: Path, unchanged: Callable[[], None]) -> None:
    assert "folder" in await call.refused("Write", {"file_path": "src", "content": "x"})
    assert "may not write" in await call.refused("Write", {"file_path": ".claude/settings.json", "content": "{}"})
    unchanged()


async def test_same_size_change_with_the_same_mtime_is_still_caught(call: Caller, proj: Path) -> None:
    path = proj / "src" / "app.py"
    await call("Read", {"file_path": "src/app.py"})
    before = path.stat()
    path.write_text("def main():\n    return 7\n")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "changed on disk" in await call.refused(
        "Edit", {"file_path": "src/app.py", "old_string": "return 7", "new_string": "return 8"}
    )


async def test_trailing_whitespace_and_quote_style_are_forgiven_with_a_note(call: Caller, proj: Path) -> None:
    (proj / "t.py").write_text("def f():   \n    return \u201chello\u201d\n\nx = 'a'\n")
    await call("Read", {"file_path": "t.py"})
    result = await call(
        "Edit",
        {"file_path": "t.py", "old_string": 'def f():\n    return "hello"', "new_string": "def f():\n    return 1"},
    )
    assert (proj / "t.py").read_text() == "def f():\n    return 1\n\nx = 'a'\n"
    assert "trailing whitespace and quote style were ignored" in result.content
    exact = await call("Edit", {"file_path": "t.py", "old_string": "x = 'a'", "new_string": "x = 'b'"})
    assert "ignored" not in exact.content


async def test_loose_matching_keeps_indentation_exact_and_uniqueness(call: Caller, proj: Path) -> None:
    (proj / "i.py").write_text("if a:\n    go()  \nif b:\n    go()\t\n")
    await call("Read", {"file_path": "i.py"})
    assert "not found" in await call.refused(
        "Edit", {"file_path": "i.py", "old_string": "if a:\n  go() ", "new_string": "x"}
    )
    reason = await call.refused("Edit", {"file_path": "i.py", "old_string": "go() \n", "new_string": "stop()\n"})
    assert "occurs 2 times" in reason and "ignoring trailing whitespace" in reason
    await call("Edit", {"file_path": "i.py", "old_string": "go() \n", "new_string": "stop()\n", "replace_all": True})
    assert (proj / "i.py").read_text() == "if a:\n    stop()\nif b:\n    stop()\n"
