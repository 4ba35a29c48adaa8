"""`--agent` names: presets used only when installed, `acp:COMMAND ARGS` as written, config presets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.config import Config
from workbench.core.acp.presets import AgentSpecError, installed_presets, resolve


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def install(folder: Path, name: str) -> None:
    program = folder / name
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert os.access(program, os.X_OK)


def test_a_preset_is_used_only_when_installed(bin_dir: Path) -> None:
    with pytest.raises(AgentSpecError, match="gemini is not installed"):
        resolve("gemini")
    assert installed_presets() == {}
    install(bin_dir, "gemini")
    for spec in ("gemini", "acp:gemini", " acp: gemini "):
        command = resolve(spec)
        assert command.argv == ("gemini", "--acp") and command.name == "gemini"
    assert installed_presets() == {"gemini": "gemini --acp"}


def test_acp_prefix_takes_any_command_as_written(bin_dir: Path) -> None:
    install(bin_dir, "my-agent")
    command = resolve("acp:my-agent --stdio 'two words'")
    assert command.argv == ("my-agent", "--stdio", "two words") and command.name == "my-agent"
    with pytest.raises(AgentSpecError, match="not a preset"):
        resolve("my-agent")
    with pytest.raises(AgentSpecError, match="needs a command"):
        resolve("acp:")
    with pytest.raises(AgentSpecError, match="No closing quotation"):
        resolve("acp:my-agent 'open")


def test_the_config_adds_presets(bin_dir: Path) -> None:
    install(bin_dir, "my-agent")
    config = Config(data={"acp": {"agents": {"mine": "my-agent --acp", "bad": 3}}})
    assert config.errors == []  # [acp] is a known section
    assert resolve("mine", config).argv == ("my-agent", "--acp")
    with pytest.raises(AgentSpecError, match="not a preset"):
        resolve("bad", config)
