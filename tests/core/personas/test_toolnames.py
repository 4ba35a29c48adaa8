"""The tool alias table (docs/personas.md, "Tool names and grants") and Claude Code's list splitting."""

from __future__ import annotations

import pytest

from workbench.core.toolnames import (
    CANONICAL_TOOLS,
    lookup,
    normalize_mcp_name,
    split_body_list,
    split_tool_list,
)

pytestmark = pytest.mark.timeout(10)

SEED_NAMES = {
    "Read": "Read",
    "Write": "Write",
    "Edit": "Edit",
    "MultiEdit": "MultiEdit",
    "Bash": "Bash",
    "Grep": "Grep",
    "Glob": "Glob",
    "LS": "LS",
    "WebSearch": "WebSearch",
    "WebFetch": "WebFetch",
    "TodoWrite": "TodoWrite",
    "Task": "Agent",
    "FindFiles": "Glob",
    "ReadFolder": "LS",
    "ReadFile": "Read",
    "ReadManyFiles": "ReadManyFiles",
    "SearchText": "Grep",
    "WriteFile": "Write",
    "Shell": "Bash",
    "Local Shell": "Bash",
    "update_plan": "TodoWrite",
    "Save Memory": "SaveMemory",
    "GoogleSearch": "WebSearch",
}
OTHER_NAMES = {
    "read_file": "Read",
    "list_directory": "LS",
    "glob": "Glob",
    "search_file_content": "Grep",
    "grep_search": "Grep",
    "replace": "Edit",
    "write_file": "Write",
    "run_shell_command": "Bash",
    "save_memory": "SaveMemory",
    "web_fetch": "WebFetch",
    "google_web_search": "WebSearch",
    "write_todos": "TodoWrite",
    "read_many_files": "ReadManyFiles",
    "shell": "Bash",
    "shell_command": "Bash",
    "local_shell": "Bash",
    "list_dir": "LS",
    "grep_files": "Grep",
    "bash": "Bash",
    "edit": "Edit",
    "write": "Write",
    "read": "Read",
    "grep": "Grep",
    "list": "LS",
    "todowrite": "TodoWrite",
    "webfetch": "WebFetch",
    "websearch": "WebSearch",
    "task": "Agent",
}


def test_canonical_set_and_order() -> None:
    assert CANONICAL_TOOLS == [
        "Read",
        "LS",
        "Glob",
        "Grep",
        "ReadManyFiles",
        "Write",
        "Edit",
        "MultiEdit",
        "Bash",
        "TodoWrite",
        "WebFetch",
        "WebSearch",
        "SaveMemory",
        "Agent",
    ]


@pytest.mark.parametrize(("name", "canonical"), sorted({**SEED_NAMES, **OTHER_NAMES}.items()))
def test_every_alias_resolves(name: str, canonical: str) -> None:
    found = lookup(name)
    assert found is not None and found.kind == "builtin" and found.canonical == canonical


@pytest.mark.parametrize("name", ["READ", "  read ", "Local  Shell", "save memory", "SAVE_MEMORY", "web_search"])
def test_lookup_ignores_case_and_spacing(name: str) -> None:
    assert lookup(name) is not None


@pytest.mark.parametrize("name", ["Image Generator", "NotebookEdit", "KillShell", "BashOutput", "apply_patch"])
def test_unsupported_names_say_why(name: str) -> None:
    found = lookup(name)
    assert found is not None and found.kind == "unsupported" and found.canonical is None and found.reason


@pytest.mark.parametrize("name", ["Frobnicate", "", "   ", "Grepp", "mcp__"])
def test_unknown_names(name: str) -> None:
    assert lookup(name) is None


def test_specifier_is_kept_apart() -> None:
    found = lookup("Bash(git status:*)")
    assert found is not None
    assert (found.canonical, found.specifier, found.rule) == ("Bash", "git status:*", "Bash(git status:*)")
    shell = lookup("Shell(npm test)")
    assert shell is not None and shell.rule == "Bash(npm test)"


@pytest.mark.parametrize(
    ("name", "canonical", "server", "tool"),
    [
        ("mcp__srv", "mcp__srv", "srv", None),
        ("mcp__srv__*", "mcp__srv__*", "srv", "*"),
        ("mcp__context7__resolve-library-id", "mcp__context7__resolve-library-id", "context7", "resolve-library-id"),
        ("mcp__my.server__do it", "mcp__my_server__do_it", "my_server", "do_it"),
        ("mcp_files_read_text", "mcp__files__read_text", "files", "read_text"),
    ],
)
def test_mcp_forms(name: str, canonical: str, server: str, tool: str | None) -> None:
    found = lookup(name)
    assert found is not None and found.kind == "mcp"
    assert (found.canonical, found.server, found.tool) == (canonical, server, tool)


def test_gemini_mcp_form_prefers_a_configured_server_name() -> None:
    found = lookup("mcp_my_server_search", servers=["my_server"])
    assert found is not None and (found.server, found.tool) == ("my_server", "search")


def test_normalize_mcp_name() -> None:
    assert normalize_mcp_name("my server", "get/docs") == "mcp__my_server__get_docs"
    assert normalize_mcp_name("context7", "resolve-library-id") == "mcp__context7__resolve-library-id"


def test_claude_code_list_splitting() -> None:
    assert split_tool_list("Read, Grep,Glob  Bash") == ["Read", "Grep", "Glob", "Bash"]
    assert split_tool_list("Bash(git commit:*), Agent(a, b) Read") == ["Bash(git commit:*)", "Agent(a, b)", "Read"]
    assert split_tool_list("Local Shell") == ["Local", "Shell"]
    assert split_tool_list("[Read, 'Write']") == ["Read", "Write"]
    assert split_tool_list("") == []


def test_body_lists_keep_backticked_tokens_whole() -> None:
    assert split_body_list("`Shell`, `Local Shell`, `update_plan` (describe commands)") == [
        "Shell",
        "Local Shell",
        "update_plan",
    ]
    assert split_body_list("Read, Grep, Glob") == ["Read", "Grep", "Glob"]
