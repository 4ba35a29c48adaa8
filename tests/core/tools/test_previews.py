"""The preview contract the policy relies on: workspace-relative `paths` for path rules (Edit(src/**)),
`diff` for writes, `command` for Bash, `url` for WebFetch; computing a preview changes nothing."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from workbench.core.tools.base import CallPreview, ToolKind
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.grep import run_rg
from workbench.core.tools.registry import build_registry

from .conftest import fingerprint


async def preview(proj: Path, name: str, args: dict[str, Any]) -> CallPreview:
    ctx = ToolContext(proj, settings=ToolSettings(network=True))
    reg = build_registry(network=True)
    read = reg.get("Read")
    tool = reg.get(name)
    assert read is not None and tool is not None
    await read.run({"file_path": "src/app.py"}, ctx)
    return await tool.preview(args, ctx)


@pytest.mark.parametrize(
    "name,args,paths",
    [
        ("Read", {"file_path": "src/app.py"}, ("src/app.py",)),
        ("LS", {"path": "src"}, ("src",)),
        ("Glob", {"pattern": "*.py", "path": "src"}, ("src",)),
        ("Grep", {"pattern": "x", "path": "src"}, ("src",)),
        ("Grep", {"pattern": "x"}, (".",)),
        ("ReadManyFiles", {"paths": ["src"]}, ("src/app.py",)),
        ("Write", {"file_path": "docs/new.md", "content": "x\n"}, ("docs/new.md",)),
        ("Edit", {"file_path": "src/app.py", "old_string": "1", "new_string": "2"}, ("src/app.py",)),
        ("MultiEdit", {"file_path": "src/app.py", "edits": [{"old_string": "1", "new_string": "2"}]}, ("src/app.py",)),
        ("Bash", {"command": "ls"}, ()),
        ("TodoWrite", {"todos": []}, ()),
        ("WebFetch", {"url": "https://example.com/x"}, ()),
        ("SaveMemory", {"fact": "x"}, ()),
    ],
)
async def test_preview_paths_are_workspace_relative(
    proj: Path, world: Path, name: str, args: dict[str, Any], paths: tuple[str, ...]
) -> None:
    before = fingerprint(world, world / "nothing")
    absolute = {k: str(proj / v) if k in ("file_path", "path") else v for k, v in args.items()}
    for variant in (args, absolute):
        result = await preview(proj, name, variant)
        assert result.paths == paths
        assert result.summary and "\n" not in result.summary
    assert fingerprint(world, world / "nothing") == before  # a preview has no side effects


async def test_preview_fields_by_kind(proj: Path) -> None:
    edit = await preview(proj, "Edit", {"file_path": "src/app.py", "old_string": "1", "new_string": "2"})
    assert edit.diff and edit.diff.startswith("--- a/src/app.py") and edit.command is None
    bash = await preview(proj, "Bash", {"command": "pytest -q\necho done", "cwd": "src"})
    assert bash.command == "pytest -q\necho done" and bash.summary == "Run: pytest -q … (in src)"
    assert bash.meta["cwd"] == "src"
    web = await preview(proj, "WebFetch", {"url": "https://docs.example.com/a?b=1"})
    assert web.url == "https://docs.example.com/a?b=1" and web.meta["domain"] == "docs.example.com"


def test_every_tool_declares_its_kind() -> None:
    reg = build_registry(network=True)
    kinds = {name: reg.get(name).kind for name in reg.names()}  # type: ignore[union-attr]
    assert set(kinds.values()) == {
        ToolKind.READ,
        ToolKind.WRITE,
        ToolKind.EXEC,
        ToolKind.STATE,
        ToolKind.NETWORK,
        ToolKind.MEMORY,
    }


async def test_cancelling_a_search_kills_ripgrep(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    task = asyncio.create_task(run_rg(["bash", "-c", f"echo $$ > {pid_file}; exec sleep 300"], tmp_path))
    deadline = time.monotonic() + 5
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    pid = int(pid_file.read_text())
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 2
    deadline = time.monotonic() + 3
    while True:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split(")")[-1].split()[0] == "Z":
                    break
        except (ProcessLookupError, FileNotFoundError):
            break
        assert time.monotonic() < deadline, "the search process outlived the cancellation"
        await asyncio.sleep(0.05)
