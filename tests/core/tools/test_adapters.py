"""Argument adapters: calls under Gemini, Codex and OpenCode names become canonical calls (docs/personas.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.core.tools.adapters import adapt_call, argv_to_command
from workbench.core.tools.base import ToolError
from workbench.core.tools.context import ToolContext
from workbench.core.tools.registry import build_registry

TABLE: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("Read", {"file_path": "a.py", "offset": 3}, "Read", {"file_path": "a.py", "offset": 3}),
    (
        "read_file",
        {"absolute_path": "/w/a.py", "offset": 0, "limit": 5},
        "Read",
        {"file_path": "/w/a.py", "offset": 1, "limit": 5},
    ),
    ("ReadFile", {"path": "a.py", "offset": 9}, "Read", {"file_path": "a.py", "offset": 10}),
    (
        "read_file",
        {"file_path": "a.py", "start_line": 10, "end_line": 19},
        "Read",
        {"file_path": "a.py", "offset": 10, "limit": 10},
    ),
    ("read", {"filePath": "a.py", "offset": 4}, "Read", {"file_path": "a.py", "offset": 5}),
    ("list_directory", {"dir_path": "src", "respect_git_ignore": True}, "LS", {"path": "src"}),
    ("ReadFolder", {"path": "src", "ignore": ["*.pyc"]}, "LS", {"path": "src", "ignore": ["*.pyc"]}),
    ("list_dir", {}, "LS", {"path": "."}),
    ("FindFiles", {"pattern": "**/*.py", "case_sensitive": False}, "Glob", {"pattern": "**/*.py"}),
    ("glob", {"pattern": "*.md", "dir_path": "docs"}, "Glob", {"pattern": "*.md", "path": "docs"}),
    (
        "search_file_content",
        {"pattern": "TODO", "include": "*.py"},
        "Grep",
        {"pattern": "TODO", "glob": "*.py", "output_mode": "content"},
    ),
    (
        "grep_search",
        {"pattern": "x", "names_only": True, "dir_path": "src"},
        "Grep",
        {"pattern": "x", "path": "src", "output_mode": "files_with_matches"},
    ),
    (
        "SearchText",
        {"pattern": "x", "case_sensitive": False, "context": 2},
        "Grep",
        {"pattern": "x", "output_mode": "content", "-i": True, "-C": 2},
    ),
    (
        "grep_files",
        {"pattern": "x", "include": "*.rs", "limit": 10},
        "Grep",
        {"pattern": "x", "glob": "*.rs", "output_mode": "content", "head_limit": 10},
    ),
    (
        "replace",
        {"file_path": "a", "old_string": "x", "new_string": "y", "instruction": "fix"},
        "Edit",
        {"file_path": "a", "old_string": "x", "new_string": "y"},
    ),
    (
        "replace",
        {"file_path": "a", "old_string": "x", "new_string": "y", "expected_replacements": 3},
        "Edit",
        {"file_path": "a", "old_string": "x", "new_string": "y", "replace_all": True, "expected_replacements": 3},
    ),
    (
        "replace",
        {"file_path": "a", "old_string": "x", "new_string": "y", "expected_replacements": 1},
        "Edit",
        {"file_path": "a", "old_string": "x", "new_string": "y"},
    ),
    (
        "Edit",
        {"file_path": "a", "old_string": "x", "new_string": "y", "allow_multiple": True},
        "Edit",
        {"file_path": "a", "old_string": "x", "new_string": "y", "replace_all": True},
    ),
    (
        "edit",
        {"filePath": "a", "oldString": "x", "newString": "y", "replaceAll": True},
        "Edit",
        {"file_path": "a", "old_string": "x", "new_string": "y", "replace_all": True},
    ),
    ("write_file", {"file_path": "a", "content": "c"}, "Write", {"file_path": "a", "content": "c"}),
    ("WriteFile", {"path": "a", "content": "c"}, "Write", {"file_path": "a", "content": "c"}),
    ("run_shell_command", {"command": "ls", "directory": "src"}, "Bash", {"command": "ls", "cwd": "src"}),
    (
        "Shell",
        {"command": "ls", "dir_path": "src", "is_background": False},
        "Bash",
        {"command": "ls", "cwd": "src", "run_in_background": False},
    ),
    (
        "shell",
        {"command": ["bash", "-lc", "git status && ls"], "workdir": "src", "timeout_ms": 5000},
        "Bash",
        {"command": "git status && ls", "cwd": "src", "timeout": 5000},
    ),
    ("shell", {"command": ["ls", "-la", "my dir"]}, "Bash", {"command": "ls -la 'my dir'"}),
    (
        "shell_command",
        {"command": "make test", "workdir": "src", "login": True, "timeout_ms": 1000},
        "Bash",
        {"command": "make test", "cwd": "src", "timeout": 1000},
    ),
    (
        "local_shell",
        {"action": {"type": "exec", "command": ["echo", "hi"], "timeout_ms": 2000, "working_directory": "src"}},
        "Bash",
        {"command": "echo hi", "cwd": "src", "timeout": 2000},
    ),
    (
        "Local Shell",
        {"action": {"command": ["bash", "-lc", "echo $A"], "env": {"A": "1"}}},
        "Bash",
        {"command": "env A=1 bash -c 'echo $A'"},
    ),
    (
        "bash",
        {"command": "ls", "workdir": "src", "timeout": 100},
        "Bash",
        {"command": "ls", "cwd": "src", "timeout": 100},
    ),
    (
        "update_plan",
        {"plan": [{"step": "Write tests", "status": "in_progress"}]},
        "TodoWrite",
        {"todos": [{"content": "Write tests", "status": "in_progress", "activeForm": "Write tests"}]},
    ),
    (
        "write_todos",
        {"todos": [{"description": "A", "status": "cancelled"}]},
        "TodoWrite",
        {"todos": [{"content": "A", "status": "completed", "activeForm": "A"}]},
    ),
    (
        "todowrite",
        {"todos": [{"content": "A", "status": "pending", "priority": "high", "id": "1"}]},
        "TodoWrite",
        {"todos": [{"content": "A", "status": "pending"}]},
    ),
    ("save_memory", {"fact": "uses tabs"}, "SaveMemory", {"fact": "uses tabs"}),
    ("Save Memory", {"fact": "uses tabs"}, "SaveMemory", {"fact": "uses tabs"}),
    (
        "web_fetch",
        {"prompt": "Summarise https://example.com/a and https://example.org/b"},
        "WebFetch",
        {"url": "https://example.com/a", "prompt": "Summarise https://example.com/a and https://example.org/b"},
    ),
    ("webfetch", {"url": "https://example.com", "format": "markdown"}, "WebFetch", {"url": "https://example.com"}),
    ("google_web_search", {"query": "textual"}, "WebSearch", {"query": "textual"}),
    ("read_many_files", {"paths": ["src"], "file_filtering_options": {}}, "ReadManyFiles", {"paths": ["src"]}),
    (
        "mcp__context7__resolve-library-id",
        {"libraryName": "x"},
        "mcp__context7__resolve-library-id",
        {"libraryName": "x"},
    ),
]


@pytest.mark.parametrize("name,args,canonical,expected", TABLE, ids=[f"{i}-{row[0]}" for i, row in enumerate(TABLE)])
def test_adapter_table(name: str, args: dict[str, Any], canonical: str, expected: dict[str, Any]) -> None:
    got_name, got_args, _notes = adapt_call(name, args)
    assert (got_name, got_args) == (canonical, expected)


def test_notes_say_what_was_lossy() -> None:
    _, _, notes = adapt_call("write_todos", {"todos": [{"description": "A", "status": "blocked"}]})
    assert any("blocked" in n for n in notes) and notes[0] == "write_todos -> TodoWrite"
    _, _, notes = adapt_call("update_plan", {"explanation": "because", "plan": []})
    assert "explanation: because" in notes
    _, _, notes = adapt_call("web_fetch", {"prompt": "see https://a.example and https://b.example"})
    assert any("first of 2" in n for n in notes)
    _, _, notes = adapt_call("shell", {"command": ["ls"], "sandbox_permissions": "require_escalated"})
    assert any("escalation" in n for n in notes)
    assert adapt_call("Read", {"file_path": "a"})[2] == []


@pytest.mark.parametrize(
    "name,args,message",
    [
        ("Image Generator", {}, "not available"),
        ("NotebookEdit", {}, "not available"),
        ("frobnicate", {}, "unknown tool"),
        ("local_shell", {"action": {"command": ["id"], "user": "root"}}, "refused"),
        ("shell", {"command": [1, 2]}, "list of strings"),
        ("web_fetch", {"prompt": "no links here"}, "needs a URL"),
        ("update_plan", {"plan": "not a list"}, "must be a list"),
    ],
)
def test_adapter_refusals(name: str, args: dict[str, Any], message: str) -> None:
    with pytest.raises(ToolError, match=message):
        adapt_call(name, args)


def test_argv_to_command() -> None:
    assert argv_to_command(["bash", "-lc", "a | b"]) == "a | b"
    assert argv_to_command(["/bin/sh", "-c", "x"]) == "x"
    assert argv_to_command(["git", "commit", "-m", "it's"]) == "git commit -m 'it'\"'\"'s'"
    assert argv_to_command("plain") == "plain"


async def test_adapted_gemini_read_runs(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("zero\none\ntwo\n")
    name, args, _ = adapt_call("read_file", {"absolute_path": str(tmp_path / "f.txt"), "offset": 1, "limit": 1})
    tool = build_registry().get(name)
    assert tool is not None
    result = await tool.run(args, ToolContext(tmp_path))
    assert result.content.startswith("     2\tone")


async def test_adapted_codex_plan_runs(tmp_path: Path) -> None:
    name, args, _ = adapt_call(
        "update_plan", {"plan": [{"step": "a", "status": "completed"}, {"step": "b", "status": "pending"}]}
    )
    tool = build_registry().get(name)
    assert tool is not None
    result = await tool.run(args, ToolContext(tmp_path))
    assert result.meta["plan"][0] == {"content": "a", "status": "completed", "active_form": "a"}
