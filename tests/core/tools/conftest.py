"""Fixtures for the tool tests: a workspace beside an `outside` folder and a `proj_evil` sibling, and a
fingerprint of everything outside the workspace so each attack test can assert nothing there changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.core.tools.base import ToolError, ToolResult
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.registry import ToolRegistry, build_registry

Fingerprint = dict[str, tuple[int, int, str]]


def fingerprint(root: Path, skip: Path) -> Fingerprint:
    """path -> (mode, size, sha256) for every entry under `root` except the workspace `skip`."""
    out: Fingerprint = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == skip:
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if here / d != skip]
        for name in [*dirs, *files]:
            p = here / name
            st = p.lstat()
            digest = ""
            if p.is_file() and not p.is_symlink():
                digest = hashlib.sha256(p.read_bytes()).hexdigest()
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, digest)
    return out


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp/proj (the workspace, a git repo), tmp/outside (a secret), tmp/proj_evil (a sibling)."""
    proj = tmp_path / "proj"
    proj.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("TOP SECRET outside\n")
    (tmp_path / "proj_evil").mkdir()
    (tmp_path / "proj_evil" / "loot.txt").write_text("evil sibling\n")
    (proj / "src").mkdir()
    (proj / "src" / "app.py").write_text("def main():\n    return 1\n")
    (proj / "README.md").write_text("# proj\n")
    git(proj, "init", "-q")
    return tmp_path


@pytest.fixture
def proj(world: Path) -> Path:
    return world / "proj"


@pytest.fixture
def ctx(proj: Path) -> ToolContext:
    return ToolContext(proj, settings=ToolSettings())


@pytest.fixture
def registry() -> ToolRegistry:
    return build_registry(network=False)


@pytest.fixture
def unchanged(world: Path, proj: Path) -> Callable[[], None]:
    """Call the returned function at the end of a test: it asserts nothing outside the workspace changed."""
    before = fingerprint(world, proj)

    def check() -> None:
        assert fingerprint(world, proj) == before, "something outside the workspace changed"

    return check


class Caller:
    """preview + run of a registry tool, as the agent loop does; ToolError becomes (None, message)."""

    def __init__(self, registry: ToolRegistry, ctx: ToolContext) -> None:
        self.registry = registry
        self.ctx = ctx

    async def __call__(self, name: str, args: dict[str, Any]) -> ToolResult:
        tool = self.registry.get(name)
        assert tool is not None, name
        await tool.preview(args, self.ctx)
        return await tool.run(args, self.ctx)

    async def refused(self, name: str, args: dict[str, Any]) -> str:
        """Assert the call is refused (in preview or in run) and return the reason."""
        tool = self.registry.get(name)
        assert tool is not None, name
        with pytest.raises(ToolError) as info:
            await tool.preview(args, self.ctx)
            await tool.run(args, self.ctx)
        return str(info.value)


@pytest.fixture
def call(registry: ToolRegistry, ctx: ToolContext) -> Caller:
    return Caller(registry, ctx)
