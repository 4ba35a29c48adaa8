"""The config file's schema: typed sections, and a clear word for every key or value that is not used."""

from __future__ import annotations

from pathlib import Path

from workbench.config import Config, load_config

FULL = """
[models]
sonnet = "claude-sonnet-9"
[pricing."claude-foo"]
input = 2
output = 10.5
[permissions]
allow = ["Bash(make:*)"]
defaultMode = "plan"
[tools]
network = true
max_output_chars = 5000
[agent]
max_tokens = 8000
retry_base_s = 0.5
delegation = false
[keys]
"app.palette" = "ctrl+k"
[ui]
theme = "paper"
[mcp]
trusted_projects = ["~/src/app"]
[mcp.servers.docs]
command = "docs-server"
[personas]
default = "code-reviewer"
git_commands = ["gh"]
[audit]
always = true
"""


def test_every_section_reads_into_its_type(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FULL)
    config = load_config(path)
    assert config.errors == []
    assert config.models == {"sonnet": "claude-sonnet-9"}
    assert config.pricing == {"claude-foo": {"input": 2.0, "output": 10.5}}
    assert config.permissions == {"allow": ["Bash(make:*)"], "defaultMode": "plan"}
    assert config.tools.network is True and dict(config.tools.limits) == {"max_output_chars": 5000.0}
    assert (config.agent.max_tokens, config.agent.retry_base_s, config.agent.delegation) == (8000, 0.5, False)
    assert config.agent.thinking is None  # not set: the code that uses it picks its default
    assert config.keys == {"app.palette": "ctrl+k"} and config.ui.theme == "paper"
    assert config.mcp.trusted_projects == ("~/src/app",) and dict(config.mcp.servers) == {
        "docs": {"command": "docs-server"}
    }
    assert config.personas.default == "code-reviewer" and config.personas.git_commands == ("gh",)
    assert config.audit.always is True


def test_what_is_not_used_is_named() -> None:
    config = Config(
        data={
            "ui": {"theme": 3, "colour": "red"},
            "agent": {"max_tokens": "lots", "retry_max": True},
            "tools": {"max_file_bytes": -1, "colour": 1},
            "personas": {"production_ask": ["Bash(kubectl *)", 3]},
            "pricing": {"m": {"input": 1, "speed": 2}, "n": 5},
            "keys": {"app.palette": 1},
            "colours": {"mode": "off"},
            "audit": "yes",
        }
    )
    errors = "\n".join(config.errors)
    assert "[ui] theme: should be a string, not 3; ignored" in errors
    assert "[ui]: unknown key 'colour'; ignored (known: theme)" in errors
    assert "[agent] max_tokens: should be a whole number, not 'lots'" in errors
    assert "[agent] retry_max: should be a whole number, not True" in errors
    assert "[tools] max_file_bytes: should be a positive number, not -1" in errors
    assert "[tools]: unknown key 'colour'" in errors and "max_output_chars" in errors  # the known list
    assert "[personas] production_ask: 3 skipped (not a string)" in errors
    assert "[pricing.m]: speed ignored" in errors and "[pricing.n]: should be a table" in errors
    assert "[keys] app.palette: should be a string" in errors
    assert "unknown section [colours]" in errors and "[audit]: should be a table" in errors
    assert config.ui.theme is None and config.agent.max_tokens is None and dict(config.tools.limits) == {}
    assert config.personas.production_ask == ("Bash(kubectl *)",) and config.pricing == {"m": {"input": 1.0}}


def test_keys_that_name_no_binding() -> None:
    config = Config(data={"keys": {"app.palette": "ctrl+k", "app.palete": "ctrl+j"}})
    assert config.unknown_keys({"app.palette", "app.quit"}) == [
        "config [keys]: no binding has the id 'app.palete'; ignored (F1 lists the ids)"
    ]


def test_sections_their_own_readers_check() -> None:
    """[sandbox] and [checkpoints]: the schema knows every key their readers take, and only those."""
    from workbench.core.checkpoint.recorder import CheckpointSettings
    from workbench.core.sandbox import SandboxSettings

    sandbox = {"mode": "off", "writable": ["/tmp/x"], "readable": ["/opt"], "max_processes": 64}
    sandbox |= {"max_file_size_mib": 10, "max_address_space_mib": 512, "max_cpu_seconds": 60, "core_dumps": False}
    checkpoints = {"enabled": True, "max_file_mb": 5, "max_store_mb": 100, "keep_days": 3}
    config = Config(data={"sandbox": {**sandbox, "colour": 1}, "checkpoints": checkpoints})
    [problem] = config.errors
    assert problem.startswith("config [sandbox]: unknown key 'colour'; ignored (known: mode, writable, readable")
    assert config.section("sandbox") == sandbox
    assert SandboxSettings.from_config(config.section("sandbox"), env={}).problems == ()
    assert CheckpointSettings.from_config(config.section("checkpoints")).max_file_bytes == 5 * 1024 * 1024
