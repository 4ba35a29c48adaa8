"""Transports for the MCP client: a stdio process we fully own, HTTP/SSE, and a tool-listing filter.

The stdio transport is ours rather than the SDK's `stdio_client` for three reasons: we need the process id
(the server runs in its own process group, and `stop()` kills that whole group so nothing it spawned
survives), the tail of its stderr (a server that dies says why there), and its exit code (a call that
fails because the server died says so).

Every `tools/list` answer is checked tool by tool before the SDK session sees it, and tools whose schema
is unusable are dropped with a message; otherwise one bad tool makes the SDK reject the whole listing and
the server would lose every tool. The stdio transport checks inline; `filtered()` relays HTTP/SSE traffic
through the same check.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
from mcp.client import Transport
from mcp.client.stdio import get_default_environment
from mcp.shared.message import SessionMessage
from mcp_types import JSONRPCRequest, JSONRPCResponse, jsonrpc_message_adapter

from workbench.core.hardened import scrub_env
from workbench.core.mcp.config import ServerConfig
from workbench.core.mcp.process import TERM_GRACE_S, ProcessInfo, StartError, kill_group

STDIN_GRACE_S = 1.0  # a server gets this long to exit on its own once its stdin closes


def check_tool_listing(result: dict[str, Any]) -> list[str]:
    """Drop unusable tools from a raw `tools/list` result, in place; return one message per dropped tool."""
    tools = result.get("tools")
    if not isinstance(tools, list):
        return []
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    kept: list[Any] = []
    errors: list[str] = []
    for index, tool in enumerate(tools):
        label = repr(tool.get("name")) if isinstance(tool, dict) else f"#{index}"
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            errors.append(f"tool {label}: no name; skipped")
            continue
        schema = tool.get("inputSchema")
        if not isinstance(schema, dict):
            errors.append(f"tool {label}: inputSchema is missing or not an object; skipped")
            continue
        if schema.get("type") != "object":
            errors.append(f"tool {label}: inputSchema must have type 'object' (got {schema.get('type')!r}); skipped")
            continue
        try:
            validator_for(schema).check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "(root)"
            errors.append(f"tool {label}: invalid inputSchema at {where}: {exc.message}; skipped")
            continue
        except Exception as exc:  # a schema that breaks the validator itself (bad $ref, unknown dialect)
            errors.append(f"tool {label}: unusable inputSchema ({type(exc).__name__}: {exc}); skipped")
            continue
        kept.append(tool)
    result["tools"] = kept
    return errors


class ListingCheck:
    """Remembers which requests were `tools/list` and checks their answers (see `check_tool_listing`)."""

    def __init__(self, on_error: Callable[[str], None]) -> None:
        self.on_error = on_error
        self.pending: set[Any] = set()

    def sent(self, item: SessionMessage) -> None:
        message = item.message
        if isinstance(message, JSONRPCRequest) and message.method == "tools/list":
            self.pending.add(message.id)

    def received(self, item: SessionMessage) -> None:
        message = item.message
        if isinstance(message, JSONRPCResponse) and message.id in self.pending:
            self.pending.discard(message.id)
            for error in check_tool_listing(message.result):
                self.on_error(error)


@asynccontextmanager
async def filtered(inner: AbstractAsyncContextManager[Any], on_error: Callable[[str], None]) -> AsyncIterator[Any]:
    """Relay messages between the SDK session and `inner`, checking every `tools/list` answer on the way."""
    async with inner as (read, write):
        down_send, down_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        up_send, up_recv = anyio.create_memory_object_stream[SessionMessage](0)
        check = ListingCheck(on_error)

        async def upward() -> None:
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                async with up_recv:
                    async for item in up_recv:
                        check.sent(item)
                        await write.send(item)

        async def downward() -> None:
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream):
                async with down_send:
                    async for item in read:
                        if isinstance(item, SessionMessage):
                            check.received(item)
                        await down_send.send(item)

        async with anyio.create_task_group() as group:
            group.start_soon(upward)
            group.start_soon(downward)
            try:
                yield down_recv, up_send
            finally:
                group.cancel_scope.cancel()
                for stream in (down_recv, up_send):
                    await stream.aclose()


async def _wait_exit(process: anyio.abc.Process, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while process.returncode is None:
        if time.monotonic() >= deadline:
            return False
        await anyio.sleep(0.02)
    return True


# Beyond the SDK's minimal set (HOME, LOGNAME, PATH, SHELL, TERM, USER): locale, temp folder, time zone and
# proxies, which servers commonly need and which carry no credentials of the workbench's own.
PASSED_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


def server_environment(configured: dict[str, str]) -> dict[str, str]:
    """A stdio server's environment: a minimal inherited set plus what its config sets. API keys and the
    rest of the workbench's environment are not passed (configure them with ``env`` and ``${VAR}``); what is
    inherited is scrubbed of anything credential-like too (a proxy URL with a password)."""
    env = get_default_environment()
    for key in PASSED_ENV:
        for name in (key, key.lower()):
            value = os.environ.get(name)
            if value is not None and not value.startswith("()"):
                env[name] = value
    return scrub_env(env) | configured


def _resolve_command(config: ServerConfig, env: dict[str, str]) -> str:
    import shutil

    command = config.command
    if os.sep in command:
        return command
    found = shutil.which(command, path=env.get("PATH"))
    if found is None:
        raise StartError(f"command not found: {command!r} (not on PATH)")
    return found


@asynccontextmanager
async def stdio_process(
    config: ServerConfig, info: ProcessInfo, *, cwd: Path | None, on_error: Callable[[str], None]
) -> AsyncIterator[Any]:
    """Start the server in its own process group and speak newline-delimited JSON-RPC over its pipes.

    Tool listings are checked right here (no relay hop on every message, unlike `filtered`)."""
    check = ListingCheck(on_error)
    env = server_environment(config.env)
    command = _resolve_command(config, env)
    workdir = Path(config.cwd) if config.cwd else cwd
    if workdir is not None and not workdir.is_dir():
        raise StartError(f"working directory {str(workdir)!r} does not exist")
    try:
        process = await anyio.open_process(
            [command, *config.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=workdir,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise StartError(f"command not found: {config.command!r}") from None
    except PermissionError:
        raise StartError(f"command not executable: {config.command!r}") from None
    except OSError as exc:
        raise StartError(f"could not start {config.command!r}: {exc.strerror or exc}") from None
    info.pid = process.pid
    info.process = process
    info.open_log(config.name, [command, *config.args])
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
    read_send, read_recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_send, write_recv = anyio.create_memory_object_stream[SessionMessage](0)

    async def read_stdout() -> None:
        buffer = bytearray()
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            async with read_send:
                async for chunk in stdout:
                    buffer += chunk
                    while (end := buffer.find(b"\n")) >= 0:
                        line = bytes(buffer[:end]).strip()
                        del buffer[: end + 1]
                        if not line:
                            continue
                        try:
                            message = jsonrpc_message_adapter.validate_json(line, by_name=False)
                        except ValueError:
                            info.stdout_noise += 1  # a banner or log line on stdout; not ours to parse
                            info.log([f"(stdout) {line[:500].decode('utf-8', errors='replace')}"])
                            continue
                        item = SessionMessage(message)
                        check.received(item)
                        await read_send.send(item)

    async def read_stderr() -> None:
        pending = ""
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            async for chunk in stderr:
                pending += chunk.decode("utf-8", errors="replace")
                *lines, pending = pending.split("\n")
                info.stderr_tail.extend(line[:500] for line in lines)
                info.log(lines)
                pending = pending[-2000:]
        if pending:
            info.stderr_tail.append(pending[:500])
            info.log([pending])

    async def write_stdin() -> None:
        try:
            async with write_recv:
                async for item in write_recv:
                    check.sent(item)
                    data = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await stdin.send((data + "\n").encode("utf-8"))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            await read_send.aclose()  # the server is gone: let pending requests fail now, not hang

    async with anyio.create_task_group() as group:
        group.start_soon(read_stdout)
        group.start_soon(read_stderr)
        group.start_soon(write_stdin)
        try:
            yield read_recv, write_send
        finally:
            with anyio.CancelScope(shield=True):
                await _shutdown(process, stdin)
            group.cancel_scope.cancel()


async def _shutdown(process: anyio.abc.Process, stdin: anyio.abc.ByteSendStream) -> None:
    """Close stdin, give the server a moment, then kill its whole process group (children included)."""
    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await stdin.aclose()
    if not await _wait_exit(process, STDIN_GRACE_S):
        await kill_group(process.pid)
        await _wait_exit(process, TERM_GRACE_S)
    else:
        # The leader exited; anything it started in its group would be orphaned, so end those too.
        await kill_group(process.pid, grace=0.2)
    with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
        await process.aclose()


def open_transport(
    config: ServerConfig, info: ProcessInfo, *, cwd: Path | None, on_error: Callable[[str], None]
) -> Any:
    """The transport for one server; every tool listing it carries is checked tool by tool."""
    if config.transport == "stdio":
        return stdio_process(config, info, cwd=cwd, on_error=on_error)
    inner: AbstractAsyncContextManager[Any] = _http(config) if config.transport == "http" else _sse(config)
    transport: Transport = filtered(inner, on_error)
    return transport


@asynccontextmanager
async def _http(config: ServerConfig) -> AsyncIterator[Any]:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=config.headers, timeout=timeout) as client,
        streamable_http_client(config.url, http_client=client) as streams,
    ):
        yield streams


@asynccontextmanager
async def _sse(config: ServerConfig) -> AsyncIterator[Any]:
    from mcp.client.sse import sse_client

    async with sse_client(config.url, headers=dict(config.headers)) as streams:
        yield streams
