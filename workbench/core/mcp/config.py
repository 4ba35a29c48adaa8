"""MCP server configuration in Claude Code's format, gathered from every place a user or project puts it.

Where servers come from, lowest precedence first (a later scope replaces a server of the same name):

* ``user``      - ``~/.claude.json`` top-level ``mcpServers`` (Claude Code's user scope).
* ``workbench`` - the workbench's own user files: ``<config_dir>/mcp.json`` (``{"mcpServers": {...}}``) and the
  ``[mcp.servers.<name>]`` tables of the workbench config file (same keys as the JSON form).
* ``project``   - the project's ``.mcp.json`` (checked into the repository; starts only once the project is trusted).
* ``local``     - ``~/.claude.json`` ``projects["<abs project path>"].mcpServers`` (Claude Code's local scope:
  written by the user for this project, kept outside the repository, so it starts freely).

A server entry is either stdio (``{"command", "args", "env", "cwd"}``, ``type`` absent or ``"stdio"``) or remote
(``{"type": "http" | "sse", "url", "headers"}``). ``${VAR}`` and ``${VAR:-default}`` are expanded in command, args,
env, cwd, url and headers. A malformed file or entry is reported in ``McpConfig.errors`` and never stops the rest.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench import paths
from workbench.config import Config, load_config
from workbench.core.datafile import read_object

Scope = Literal["user", "workbench", "project", "local"]
Transport = Literal["stdio", "http", "sse"]

# Scopes whose files live in the repository: anyone who can commit to it can make them run commands.
PROJECT_SCOPES: frozenset[str] = frozenset({"project"})

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ServerConfig:
    """One configured MCP server, after variable expansion."""

    name: str
    transport: Transport
    scope: Scope
    source: str  # the file (and key) it was read from, for `workbench mcp list`
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    missing_vars: tuple[str, ...] = ()  # ${VAR} references with no value and no default

    @property
    def needs_trust(self) -> bool:
        return self.scope in PROJECT_SCOPES

    def describe(self) -> str:
        """One line: what would be started or contacted."""
        if self.transport == "stdio":
            return " ".join([self.command, *self.args])
        return f"{self.transport} {self.url}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "transport": self.transport,
            "scope": self.scope,
            "source": self.source,
        }
        if self.transport == "stdio":
            out.update(command=self.command, args=list(self.args), env_keys=sorted(self.env), cwd=self.cwd)
        else:
            out.update(url=self.url, header_keys=sorted(self.headers))
        if self.missing_vars:
            out["missing_vars"] = list(self.missing_vars)
        return out


@dataclass
class McpConfig:
    servers: dict[str, ServerConfig] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    shadowed: list[ServerConfig] = field(default_factory=list)  # entries replaced by a higher-precedence scope


def expand_vars(text: str, environ: Mapping[str, str], missing: list[str] | None = None) -> str:
    """Expand ``${VAR}`` and ``${VAR:-default}`` (Claude Code's syntax). An unset variable without a default
    becomes an empty string and is recorded in ``missing``."""

    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is not None and (value != "" or default is None):
            return value
        if default is not None:
            return default
        if missing is not None and name not in missing:
            missing.append(name)
        return ""

    return _VAR.sub(repl, text)


def parse_server(
    name: str,
    raw: Any,
    *,
    scope: Scope,
    source: str,
    environ: Mapping[str, str] | None = None,
) -> tuple[ServerConfig | None, str | None]:
    """Turn one ``mcpServers`` entry into a ServerConfig, or return why it can't be used."""
    where = f"{source}: server {name!r}"
    if not isinstance(raw, dict):
        return None, f"{where}: expected an object, got {type(raw).__name__}"
    env_in = os.environ if environ is None else environ
    missing: list[str] = []

    def text(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _EntryError(f"{where}: {key!r} must be a string")
        return expand_vars(str(value), env_in, missing)

    def mapping(key: str) -> dict[str, str]:
        value = raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise _EntryError(f"{where}: {key!r} must be an object of strings")
        out: dict[str, str] = {}
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise _EntryError(f"{where}: {key}.{k} must be a string")
            out[str(k)] = expand_vars(str(v), env_in, missing)
        return out

    try:
        kind = raw.get("type", raw.get("transport"))
        if kind is None:
            kind = "stdio" if "command" in raw else ("http" if "url" in raw else None)
        if kind in ("streamable-http", "streamableHttp", "streamable_http"):
            kind = "http"
        if kind == "stdio":
            command = text("command")
            if not command:
                return None, f"{where}: a stdio server needs a 'command'"
            args_raw = raw.get("args", [])
            if not isinstance(args_raw, list) or any(isinstance(a, (dict, list)) for a in args_raw):
                return None, f"{where}: 'args' must be a list of strings"
            args = tuple(expand_vars(str(a), env_in, missing) for a in args_raw)
            config = ServerConfig(
                name=name,
                transport="stdio",
                scope=scope,
                source=source,
                command=command,
                args=args,
                env=mapping("env"),
                cwd=text("cwd"),
                missing_vars=tuple(missing),
            )
            return config, None
        if kind in ("http", "sse"):
            url = text("url")
            if not url:
                return None, f"{where}: an {kind} server needs a 'url'"
            if not url.startswith(("http://", "https://")):
                return None, f"{where}: url must start with http:// or https://"
            transport: Transport = "http" if kind == "http" else "sse"
            return ServerConfig(
                name=name,
                transport=transport,
                scope=scope,
                source=source,
                url=url,
                headers=mapping("headers"),
                missing_vars=tuple(missing),
            ), None
        if kind is None:
            return None, f"{where}: needs a 'command' (stdio) or a 'url' (http/sse)"
        return None, f"{where}: unknown type {kind!r} (expected stdio, http or sse)"
    except _EntryError as exc:
        return None, str(exc)


class _EntryError(Exception):
    pass


def _read_json(path: Path, errors: list[str]) -> dict[str, Any] | None:
    data, problem = read_object(path, "json", empty_ok=True)
    if problem is not None:
        errors.append(problem)
    return data


def _servers_block(data: Mapping[str, Any], key_path: str, source: str, errors: list[str]) -> dict[str, Any]:
    block = data.get("mcpServers")
    if block is None:
        return {}
    if not isinstance(block, dict):
        errors.append(f"{source}: {key_path} must be an object; ignored")
        return {}
    return block


def user_mcp_file() -> Path:
    """The workbench's own user-level server file (Claude Code's JSON shape)."""
    return paths.config_dir() / "mcp.json"


def claude_user_file() -> Path:
    return paths.user_home() / ".claude.json"


def load_mcp_config(
    workspace: Path | None,
    *,
    config: Config | None = None,
    environ: Mapping[str, str] | None = None,
) -> McpConfig:
    """Gather every configured server for `workspace` (None: user-level servers only)."""
    result = McpConfig()
    layers: list[tuple[Scope, str, dict[str, Any]]] = []

    claude = _read_json(claude_user_file(), result.errors)
    if claude is not None:
        source = str(claude_user_file())
        layers.append(("user", source, _servers_block(claude, "mcpServers", source, result.errors)))

    own = _read_json(user_mcp_file(), result.errors)
    if own is not None:
        source = str(user_mcp_file())
        layers.append(("workbench", source, _servers_block(own, "mcpServers", source, result.errors)))

    cfg = config if config is not None else load_config()
    if cfg.mcp.servers:
        layers.append(("workbench", f"{cfg.path} [mcp.servers]", dict(cfg.mcp.servers)))

    if workspace is not None:
        project_file = workspace / ".mcp.json"
        project = _read_json(project_file, result.errors)
        if project is not None:
            block = _servers_block(project, "mcpServers", str(project_file), result.errors)
            layers.append(("project", str(project_file), block))
        if claude is not None:
            local = _local_block(claude, workspace)
            if local is not None:
                source = f"{claude_user_file()} projects[{str(workspace.resolve())!r}]"
                layers.append(("local", source, _servers_block(local, "mcpServers", source, result.errors)))

    for scope, source, block in layers:
        for name, raw in block.items():
            server, error = parse_server(str(name), raw, scope=scope, source=source, environ=environ)
            if error is not None:
                result.errors.append(error)
                continue
            assert server is not None
            previous = result.servers.get(server.name)
            if previous is not None:
                result.shadowed.append(previous)
            result.servers[server.name] = server
    return result


def _local_block(claude: Mapping[str, Any], workspace: Path) -> Mapping[str, Any] | None:
    projects = claude.get("projects")
    if not isinstance(projects, dict):
        return None
    real = workspace.resolve()
    for key, value in projects.items():
        if not isinstance(value, dict):
            continue
        try:
            if Path(str(key)).expanduser().resolve() == real:
                return value
        except (OSError, RuntimeError):
            continue
    return None
