"""Project trust: asked once per project, remembered in the user's config folder."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from workbench.config import load_config
from workbench.core.mcp.integration import trust_question
from workbench.core.mcp.trust import decision, is_trusted, set_trusted, trust_file


def test_unknown_project_is_not_trusted(project: Path) -> None:
    assert decision(project) is None
    assert not is_trusted(project)


def test_answer_is_remembered_per_project(tmp_path: Path, project: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    set_trusted(project, True)
    assert is_trusted(project) and decision(project) is True
    assert not is_trusted(other) and decision(other) is None
    set_trusted(other, False)
    assert decision(other) is False and not is_trusted(other)
    data = json.loads(trust_file().read_text())
    assert data["projects"][str(project.resolve())]["trusted"] is True
    assert stat.S_IMODE(trust_file().stat().st_mode) == 0o600
    set_trusted(project, False)
    assert not is_trusted(project)


def test_same_project_through_a_symlink(tmp_path: Path, project: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(project)
    set_trusted(link, True)
    assert is_trusted(project)


def test_corrupt_store_means_untrusted(project: Path) -> None:
    trust_file().parent.mkdir(parents=True, exist_ok=True)
    trust_file().write_text("{broken")
    assert not is_trusted(project)
    set_trusted(project, True)  # rewrites a usable store
    assert is_trusted(project)


def test_config_file_list_adds_trust(tmp_path: Path, project: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(f'[mcp]\ntrusted_projects = ["{project}"]\n')
    assert is_trusted(project, config=load_config(config_file))
    assert not is_trusted(tmp_path, config=load_config(config_file))


def test_trust_question_is_asked_once(project: Path) -> None:
    assert trust_question(project) is None  # no .mcp.json: nothing to ask
    (project / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"docs": {"command": "npx", "args": ["-y", "docs-server"]}}})
    )
    question = trust_question(project)
    assert question is not None
    assert question.lines() == ["docs: npx -y docs-server"]
    set_trusted(project, False)
    assert trust_question(project) is None  # answered (no): not asked again
    set_trusted(project, True)
    assert trust_question(project) is None
