"""Repository input that tries to hang, flood or break the workbench: commands, skills, instruction files, hook
answers and MCP content that are not what they claim."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from workbench.core.agent.memory import load_memory
from workbench.core.commands import discover_commands
from workbench.core.hooks.config import HookCommand
from workbench.core.hooks.runner import run_hooks
from workbench.core.mcp.content import image_block, render_content
from workbench.core.skills import SkillTool, discover_skills
from workbench.core.tools.base import ToolError

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


def test_a_fifo_or_a_device_is_never_read(repo: Path) -> None:
    commands = repo / ".claude" / "commands"
    commands.mkdir(parents=True)
    os.mkfifo(commands / "wait.md")
    (commands / "zeros.md").symlink_to("/dev/zero")
    (commands / "fine.md").write_text("Fine.")
    found = discover_commands(repo)
    assert list(found.commands) == ["fine"] and len(found.problems) == 2
    os.mkfifo(repo / "CLAUDE.md")
    (repo / "AGENTS.md").symlink_to("/dev/zero")
    assert load_memory(repo).files == []


async def test_the_skill_tool_does_not_read_a_fifo(repo: Path) -> None:
    skill = repo / ".claude" / "skills" / "trap"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text("---\nname: trap\ndescription: A trap.\n---\nRead pipe.txt.")
    os.mkfifo(skill / "pipe.txt")
    with pytest.raises(ToolError, match="not a regular file"):
        await SkillTool(discover_skills(repo)).run({"skill": "trap", "file": "pipe.txt"}, None)


async def test_a_hook_answering_with_deeply_nested_json_is_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    (tmp_path / "deep.json").write_text('{"a": ' + deep + "}")
    hook = HookCommand("PreToolUse", "", f"cat {tmp_path / 'deep.json'}", 10, "test", "user")
    outcome = await run_hooks([hook], "PreToolUse", {}, workspace=tmp_path)
    assert not outcome.blocked and outcome.runs[0].outcome == "ok"


def test_an_oversized_image_is_refused_without_decoding_it() -> None:
    huge = "A" * (8 * 1024 * 1024)
    block, why = image_block(huge, "image/png")
    assert block is None and "larger than the 5 MB" in why
    rendered = render_content([{"type": "image", "data": huge, "mimeType": "image/png"}])
    assert rendered.media == [] and "not sent" in rendered.text


def test_images_past_the_count_limit_are_named_not_sent() -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(8)).decode()
    rendered = render_content([{"type": "image", "data": png, "mimeType": "image/png"}] * 10)
    assert len(rendered.media) == 8 and rendered.text.count("more than 8 images") == 2
