"""Bash: `bash -c COMMAND` in the workspace, in its own process group, stdin closed, with a timeout.

Every command runs inside the session's OS sandbox (`workbench.core.sandbox`: bubblewrap, Landlock or
Seatbelt, whichever the machine offers) under resource limits; the network is reachable only when the
call's approval (or a `Network(...)` rule) granted it, which the gate passes to `run` as `network=True`.

The timeout (default 120 s, max 600 s) and cancellation both kill the whole process group, grandchildren
included; when the command itself exits, whatever it left running in its group is killed too (nothing
outlives the call). Output (stdout and stderr interleaved) is read as it comes and kept within a budget:
the head and the tail are kept, the middle is counted and cut. The environment is scrubbed of the API
key and other credentials (core.hardened), and carries `GIT_CONFIG_COUNT` settings that keep every git the
command starts from running the repository's fsmonitor, hooks, textconv or filter drivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from workbench.core import hardened
from workbench.core.sandbox import Launch, SandboxError
from workbench.core.sandbox.rlimits import stopped_by_limit
from workbench.core.secrets import redact
from workbench.core.tools.base import CallPreview, Tool, ToolError, ToolKind, ToolResult
from workbench.core.tools.common import ctx_of, opt_int, opt_str, req_str
from workbench.core.tools.context import ToolContext
from workbench.core.tools.fence import Resolved
from workbench.core.tools.limits import cap_text, clean_terminal_output, decode

CHUNK = 65536
DRAIN_AFTER_EXIT_S = 0.5  # how long to wait for the pipe to close once the command has exited


# Inherited variables that make bash go or match somewhere the policy cannot see: `cd -` goes to OLDPWD, `cd NAME`
# searches CDPATH first, GLOBIGNORE turns on dotglob (`?env` matches `.env`), SHELLOPTS/BASHOPTS set options.
SHELL_STATE = ("OLDPWD", "CDPATH", "GLOBIGNORE", "SHELLOPTS", "BASHOPTS", "ENV", "IFS")


def scrub_env(base: Mapping[str, str], cwd: Path | None = None) -> dict[str, str]:
    """The environment a command gets: no API keys or credentials; none of the workbench's shell state; no pagers
    or prompts that would block; with `cwd`, hardened git settings for the repository there."""
    env = hardened.scrub_env(base)
    for name in SHELL_STATE:
        env.pop(name, None)
    if cwd is not None:
        env.update(hardened.shell_git_env(cwd, env))
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_PAGER": "cat",
            "PAGER": "cat",
            "GIT_EDITOR": "true",
            "EDITOR": "true",
            "DEBIAN_FRONTEND": "noninteractive",
            "NO_COLOR": "1",
        }
    )
    env.setdefault("TERM", "dumb")
    return env


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _exited(proc: asyncio.subprocess.Process) -> None:
    """Return when the process itself exits. (`proc.wait()` also waits for the pipe to close, which a
    background child can hold open forever.)"""
    delay = 0.002
    while proc.returncode is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.02)


async def _reap(proc: asyncio.subprocess.Process) -> int:
    """The exit status, once the group was killed. The pipe is closed here: a child that left the group
    (setsid) may still hold its write end, and nothing more will be read from it."""
    # Usually the pipe is closed by now and wait() returns as soon as the exit is seen; polling covers
    # a pipe still held open by a child that left the group.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), 0.5)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_exited(proc), 5.0)
    # asyncio offers no public way to close a subprocess's pipes before they reach EOF.
    transport = getattr(proc, "_transport", None)
    if transport is not None:
        transport.close()
    return proc.returncode if proc.returncode is not None else -1


class _Collector:
    """Keeps the head and the tail of a stream within a budget and counts the rest."""

    def __init__(self, budget: int) -> None:
        self.head_cap = budget * 2 // 3
        self.tail_cap = budget - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.tail_cap:
                del self.tail[: len(self.tail) - self.tail_cap]

    def text(self, hint: str) -> str:
        cut = self.total - len(self.head) - len(self.tail)
        if cut <= 0:
            return decode(bytes(self.head + self.tail))
        marker = f"\n[… output cut: {cut:,} bytes in the middle not shown; {hint}]\n"
        return decode(bytes(self.head)) + marker + decode(bytes(self.tail))


class Bash(Tool):
    name: ClassVar[str] = "Bash"
    kind: ClassVar[ToolKind] = ToolKind.EXEC
    description: ClassVar[str] = (
        "Run a shell command with bash in the workspace (or `cwd`, a folder inside it). stdin is closed, so "
        "interactive commands fail instead of waiting. `timeout` is in milliseconds (default 120000, max "
        "600000). Output (stdout and stderr together) is capped; the exit code is reported. Commands run in a "
        "sandbox without network access: set `network` to true for one that needs it (installing packages, "
        "git fetch/push, downloads), and the user is asked."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command to run"},
            "timeout": {"type": "integer", "description": "Timeout in milliseconds (max 600000)"},
            "description": {"type": "string", "description": "What the command does, in 5-10 words"},
            "cwd": {"type": "string", "description": "Folder to run in (default: workspace root)"},
            "network": {"type": "boolean", "description": "Ask for network access for this command"},
        },
        "required": ["command"],
        "additionalProperties": False,
    }

    def _check(self, args: dict[str, Any], ctx: ToolContext) -> tuple[str, Resolved, float, list[str]]:
        command = req_str(args, "command")
        if "\x00" in command:
            raise ToolError("command contains a NUL byte")
        notes: list[str] = []
        cwd = ctx.fence.resolve(opt_str(args, "cwd") or ".", what="cwd")
        if not cwd.real.is_dir():
            raise ToolError(f"cwd {cwd.rel} is not a folder")
        limits = ctx.limits
        timeout_ms = opt_int(args, "timeout", minimum=1) or limits.bash_default_timeout_ms
        if timeout_ms > limits.bash_max_timeout_ms:
            notes.append(f"timeout {timeout_ms} ms lowered to the maximum, {limits.bash_max_timeout_ms} ms")
            timeout_ms = limits.bash_max_timeout_ms
        if args.get("run_in_background"):
            notes.append("run_in_background is not supported; the command ran in the foreground")
        return command, cwd, timeout_ms / 1000, notes

    async def preview(self, args: dict[str, Any], ctx: Any) -> CallPreview:
        command, cwd, timeout_s, _ = self._check(args, ctx_of(ctx))
        first = command.strip().splitlines()[0] if command.strip() else command
        more = " …" if "\n" in command.strip() else ""
        where = "" if cwd.rel == "." else f" (in {cwd.rel})"
        return CallPreview(
            summary=f"Run: {first}{more}{where}",
            command=command,
            meta={
                "cwd": cwd.rel,
                "timeout_s": timeout_s,
                "description": opt_str(args, "description") or "",
                "network": args.get("network") is True,
            },
        )

    async def run(self, args: dict[str, Any], ctx: Any, *, network: bool = False) -> ToolResult:
        """`network` is what the call's approval granted, never the model's own `network` argument."""
        c = ctx_of(ctx)
        command, cwd, timeout_s, notes = self._check(args, c)
        base = c.settings.env if c.settings.env is not None else os.environ
        env = await asyncio.to_thread(scrub_env, base, cwd.real)
        try:
            launch = c.sandbox.launch(command, cwd=str(cwd.real), env=env, network=network)
        except SandboxError as exc:
            raise ToolError(f"not run: {exc}") from None
        try:
            return await self._launched(launch, cwd, timeout_s, notes, c)
        finally:
            launch.close()

    async def _launched(
        self, launch: Launch, cwd: Resolved, timeout_s: float, notes: list[str], c: ToolContext
    ) -> ToolResult:
        started = time.monotonic()
        spawn = asyncio.ensure_future(
            asyncio.create_subprocess_exec(
                *launch.argv,
                cwd=cwd.real,
                env=launch.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches grandchildren
                preexec_fn=launch.preexec,
            )
        )
        try:
            proc = await asyncio.shield(spawn)
        except asyncio.CancelledError:
            # The command may already be running (its pipes not yet connected): asyncio would kill only bash.
            with contextlib.suppress(Exception):
                started_proc = await spawn
                kill_group(started_proc.pid)
                await _reap(started_proc)
            raise
        except (OSError, subprocess.SubprocessError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ToolError(f"could not start the command ({launch.kind} sandbox): {why}") from None
        out = _Collector(c.limits.max_output_chars)
        timed_out = False
        try:
            try:
                await asyncio.wait_for(self._run_to_exit(proc, out), timeout_s)
            except TimeoutError:
                timed_out = True
        except asyncio.CancelledError:
            kill_group(proc.pid)
            with contextlib.suppress(Exception):
                await asyncio.shield(_reap(proc))
            raise
        finally:
            kill_group(proc.pid)  # leftovers: background jobs, or the whole group on timeout
        status = await _reap(proc)
        notes.extend(launch.verify())
        code = None if timed_out else status
        elapsed = time.monotonic() - started
        body = out.text("redirect the output to a file and Read or Grep it, or pipe through head/tail")
        body = clean_terminal_output(body)
        body = redact(cap_text(body, c.limits.max_output_chars + 400, "see above", keep_tail=True))
        limit = stopped_by_limit(code, c.sandbox.limits)
        if timed_out:
            notes.append(f"timed out after {timeout_s:g} s; the command and its children were killed")
        elif code:
            notes.append(f"exit code {code}" + (f": {limit}" if limit else ""))
        content = body.rstrip("\n") if body.strip() else "(no output)"
        if notes:
            content += "\n[" + "; ".join(notes) + "]"
        return ToolResult(
            content=content,
            is_error=timed_out or bool(code),
            exit_code=code,
            output_bytes=out.total,
            meta={
                "cwd": cwd.rel,
                "duration_s": round(elapsed, 3),
                "timed_out": timed_out,
                "sandbox": launch.kind,
                "network": launch.network,
            },
        )

    async def _run_to_exit(self, proc: asyncio.subprocess.Process, out: _Collector) -> None:
        await self._pump(proc, out)
        # The pipe can reach EOF while the command is still exiting (it closes stdout first); killing the
        # group before it is gone would turn a clean exit into SIGKILL.
        await _exited(proc)

    async def _pump(self, proc: asyncio.subprocess.Process, out: _Collector) -> None:
        assert proc.stdout is not None
        reader = proc.stdout
        waiter = asyncio.ensure_future(_exited(proc))
        read: asyncio.Future[bytes] | None = None
        try:
            while True:
                read = asyncio.ensure_future(reader.read(CHUNK))
                done, _ = await asyncio.wait({read, waiter}, return_when=asyncio.FIRST_COMPLETED)
                if read in done:
                    data = read.result()
                    if not data:
                        return
                    out.add(data)
                    continue
                # The command exited; a background child may still hold the pipe open.
                await self._drain(read, reader, out)
                return
        finally:
            for fut in (read, waiter):
                if fut is not None and not fut.done():
                    fut.cancel()

    async def _drain(self, pending: asyncio.Future[bytes], reader: asyncio.StreamReader, out: _Collector) -> None:
        deadline = time.monotonic() + DRAIN_AFTER_EXIT_S
        try:
            data = await asyncio.wait_for(pending, DRAIN_AFTER_EXIT_S)
        except TimeoutError:
            return
        while data:
            out.add(data)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                data = await asyncio.wait_for(reader.read(CHUNK), left)
            except TimeoutError:
                return
