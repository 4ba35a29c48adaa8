"""Reading server configs: Claude Code's format, every scope, ${VAR} expansion, malformed input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.mcp.conftest import write_mcp_json
from workbench import paths
from workbench.config import load_config
from workbench.core.mcp.config import expand_vars, load_mcp_config, parse_server


def test_expand_vars_plain_default_and_missing() -> None:
    env = {"HOME_DIR": "/home/u", "EMPTY": ""}
    missing: list[str] = []
    assert expand_vars("${HOME_DIR}/x", env, missing) == "/home/u/x"
    assert expand_vars("${NOPE:-fallback}", env, missing) == "fallback"
    assert expand_vars("${EMPTY:-used}", env, missing) == "used"
    assert expand_vars("${EMPTY}", env, missing) == ""
    assert expand_vars("a${UNSET}b", env, missing) == "ab"
    assert expand_vars("$HOME_DIR and $${HOME_DIR}", env, missing) == "$HOME_DIR and $/home/u"
    assert missing == ["UNSET"]


def test_stdio_entry_expands_every_field() -> None:
    env = {"TOKEN": "s3cret", "BIN": "/opt/bin"}
    raw = {
        "command": "${BIN}/server",
        "args": ["--token", "${TOKEN}", "--mode=${MODE:-fast}"],
        "env": {"API_KEY": "${TOKEN}", "PORT": 8080},
        "cwd": "${BIN}",
    }
    server, error = parse_server("s", raw, scope="project", source=".mcp.json", environ=env)
    assert error is None and server is not None
    assert server.transport == "stdio"
    assert server.command == "/opt/bin/server"
    assert server.args == ("--token", "s3cret", "--mode=fast")
    assert server.env == {"API_KEY": "s3cret", "PORT": "8080"}
    assert server.cwd == "/opt/bin"
    assert server.needs_trust
    assert "s3cret" not in json.dumps(server.to_json()["env_keys"])


def test_http_and_sse_entries() -> None:
    env = {"KEY": "abc"}
    raw = {"type": "http", "url": "https://${HOST:-mcp.example.com}/mcp", "headers": {"Authorization": "Bearer ${KEY}"}}
    server, error = parse_server("h", raw, scope="user", source="~/.claude.json", environ=env)
    assert error is None and server is not None
    assert (server.transport, server.url) == ("http", "https://mcp.example.com/mcp")
    assert server.headers == {"Authorization": "Bearer abc"}
    assert not server.needs_trust
    sse, error = parse_server("s", {"type": "sse", "url": "http://127.0.0.1:9/sse"}, scope="user", source="x")
    assert error is None and sse is not None and sse.transport == "sse"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("npx foo", "expected an object"),
        ({"args": ["x"]}, "needs a 'command'"),
        ({"command": "x", "args": "not-a-list"}, "'args' must be a list"),
        ({"command": "x", "env": ["A=1"]}, "'env' must be an object"),
        ({"command": "x", "env": {"A": {"nested": 1}}}, "env.A must be a string"),
        ({"type": "http"}, "needs a 'url'"),
        ({"type": "http", "url": "file:///etc/passwd"}, "must start with http"),
        ({"type": "websocket", "url": "ws://x"}, "unknown type 'websocket'"),
        ({"command": ["npx"]}, "'command' must be a string"),
    ],
)
def test_bad_entries_are_reported(raw: object, message: str) -> None:
    server, error = parse_server("bad", raw, scope="project", source=".mcp.json", environ={})
    assert server is None
    assert error is not None and message in error and "'bad'" in error


def test_scopes_precedence_and_sources(tmp_path: Path, project: Path) -> None:
    home = paths.user_home()
    claude = {
        "mcpServers": {"shared": {"command": "user-shared"}, "only-user": {"command": "u"}},
        "projects": {str(project): {"mcpServers": {"local-one": {"command": "l"}, "shared": {"command": "local"}}}},
    }
    (home / ".claude.json").write_text(json.dumps(claude), encoding="utf-8")
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "mcp.json").write_text(json.dumps({"mcpServers": {"wb": {"command": "w"}}}))
    write_mcp_json(project, {"shared": {"command": "project-shared"}, "proj": {"command": "p"}})

    result = load_mcp_config(project, environ={})
    assert result.errors == []
    servers = result.servers
    assert set(servers) == {"shared", "only-user", "local-one", "wb", "proj"}
    assert servers["shared"].command == "local"  # local > project > user, as in Claude Code
    assert servers["shared"].scope == "local"
    assert servers["proj"].scope == "project" and servers["proj"].source == str(project / ".mcp.json")
    assert servers["only-user"].scope == "user" and servers["only-user"].source.endswith(".claude.json")
    assert servers["wb"].scope == "workbench"
    assert [s.command for s in result.shadowed] == ["user-shared", "project-shared"]
    # Without a workspace only user-level servers are read.
    assert set(load_mcp_config(None, environ={}).servers) == {"shared", "only-user", "wb"}


def test_workbench_config_toml_servers(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[mcp.servers.docs]\ncommand = "docs-server"\nargs = ["--port", "${PORT:-1}"]\n')
    result = load_mcp_config(None, config=load_config(config_file), environ={})
    assert result.servers["docs"].args == ("--port", "1")
    assert result.servers["docs"].scope == "workbench"
    assert "[mcp.servers]" in result.servers["docs"].source


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ("[1, 2]", "should hold a JSON object"),
        ('{"mcpServers": []}', "mcpServers must be an object"),
    ],
)
def test_malformed_project_file_is_reported_not_fatal(project: Path, text: str, message: str) -> None:
    (project / ".mcp.json").write_text(text, encoding="utf-8")
    (paths.user_home() / ".claude.json").write_text(json.dumps({"mcpServers": {"ok": {"command": "x"}}}))
    result = load_mcp_config(project, environ={})
    assert list(result.servers) == ["ok"]
    assert len(result.errors) == 1 and message in result.errors[0]
    assert str(project / ".mcp.json") in result.errors[0]


def test_one_bad_entry_keeps_the_others(project: Path) -> None:
    write_mcp_json(project, {"good": {"command": "x"}, "bad": {"url": 5}})
    result = load_mcp_config(project, environ={})
    assert list(result.servers) == ["good"]
    assert len(result.errors) == 1 and "'bad'" in result.errors[0]


def test_missing_variables_are_recorded(project: Path) -> None:
    write_mcp_json(project, {"s": {"command": "x", "env": {"KEY": "${SOME_UNSET_KEY}"}}})
    server = load_mcp_config(project, environ={}).servers["s"]
    assert server.missing_vars == ("SOME_UNSET_KEY",)
    assert server.env == {"KEY": ""}
