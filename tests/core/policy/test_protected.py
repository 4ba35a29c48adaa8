"""Control files and hard links through the engine: every tool and every mode asks, the reason names the file,
and nothing is remembered wider than that one file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.core.policy.conftest import EngineFactory, bash, run
from workbench.core.approvals import Decision, Scope, Verdict

A, Q, D = Verdict.ALLOW, Verdict.ASK, Verdict.DENY
CONTROL = [
    ".mcp.json",
    ".envrc",
    "sub/.envrc",
    ".claude/commands/deploy.md",
    "sub/.claude/agents/reviewer.md",
    ".gemini/agents/code-reviewer.md",
    ".opencode/agent/code-reviewer.md",
    ".opencode/agents/code-reviewer.md",
    ".husky/pre-commit",
    ".pre-commit-config.yaml",
    "lefthook.yml",
    "mise.toml",
    ".vscode/tasks.json",
    ".git/hooks/pre-commit",
    ".git/info/attributes",
    "vendor/lib/.git/config",
    "githooks/post-checkout",
]
MODES = [("default", False), ("acceptEdits", False), ("bypassPermissions", True)]


@pytest.fixture
def hooks(workspace: Path) -> Path:
    subprocess.run(["git", "config", "core.hooksPath", "githooks"], cwd=workspace, check=True)
    return workspace


@pytest.mark.parametrize("path", CONTROL)
@pytest.mark.parametrize(("mode", "bypass"), MODES)
def test_file_tools_ask_for_control_files_in_every_mode(
    engine_for: EngineFactory, hooks: Path, path: str, mode: str, bypass: bool
) -> None:
    engine = engine_for(mode=mode, bypass_allowed=bypass, allow=["Edit", "Edit(./**)", "Edit(.mcp.json)"])
    for tool in ("Write", "Edit", "MultiEdit"):
        evaluation = run(engine, tool, file_path=path, content="x")
        assert evaluation.verdict is Q, (tool, path, mode, evaluation.reason)
        name = path.split("/")[-1] if path.endswith((".json", ".envrc", ".yaml", ".yml", ".toml")) else path
        assert name.split("/")[0] in evaluation.reason or path.split("/")[0] in evaluation.reason


@pytest.mark.parametrize(
    "command",
    [
        "echo '{}' > .mcp.json",
        "tee .vscode/tasks.json < README.md",
        "cp README.md .gemini/agents/x.md",
        "ln -s ../evil .husky/pre-commit",
        "mv README.md .envrc",
        "printf 'repos: []' > .pre-commit-config.yaml",
        "sed -i s/a/b/ .claude/commands/x.md",
        "touch githooks/pre-push",
        "rm -rf .git/hooks",
        "git config core.hooksPath .",
    ],
)
def test_shell_writes_to_control_files_ask_in_every_mode(engine_for: EngineFactory, hooks: Path, command: str) -> None:
    for mode, bypass in MODES:
        engine = engine_for(mode=mode, bypass_allowed=bypass, allow=["Bash"])
        evaluation = bash(engine, command)
        assert evaluation.verdict is Q, (mode, command, evaluation.reason)
        assert evaluation.request is not None and not evaluation.request.rememberable


def test_an_always_answer_covers_that_one_control_file(engine_for: EngineFactory, workspace: Path) -> None:
    engine = engine_for(mode="acceptEdits")
    request = run(engine, "Write", file_path=".mcp.json", content="{}").request
    assert request is not None and request.proposals[str(Scope.PROJECT)] == "Edit(./.mcp.json)"
    engine.apply(request, Decision(allow=True, scope=Scope.SESSION))
    assert run(engine, "Write", file_path=".mcp.json", content="{}").verdict is A
    assert run(engine, "Write", file_path="sub/.mcp.json", content="{}").verdict is Q
    assert run(engine, "Write", file_path=".envrc", content="x").verdict is Q
    with pytest.raises(ValueError, match="only"):
        engine.apply(request, Decision(allow=True, scope=Scope.SESSION, pattern="Edit(./**)"))


def test_only_an_exact_rule_allows_a_control_file(engine_for: EngineFactory) -> None:
    assert run(engine_for(allow=["Edit(./.mcp.json)"]), "Write", file_path=".mcp.json", content="x").verdict is A
    for rule in ("Edit", "Edit(./**)", "Edit(.mcp.json)", "Edit(./.m*)", "Edit(./.claude)"):
        engine = engine_for(allow=[rule])
        assert run(engine, "Write", file_path=".mcp.json", content="x").verdict is Q, rule
        assert run(engine, "Write", file_path=".claude/settings.local.json", content="x").verdict is Q, rule
    assert run(engine_for(allow=["Edit(./src/**)"]), "Write", file_path="src/app.py", content="x").verdict is A


def test_writes_through_a_hard_link_ask_and_are_never_remembered(
    engine_for: EngineFactory, workspace: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "shared.txt"
    outside.write_text("keep\n")
    os.link(outside, workspace / "notes.txt")
    for mode, bypass in MODES:
        engine = engine_for(mode=mode, bypass_allowed=bypass, allow=["Edit", "Bash(echo:*)", "Bash(cp:*)"])
        evaluation = run(engine, "Write", file_path="notes.txt", content="x")
        assert evaluation.verdict is Q and "hard link" in evaluation.reason, mode
        assert evaluation.request is not None and not evaluation.request.rememberable
        for command in ("echo x >> notes.txt", "cp README.md notes.txt"):
            evaluation = bash(engine, command)
            assert evaluation.verdict is Q and "hard link" in evaluation.reason, (mode, command)
    assert bash(engine_for(allow=["Bash(rm:*)"]), "rm notes.txt").verdict is A  # removing a name changes no file
