"""The manager against real stdio MCP servers written with the SDK's server side (and one by hand)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.core.mcp.conftest import BASIC, RAW, pid_alive, stdio, write_mcp_json
from workbench import paths
from workbench.core.mcp.config import ServerConfig, load_mcp_config, parse_server
from workbench.core.mcp.manager import McpManager
from workbench.core.tools.base import ToolError, ToolKind

pytestmark = pytest.mark.timeout(60)

LEAK = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8"


def server(name: str, raw: dict[str, object], scope: str = "user") -> ServerConfig:
    config, error = parse_server(name, raw, scope=scope, source="test", environ={})  # type: ignore[arg-type]
    assert error is None and config is not None, error
    return config


async def test_start_list_call_stop(tmp_path: Path) -> None:
    marker = tmp_path / "started.txt"
    manager = McpManager([server("basic", stdio(BASIC, "--marker", str(marker)))])
    await manager.start()
    try:
        [status] = manager.statuses()
        assert status.status == "started", status.label
        names = [tool.name for tool in manager.tools()]
        assert names == [
            "mcp__basic__echo",
            "mcp__basic__add",
            "mcp__basic__slow",
            "mcp__basic__crash",
            "mcp__basic__big_output",  # "big.output" normalised as Claude Code does
            "mcp__basic__getenv",
            "mcp__basic__fail",
        ]
        add = manager.get("mcp__basic__add")
        assert add is not None and add.kind is ToolKind.EXTERNAL
        assert add.input_schema["properties"]["a"]["type"] == "integer"
        assert add.api_spec()["name"] == "mcp__basic__add"
        assert add.description == "Add two integers."
        result = await add.run({"a": 2, "b": 40}, None)
        assert (result.content, result.is_error) == ("42", False)
        echoed = await manager.call("mcp__basic__echo", {"text": "héllo"})
        assert echoed.content == "héllo" and echoed.meta["server"] == "basic"
        failed = await manager.call("mcp__basic__fail", {})
        assert failed.is_error and "fail" in failed.content
        assert manager.server_tools() == {
            "basic": ["echo", "add", "slow", "crash", "big_output", "getenv", "fail"],
        }
        pid = int(marker.read_text().split()[0])
        assert status.pid == pid and pid_alive(pid)
    finally:
        await manager.stop()
    assert not pid_alive(pid)
    assert manager.tools() == []
    gone = await manager.call("mcp__basic__echo", {"text": "x"})
    assert gone.is_error


async def test_preview_checks_arguments_against_the_schema() -> None:
    async with McpManager([server("basic", stdio(BASIC))]) as manager:
        add = manager.get("mcp__basic__add")
        assert add is not None
        preview = await add.preview({"a": 1, "b": 2}, None)
        assert preview.summary.startswith("MCP basic · add")
        assert preview.meta["server"] == "basic"
        with pytest.raises(ToolError, match="invalid arguments at b"):
            await add.preview({"a": 1, "b": "two"}, None)
        with pytest.raises(ToolError, match="'b' is a required property"):
            await add.preview({"a": 1}, None)
        echo = manager.get("mcp__basic__echo")
        assert echo is not None
        shown = await echo.preview({"text": "line1\nline2\x1b[31m\u202e"}, None)
        assert "\x1b" not in shown.summary and "\n" not in shown.summary and "\u202e" not in shown.summary
        assert "\\u202e" in shown.summary  # shown escaped, never raw
        secret = await echo.preview({"text": f"use {LEAK}"}, None)
        assert LEAK not in secret.summary and "[REDACTED]" in secret.summary


async def test_hanging_call_times_out_and_the_session_goes_on() -> None:
    async with McpManager([server("basic", stdio(BASIC))], call_timeout=1.5) as manager:
        started = time.monotonic()
        result = await manager.call("mcp__basic__slow", {"seconds": 30})
        assert time.monotonic() - started < 5
        assert result.is_error and "did not answer within 1.5s" in result.content
        after = await manager.call("mcp__basic__echo", {"text": "still here"})
        assert (after.content, after.is_error) == ("still here", False)


async def test_crashing_server_gives_a_clear_error_on_that_call(tmp_path: Path) -> None:
    marker = tmp_path / "pids"
    configs = [
        server("basic", stdio(BASIC, "--marker", str(marker))),
        server("other", stdio(RAW)),
    ]
    async with McpManager(configs) as manager:
        crashed = await manager.call("mcp__basic__crash", {})
        assert crashed.is_error
        assert "MCP server 'basic' stopped during the call" in crashed.content
        assert "exit code 3" in crashed.content and "crash tool called" in crashed.content
        again = await manager.call("mcp__basic__echo", {"text": "x"})
        assert again.is_error and "is not running" in again.content and "exit code 3" in again.content
        echo = manager.get("mcp__basic__echo")
        assert echo is not None
        with pytest.raises(ToolError, match="is not running"):  # refused before any approval is asked
            await echo.preview({"text": "x"}, None)
        status = {s.name: s for s in manager.statuses()}
        assert status["basic"].status == "failed" and "exit code 3" in status["basic"].reason
        other = await manager.call("mcp__other__ping", {})  # the other server is unaffected
        assert (other.content, other.is_error) == ("pong", False)
        assert "basic" not in manager.server_tools()


async def test_failures_to_start_are_per_server(tmp_path: Path) -> None:
    configs = [
        server("missing", {"command": "no-such-mcp-server-binary"}),
        server("dies", stdio(BASIC, "--stderr", f"fatal: TOKEN is not set (got {LEAK!r})")),
        server("ok", stdio(RAW)),
    ]
    async with McpManager(configs) as manager:
        status = {s.name: s for s in manager.statuses()}
        assert status["missing"].label == "failed: command not found: 'no-such-mcp-server-binary' (not on PATH)"
        assert status["dies"].status == "failed"
        assert "exit code 1" in status["dies"].reason and "fatal: TOKEN is not set" in status["dies"].reason
        assert LEAK not in status["dies"].reason
        log = status["dies"].log
        assert log is not None and Path(log).is_file()
        logged = Path(log).read_text()
        assert "fatal: TOKEN is not set" in logged and "[REDACTED]" in logged and LEAK not in logged
        assert status["ok"].status == "started"
        assert [t.name for t in manager.tools()] == ["mcp__ok__ping", "mcp__ok__media"]
        result = await manager.call("mcp__dies__anything", {})
        assert result.is_error and "not running" in result.content
        unknown = await manager.call("mcp__nobody__x", {})
        assert unknown.content == "MCP server 'nobody' is not configured"


async def test_a_server_that_never_answers_times_out_at_start() -> None:
    hangs = server("hangs", {"command": "sleep", "args": ["60"]})
    manager = McpManager([hangs], start_timeout=1)
    started = time.monotonic()
    await manager.start()
    try:
        assert time.monotonic() - started < 8
        [status] = manager.statuses()
        assert status.label == "failed: did not start within 1s"
        assert status.pid is not None and not pid_alive(status.pid)
    finally:
        await manager.stop()


async def test_bad_schema_skips_that_tool_only() -> None:
    async with McpManager([server("raw", stdio(RAW))]) as manager:
        [status] = manager.statuses()
        assert status.status == "started"
        assert status.tools == ["mcp__raw__ping", "mcp__raw__media"]
        assert len(status.errors) == 4
        assert any("longer than 64 characters" in e for e in status.errors)
        assert any("bad_type" in e and "type 'object'" in e for e in status.errors)
        assert any("bad_property" in e and "properties/n/type" in e for e in status.errors)
        assert any("no_schema" in e for e in status.errors)
        result = await manager.call("mcp__raw__ping", {})
        assert result.content == "pong"


async def test_output_is_capped_like_any_tool() -> None:
    async with McpManager([server("basic", stdio(BASIC))], max_output_chars=1000) as manager:
        result = await manager.call("mcp__basic__big_output", {"size": 50_000})
        assert result.output_bytes == 50_000
        assert len(result.content) < 1200 and "49,000 more characters" in result.content


async def test_no_orphans_after_stop(tmp_path: Path) -> None:
    child_file = tmp_path / "child.pid"
    marker = tmp_path / "server.pid"
    manager = McpManager([server("raw", stdio(RAW, "--marker", str(marker), "--child", str(child_file)))])
    await manager.start()
    child = int(child_file.read_text())
    leader = int(marker.read_text())
    assert pid_alive(child) and pid_alive(leader)
    await manager.stop()
    deadline = time.monotonic() + 3
    while (pid_alive(child) or pid_alive(leader)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not pid_alive(leader)
    assert not pid_alive(child), "the server's child process outlived stop()"


async def test_stop_from_another_task() -> None:
    manager = McpManager([server("raw", stdio(RAW))])
    await asyncio.create_task(manager.start())
    assert manager.tools()
    await asyncio.create_task(manager.stop())
    assert manager.statuses()[0].status == "stopped"


async def test_untrusted_project_starts_no_process(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "started.txt"
    write_mcp_json(project, {"proj": stdio(RAW, "--marker", str(marker))})
    config = load_mcp_config(project, environ={})
    manager = McpManager(config, workspace=project, trust_project=False)
    await manager.start()
    try:
        [status] = manager.statuses()
        assert status.status == "not_started"
        assert status.label.startswith("not started: project not trusted")
        assert status.pid is None and manager.tools() == []
        assert manager.server_tools() == {}
        await asyncio.sleep(0.3)
        assert not marker.exists(), "a server from an untrusted project was started"
        refused = await manager.call("mcp__proj__ping", {})
        assert refused.is_error and "project not trusted" in refused.content
    finally:
        await manager.stop()
    trusted = McpManager(config, workspace=project, trust_project=True)
    async with trusted:
        assert trusted.statuses()[0].status == "started"
        assert marker.exists()


async def test_env_expansion_reaches_the_server(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_TEST_MARKER_DIR", str(tmp_path))
    write_mcp_json(project, {"raw": stdio(RAW, "--marker", "${MCP_TEST_MARKER_DIR}/from-env.txt")})
    async with McpManager(load_mcp_config(project), workspace=project, trust_project=True) as manager:
        assert manager.statuses()[0].status == "started"
    assert (tmp_path / "from-env.txt").exists()


async def test_cancelled_call_stops_at_once_and_the_server_goes_on() -> None:
    async with McpManager([server("basic", stdio(BASIC))]) as manager:
        slow = manager.get("mcp__basic__slow")
        assert slow is not None
        task = asyncio.create_task(slow.run({"seconds": 30}, None))
        await asyncio.sleep(0.3)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 3
        after = await manager.call("mcp__basic__echo", {"text": "next"})
        assert (after.content, after.is_error) == ("next", False)


async def test_server_environment_is_minimal_plus_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-parent-secret-value-0123456789abcdef")
    monkeypatch.setenv("SOME_PARENT_VAR", "parent")
    monkeypatch.setenv("LANG", "C.UTF-8")
    config = server("basic", stdio(BASIC, env={"SERVER_SETTING": "configured"}))
    async with McpManager([config]) as manager:
        values = {
            name: (await manager.call("mcp__basic__getenv", {"name": name})).content
            for name in ("ANTHROPIC_API_KEY", "SOME_PARENT_VAR", "SERVER_SETTING", "PATH", "LANG")
        }
    assert values["ANTHROPIC_API_KEY"] == "(unset)"  # the workbench's credentials never reach a server
    assert values["SOME_PARENT_VAR"] == "(unset)"
    assert values["SERVER_SETTING"] == "configured"
    assert values["PATH"] != "(unset)" and values["LANG"] == "C.UTF-8"


async def test_secrets_in_results_are_redacted() -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    async with McpManager([server("basic", stdio(BASIC))]) as manager:
        result = await manager.call("mcp__basic__echo", {"text": f"the token is {token}"})
    assert token not in result.content and "[REDACTED]" in result.content


async def test_a_server_that_dies_between_calls_shows_as_failed(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    async with McpManager([server("raw", stdio(RAW, "--marker", str(marker)))]) as manager:
        assert manager.statuses()[0].status == "started"
        os.kill(int(marker.read_text().split()[0]), signal.SIGKILL)
        deadline = time.monotonic() + 5
        while manager.statuses()[0].status == "started" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        [status] = manager.statuses()
        assert status.label == "failed: exited (killed by SIGKILL)"
        assert manager.server_tools() == {}
        result = await manager.call("mcp__raw__ping", {})
        assert result.is_error and "killed by SIGKILL" in result.content


async def test_stop_during_a_call_ends_that_call_clearly() -> None:
    manager = McpManager([server("basic", stdio(BASIC))])
    await manager.start()
    call = asyncio.create_task(manager.call("mcp__basic__slow", {"seconds": 30}))
    await asyncio.sleep(0.3)
    await manager.stop()
    result = await asyncio.wait_for(call, 5)
    assert result.is_error and "was stopped during the call" in result.content


async def test_restart_after_a_crash(tmp_path: Path) -> None:
    async with McpManager([server("basic", stdio(BASIC))]) as manager:
        echo = manager.get("mcp__basic__echo")
        assert echo is not None
        assert (await manager.call("mcp__basic__crash", {})).is_error
        status = await manager.restart("basic")
        assert status.status == "started" and status.pid is not None
        again = await echo.run({"text": "back"}, None)  # the tool object from before the crash
        assert (again.content, again.is_error) == ("back", False)
        with pytest.raises(KeyError):
            await manager.restart("nobody")


async def test_untrusted_project_entry_does_not_hide_the_users_server(project: Path, tmp_path: Path) -> None:
    project_marker, user_marker = tmp_path / "project-server.pid", tmp_path / "user-server.pid"
    write_mcp_json(project, {"docs": stdio(RAW, "--marker", str(project_marker))})
    claude = {"mcpServers": {"docs": stdio(RAW, "--marker", str(user_marker))}}
    (paths.user_home() / ".claude.json").write_text(json.dumps(claude))
    config = load_mcp_config(project, environ={})
    async with McpManager(config, workspace=project, trust_project=False) as manager:
        [status] = manager.statuses()
        assert (status.status, status.scope) == ("started", "user")
    assert user_marker.exists() and not project_marker.exists()
    async with McpManager(config, workspace=project, trust_project=True) as manager:
        assert manager.statuses()[0].scope == "project"
    assert project_marker.exists()


async def test_non_text_content_is_summarised() -> None:
    async with McpManager([server("raw", stdio(RAW))]) as manager:
        result = await manager.call("mcp__raw__media", {})
    assert result.media == ()  # its "PNG" is four bytes of signature and zeros: never sent as an image
    assert result.content.splitlines() == [
        "a caption",
        "[image content: image/png, 100 bytes; not sent: its data is not a PNG image]",
        "[resource file:///notes.txt]",
        "inner text",
        "[resource file:///blob.bin: application/zip, 3 bytes; not sent: the model takes only text and images]",
        "[resource link: file:///other.md (other)]",
    ]
    assert result.output_bytes == len("a caption") + 100 + len("inner text") + 3
