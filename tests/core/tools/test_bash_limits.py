"""Attack group: commands that flood output, wait on stdin, never end, or leave children behind.

Every test runs without a sandbox and in each sandbox this machine offers (a kind it lacks is skipped).
Grandchildren run `sleep` with a unique duration and are looked for in the host's /proc after the call
(inside bubblewrap's pid namespace the pids they could write down are not the host's)."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.core.sandbox import SandboxSettings
from workbench.core.tools.base import ToolError
from workbench.core.tools.context import ToolContext, ToolSettings
from workbench.core.tools.registry import ToolRegistry

from .conftest import Caller

_tokens = itertools.count(1)


@pytest.fixture(params=["off", "bwrap", "landlock"])
def ctx(request: pytest.FixtureRequest, proj: Path) -> ToolContext:
    context = ToolContext(proj, settings=ToolSettings(sandbox=SandboxSettings(mode=request.param)))
    if context.sandbox.choice.refused:
        pytest.skip(f"no {request.param} sandbox here: {context.sandbox.choice.why}")
    return context


def sleeper() -> str:
    """`sleep` with a duration no other process has, to find it in /proc."""
    return f"sleep 300.{os.getpid()}{next(_tokens):04d}"


def running(command: str) -> list[int]:
    """Host pids of live (not zombie) processes whose command line is `command`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                line = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(f"/proc/{entry}/stat") as fh:
                state = fh.read().split(")")[-1].split()[0]
        except OSError:
            continue
        if line == command and state != "Z":
            found.append(int(entry))
    return found


