"""Model aliases through one table, overridable by the config file and environment (docs/personas.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.config import load_config
from workbench.core.models import DEFAULT_ALIASES, DEFAULT_MODEL, model_table, resolve_model, session_model

pytestmark = pytest.mark.timeout(10)


def test_defaults() -> None:
    assert DEFAULT_ALIASES == {
        "sonnet": "claude-sonnet-5-5",
        "opus": "claude-opus-5-5",
        "haiku": "claude-haiku-5-5",
        "fable": "claude-fable-5-2",
    }
    assert DEFAULT_MODEL == "sonnet"
    assert session_model() == "claude-sonnet-5-5"


@pytest.mark.parametrize(
    ("value", "kind", "resolved"),
    [
        (None, "inherit", None),
        ("inherit", "inherit", None),
        ("  INHERIT ", "inherit", None),
        ("default", "inherit", None),
        ("sonnet", "alias", "claude-sonnet-5-5"),
        ("Opus", "alias", "claude-opus-5-5"),
        ("opusplan", "alias", "claude-opus-5-5"),
        ("sonnet[1m]", "alias", "claude-sonnet-5-5"),
        ("claude-opus-4-5-20251101", "id", "claude-opus-4-5-20251101"),
        ("Claude-Haiku-4-5", "id", "claude-haiku-4-5"),
        ("anthropic/claude-sonnet-4-20250514", "provider", "claude-sonnet-4-20250514"),
        ("anthropic/haiku", "provider", "claude-haiku-5-5"),
        ("openai/gpt-5", "provider", None),
        ("gpt-5", "unknown", None),
        ("4.5", "unknown", None),
        (["sonnet"], "unknown", None),
    ],
)
def test_resolve(value: object, kind: str, resolved: str | None) -> None:
    ref = resolve_model(value, DEFAULT_ALIASES)
    assert (ref.kind, ref.resolved) == (kind, resolved)


def test_config_file_and_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[models]\nsonnet = "claude-sonnet-4-6"\nhaiku = "claude-haiku-4-5"\nfast = "claude-haiku-4-5"\n')
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    monkeypatch.setenv("ANTHROPIC_DEFAULT_HAIKU_MODEL", " claude-haiku-9 ")
    table = model_table()
    assert table["sonnet"] == "claude-sonnet-4-6"  # config file
    assert table["haiku"] == "claude-haiku-9"  # env beats the config file
    assert table["opus"] == "claude-opus-5-5"  # default
    assert resolve_model("fast").resolved == "claude-haiku-4-5"  # a new alias from the config file
    assert session_model() == "claude-sonnet-4-6"
    assert model_table(load_config(tmp_path / "missing.toml"), env={}) == DEFAULT_ALIASES
