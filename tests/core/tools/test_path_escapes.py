"""Attack group: path escapes, through every tool that takes a path. Each test asserts the refusal and
that nothing outside the workspace changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.tools.base import ToolError
from workbench.core.tools.context import ToolContext
from workbench.core.tools.fence import Fence, protected_reason
from workbench.core.tools.registry import ToolRegistry

from .conftest import Caller

ESCAPES = [
    "../outside/secret.txt",
    "src/../../outside/secret.txt",
    "~/secret.txt",
    "~root/.bashrc",
    "/etc/passwd",
    "../proj_evil/loot.txt",
    "./../proj/../outside/secret.txt",
]


def absolute(world: Path, raw: str) -> str:
    return raw.replace("{world}", str(world))


@pytest.mark.parametrize("raw", [*ESCAPES, "{world}/outside/secret.txt", "{world}/proj_evil/loot.txt"])
async def test_read_refuses_every_escape(call: Caller, world: Path, raw: str, unchanged: Callable[[], None]) -> None:
    reason = await call.refused("Read", {"file_path": absolute(world, raw)})
    assert "refused" in reason
    unchanged()


@pytest.mark.parametrize("raw", [*ESCAPES, "{world}/outside/new.txt", "{world}/proj_evil/new.txt"])
async def test_write_refuses_every_escape(call: Caller, world: Path, raw: str, unchanged: Callable[[], None]) -> None:
    reason = await call.refused("Write", {"file_path": absolute(world, raw), "content": "pwned\n"})
    assert "refused" in reason
    unchanged()


@pytest.mark.parametrize("raw", ESCAPES)
async def test_edit_and_multiedit_refuse_escapes(call: Caller, raw: str, unchanged: Callable[[], None]) -> None:
    await call.refused("Edit", {"file_path": raw, "old_string": "TOP", "new_string": "x"})
    await call.refused("MultiEdit", {"file_path": raw, "edits": [{"old_string": "TOP", "new_string": "x"}]})
    unchanged()


@pytest.mark.parametrize("tool,key", [("LS", "path"), ("Glob", "path"), ("Grep", "path"), ("Bash", "cwd")])
async def test_folder_arguments_are_fenced(
    call: Caller, world: Path, tool: str, key: str, unchanged: Callable[[], None]
) -> None:
    base = {"Glob": {"pattern": "*"}, "Grep": {"pattern": "SECRET"}, "Bash": {"command": "touch pwned"}}.get(tool, {})
    for raw in ("../outside", str(world / "outside"), "~", "../proj_evil"):
        reason = await call.refused(tool, {**base, key: raw})
        assert "refused" in reason
    unchanged()
    assert not (world / "outside" / "pwned").exists()


async def test_glob_and_readmany_patterns_cannot_climb(call: Caller, unchanged: Callable[[], None]) -> None:
    assert "refused" in await call.refused("Glob", {"pattern": "../outside/*"})
    assert "refused" in await call.refused("ReadManyFiles", {"paths": ["../outside/*.txt"]})
    assert "refused" in await call.refused("ReadManyFiles", {"paths": ["../outside/secret.txt"]})
    unchanged()


async def test_sibling_with_same_prefix_is_outside(world: Path) -> None:
    fence = Fence(world / "proj")
    with pytest.raises(ToolError, match="outside the workspace"):
        fence.resolve(str(world / "proj_evil" / "loot.txt"))
    assert fence.resolve(str(world / "proj" / "src" / "app.py")).rel == "src/app.py"
    assert fence.resolve("src/../README.md").rel == "README.md"


async def test_symlinked_file_pointing_out_is_refused(
    call: Caller, proj: Path, world: Path, unchanged: Callable[[], None]
) -> None:
    (proj / "innocent.txt").symlink_to(world / "outside" / "secret.txt")
    reason = await call.refused("Read", {"file_path": "innocent.txt"})
    assert "symlink" in reason
    assert "symlink" in await call.refused("Write", {"file_path": "innocent.txt", "content": "x"})
    unchanged()


async def test_symlinked_parent_folder_pointing_out_is_refused(
    call: Caller, proj: Path, world: Path, unchanged: Callable[[], None]
) -> None:
    (proj / "docs").symlink_to(world / "outside", target_is_directory=True)
    assert "symlink" in await call.refused("Read", {"file_path": "docs/secret.txt"})
    assert "symlink" in await call.refused("Write", {"file_path": "docs/new.txt", "content": "x"})
    assert "symlink" in await call.refused("LS", {"path": "docs"})
    assert "symlink" in await call.refused("Bash", {"command": "touch pwned", "cwd": "docs"})
    unchanged()


async def test_symlink_inside_the_workspace_is_followed(call: Caller, proj: Path) -> None:
    (proj / "alias.py").symlink_to(proj / "src" / "app.py")
    result = await call("Read", {"file_path": "alias.py"})
    assert "def main" in result.content
    assert result.files_read == ("src/app.py",)


async def test_searches_do_not_follow_links_out(
    call: Caller, proj: Path, world: Path, unchanged: Callable[[], None]
) -> None:
    (proj / "docs").symlink_to(world / "outside", target_is_directory=True)
    (proj / "leak.txt").symlink_to(world / "outside" / "secret.txt")
    grep = await call("Grep", {"pattern": "TOP SECRET", "output_mode": "content"})
    assert "TOP SECRET" not in grep.content
    glob = await call("Glob", {"pattern": "**/*.txt"})
    assert "secret.txt" not in glob.content
    many = await call("ReadManyFiles", {"paths": ["."]})
    assert "TOP SECRET" not in many.content
    unchanged()


async def test_file_swapped_for_symlink_after_preview_is_refused_at_run(
    registry: ToolRegistry, ctx: ToolContext, proj: Path, world: Path, unchanged: Callable[[], None]
) -> None:
    target = proj / "notes.txt"
    target.write_text("hello\n")
    read, write = registry.get("Read"), registry.get("Write")
    assert read is not None and write is not None
    await read.run({"file_path": "notes.txt"}, ctx)
    preview = await write.preview({"file_path": "notes.txt", "content": "approved\n"}, ctx)
    assert preview.paths == ("notes.txt",) and preview.diff and "+approved" in preview.diff
    # While the user looks at the approval card, the file becomes a link to a file outside.
    target.unlink()
    target.symlink_to(world / "outside" / "secret.txt")
    with pytest.raises(ToolError, match="symlink"):
        await write.run({"file_path": "notes.txt", "content": "approved\n"}, ctx)
    with pytest.raises(ToolError, match="symlink"):
        await read.run({"file_path": "notes.txt"}, ctx)
    assert (world / "outside" / "secret.txt").read_text() == "TOP SECRET outside\n"
    unchanged()


async def test_parent_swapped_for_symlink_after_preview_is_refused(
    registry: ToolRegistry, ctx: ToolContext, proj: Path, world: Path, unchanged: Callable[[], None]
) -> None:
    edit = registry.get("Edit")
    assert edit is not None
    await edit.preview({"file_path": "src/new.py", "old_string": "", "new_string": "x = 1\n"}, ctx)
    os.rename(proj / "src", proj / "src_old")
    (proj / "src").symlink_to(world / "outside", target_is_directory=True)
    with pytest.raises(ToolError, match="symlink"):
        await edit.run({"file_path": "src/new.py", "old_string": "", "new_string": "x = 1\n"}, ctx)
    assert not (world / "outside" / "new.py").exists()
    unchanged()


@pytest.mark.parametrize(
    "rel",
    [
        ".git/config",
        ".git/hooks/pre-commit",
        "sub/.git/HEAD",
        ".GIT/config",
        ".claude/settings.json",
        ".claude/settings.local.json",
        ".claude/agents/reviewer.md",
        ".claude/agents/nested/x.md",
        ".workbench/policy.toml",
    ],
)
async def test_protected_files_are_not_writable(call: Caller, proj: Path, rel: str) -> None:
    assert protected_reason(rel) is not None
    before = (proj / ".git" / "config").read_bytes()
    reason = await call.refused("Write", {"file_path": rel, "content": "x"})
    assert "may not write" in reason
    assert (proj / ".git" / "config").read_bytes() == before


@pytest.mark.parametrize("rel", [".claude/commands/x.md", ".github/workflows/ci.yml", "src/git/x.py", ".gitignore"])
def test_ordinary_dotfiles_are_writable(rel: str) -> None:
    assert protected_reason(rel) is None


async def test_protected_folder_reached_through_a_link_is_refused(call: Caller, proj: Path) -> None:
    (proj / "gitdir").symlink_to(proj / ".git", target_is_directory=True)
    assert "git's internals" in await call.refused("Write", {"file_path": "gitdir/config", "content": "x"})


@pytest.mark.parametrize("bad", ["", "   ", "a\x00b", 5, None])
async def test_malformed_paths_are_refused_with_a_reason(call: Caller, bad: object) -> None:
    reason = await call.refused("Read", {"file_path": bad})
    assert reason and "Traceback" not in reason


def test_workspace_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Fence(tmp_path / "missing")


def test_atomic_write_refuses_a_folder_swapped_during_the_write(proj: Path, world: Path) -> None:
    from workbench.core.tools.edit import atomic_write

    (proj / "a" / "b").mkdir(parents=True)
    target = Fence(proj).resolve("a/b/new.py", write=True).real
    os.rename(proj / "a", proj / "a_old")
    (proj / "a").symlink_to(world / "outside", target_is_directory=True)
    (world / "outside" / "b").mkdir()
    with pytest.raises(ToolError, match="moved while the call waited"):
        atomic_write(target, "x = 1\n")
    assert list((world / "outside" / "b").iterdir()) == []
    direct = Fence(proj).resolve("a_old/b/new.py", write=True).real
    os.rename(proj / "a_old" / "b", proj / "a_old" / "b_old")
    (proj / "a_old" / "b").symlink_to(world / "outside" / "b", target_is_directory=True)
    with pytest.raises(OSError):
        atomic_write(direct, "x = 1\n")  # O_NOFOLLOW on the folder itself
    assert list((world / "outside" / "b").iterdir()) == []


async def test_symlink_loops_and_impossible_paths_are_clear_errors(
    call: Caller, proj: Path, unchanged: Callable[[], None]
) -> None:
    (proj / "loop_a").symlink_to(proj / "loop_b")
    (proj / "loop_b").symlink_to(proj / "loop_a")
    for tool, args in [
        ("Read", {"file_path": "loop_a"}),
        ("Write", {"file_path": "loop_a", "content": "x"}),
        ("LS", {"path": "loop_a"}),
        ("Write", {"file_path": "README.md/inside.txt", "content": "x"}),
        ("Read", {"file_path": "x" * 5000}),
    ]:
        reason = await call.refused(tool, args)
        assert reason and "Traceback" not in reason
    unchanged()