def wait_gone(command: str, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not running(command):
            return True
        time.sleep(0.05)
    return False


def pids_in(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()]


async def test_output_flood_is_capped_with_a_marker(call: Caller, unchanged: Callable[[], None]) -> None:
    started = time.monotonic()
    result = await call("Bash", {"command": "yes | head -c 50000000"})
    assert time.monotonic() - started < 20
    assert result.exit_code == 0
    assert result.output_bytes == 50_000_000
    assert len(result.content) < 32_000
    assert "output cut" in result.content and "bytes in the middle" in result.content
    unchanged()


async def test_flood_on_stderr_is_captured_too(call: Caller) -> None:
    result = await call("Bash", {"command": "head -c 3000000 /dev/zero | tr '\\0' x >&2; echo done"})
    assert result.output_bytes > 3_000_000
    assert result.content.rstrip().endswith("done")  # the tail is kept


async def test_stdin_is_closed(call: Caller) -> None:
    started = time.monotonic()
    result = await call("Bash", {"command": 'read -r line; echo "got:$line:$?"; cat; echo end', "timeout": 10000})
    assert time.monotonic() - started < 5
    assert "got::1" in result.content and "end" in result.content


async def test_interactive_prompt_does_not_hang(call: Caller) -> None:
    result = await call("Bash", {"command": "python3 -c 'input(\"name? \")'", "timeout": 10000})
    assert result.exit_code != 0 and "EOFError" in result.content


async def test_timeout_kills_the_whole_group_including_grandchildren(call: Caller, proj: Path) -> None:
    sleep = sleeper()
    cmd = f"({sleep} & echo $! >> pids; wait) & echo $! >> pids; {sleep} & echo $! >> pids; wait"
    started = time.monotonic()
    result = await call("Bash", {"command": cmd, "timeout": 700})
    assert time.monotonic() - started < 5
    assert result.is_error and result.exit_code is None
    assert result.meta["timed_out"] and "timed out after 0.7 s" in result.content
    assert len(pids_in(proj / "pids")) == 3
    assert wait_gone(sleep), "a child outlived the timeout"


async def test_bwrap_kills_children_that_left_the_group(call: Caller, ctx: ToolContext) -> None:
    """A child that made itself a new session escapes a process-group kill; bubblewrap's pid namespace still ends
    it (without one it is the documented gap: see docs/sandbox.md)."""
    if ctx.sandbox.kind != "bwrap":
        pytest.skip("only bubblewrap's pid namespace reaches a child that left the process group")
    sleep = sleeper()
    result = await call("Bash", {"command": f"setsid {sleep} & sleep 0.2; echo started", "timeout": 5000})
    assert result.exit_code == 0 and "started" in result.content
    assert wait_gone(sleep)


async def test_background_leftovers_are_killed_when_the_command_ends(call: Caller, proj: Path) -> None:
    sleep = sleeper()
    result = await call("Bash", {"command": f"{sleep} & echo $! > pids; echo started"})
    assert result.exit_code == 0 and "started" in result.content
    assert wait_gone(sleep)


@pytest.mark.parametrize("attempt", range(4))  # a cancel can land while asyncio is still connecting the pipes
async def test_cancellation_kills_the_group_at_once(
    registry: ToolRegistry, ctx: ToolContext, proj: Path, attempt: int
) -> None:
    bash = registry.get("Bash")
    assert bash is not None
    sleep = sleeper()
    task = asyncio.create_task(bash.run({"command": f"{sleep} & echo $! > pids; {sleep}"}, ctx))
    deadline = time.monotonic() + 5
    while not (proj / "pids").exists() or not (proj / "pids").read_text().strip():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 2
    assert wait_gone(sleep, within=2)


async def test_exit_code_and_cwd(call: Caller, proj: Path) -> None:
    result = await call("Bash", {"command": "pwd; exit 7", "cwd": "src"})
    assert result.exit_code == 7 and result.is_error
    assert str(proj / "src") in result.content and "exit code 7" in result.content
    ok = await call("Bash", {"command": "true"})
    assert ok.exit_code == 0 and not ok.is_error and ok.content == "(no output)"


async def test_timeout_is_clamped_and_validated(registry: ToolRegistry, ctx: ToolContext) -> None:
    bash = registry.get("Bash")
    assert bash is not None
    preview = await bash.preview({"command": "true", "timeout": 10_000_000}, ctx)
    assert preview.meta["timeout_s"] == 600
    default = await bash.preview({"command": "true"}, ctx)
    assert default.meta["timeout_s"] == 120
    assert default.command == "true" and default.summary == "Run: true"
    for bad in ("soon", -5, True):
        with pytest.raises(ToolError):
            await bash.preview({"command": "true", "timeout": bad}, ctx)
    with pytest.raises(ToolError):
        await bash.preview({"command": ""}, ctx)


async def test_invalid_utf8_output_is_replaced(call: Caller) -> None:
    result = await call("Bash", {"command": "printf 'ok \\377\\376 end\\n'"})
    assert "ok \ufffd\ufffd end" in result.content


async def test_many_commands_in_parallel_do_not_mix(registry: ToolRegistry, ctx: ToolContext) -> None:
    bash = registry.get("Bash")
    assert bash is not None
    results = await asyncio.gather(*(bash.run({"command": f"echo job{i}"}, ctx) for i in range(8)))
    assert [r.content for r in results] == [f"job{i}" for i in range(8)]


async def test_escape_sequences_and_progress_redraws_are_cleaned(call: Caller) -> None:
    cmd = r"printf '\033[31mred\033[0m\n10%%\r50%%\r100%%\n\033]0;title\007bell\007 done\n'"
    result = await call("Bash", {"command": cmd})
    assert result.content == "red\n100%\nbell done"
    assert "\x1b" not in result.content and "\r" not in result.content


async def test_clean_exit_is_never_reported_as_killed(call: Caller) -> None:
    # The pipe reaches EOF before the process has finished exiting; the group must not be killed then.
    codes = [(await call("Bash", {"command": "date +first"})).exit_code for _ in range(25)]
    assert codes == [0] * 25


async def test_exit_status_after_closing_stdout_is_kept(call: Caller) -> None:
    result = await call("Bash", {"command": "exec >&- 2>&-; sleep 0.3; exit 3", "timeout": 10000})
    assert result.exit_code == 3 and result.is_error
