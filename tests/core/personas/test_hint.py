"""The first frame's persona hint: it holds only while nothing discovery read has changed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from workbench import paths
from workbench.core.personas.hint import PersonaHint, fingerprint, read_hint, write_hint

HINT = PersonaHint(id="reviewer", name="reviewer", color="green", model="claude-sonnet-5-5")


@pytest.fixture
def repo(tmp_path: Path, isolated_env: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".claude" / "agents").mkdir(parents=True)
    (root / ".claude" / "agents" / "reviewer.md").write_text("---\nname: reviewer\n---\nReview.\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def test_a_hint_holds_while_nothing_changed(repo: Path) -> None:
    write_hint(repo, HINT, fingerprint(repo))
    assert read_hint(repo) == HINT
    write_hint(repo, None, fingerprint(repo))
    assert read_hint(repo) is None


@pytest.mark.parametrize(
    "change",
    ["edit the persona", "add a persona closer", "add a user persona", "config", "model environment", "extra file"],
)
def test_any_change_discovery_would_see_drops_the_hint(
    repo: Path, change: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_hint(repo, HINT, fingerprint(repo))
    persona = repo / ".claude" / "agents" / "reviewer.md"
    extra: list[str] = []
    if change == "edit the persona":
        persona.write_text("---\nname: reviewer\nmodel: opus\n---\nReview.\n")
    elif change == "add a persona closer":
        (repo / ".claude" / "agents" / "a-first.md").write_text("---\nname: first\n---\nFirst.\n")
    elif change == "add a user persona":
        user = paths.user_home() / ".claude" / "agents"
        user.mkdir(parents=True, exist_ok=True)
        (user / "mine.md").write_text("---\nname: mine\n---\nMine.\n")
    elif change == "config":
        paths.config_file().parent.mkdir(parents=True, exist_ok=True)
        paths.config_file().write_text('[models]\nsonnet = "claude-sonnet-9"\n')
    elif change == "model environment":
        monkeypatch.setenv("ANTHROPIC_DEFAULT_SONNET_MODEL", "claude-sonnet-9")
    else:
        named = tmp_path / "named.md"
        named.write_text("---\nname: named\n---\nNamed.\n")
        extra.append(str(named))
    assert read_hint(repo, extra) is None


def test_a_change_while_discovery_runs_is_not_hidden_by_the_hint(repo: Path) -> None:
    taken = fingerprint(repo)  # taken before discovery reads the files
    persona = repo / ".claude" / "agents" / "reviewer.md"
    persona.write_text("---\nname: renamed\n---\nReview.\n")  # changed while it ran
    os.utime(persona, ns=(1, 1))
    write_hint(repo, HINT, taken)
    assert read_hint(repo) is None


def test_a_damaged_hint_file_is_ignored(repo: Path) -> None:
    write_hint(repo, HINT, fingerprint(repo))
    target = paths.project_state_dir(repo) / "persona-hint.json"
    target.write_text("{not json")
    assert read_hint(repo) is None
    target.write_text('{"fingerprint": "x", "hint": []}')
    assert read_hint(repo) is None
