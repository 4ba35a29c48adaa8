"""Rule strings -> decisions, from Claude Code's documented examples and the attack cases of issue 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.core.policy.conftest import EngineFactory, run
from workbench.core.approvals import Verdict

A, Q, D = Verdict.ALLOW, Verdict.ASK, Verdict.DENY
NONE: tuple[str, ...] = ()

# (allow, ask, deny, tool, input, expected)
TABLE: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str, dict[str, Any], Verdict]] = [
    # Bash: exact, glob with a word boundary at " *", legacy ":*"
    (("Bash(npm run build)",), NONE, NONE, "Bash", {"command": "npm run build"}, A),
    (("Bash(npm run build)",), NONE, NONE, "Bash", {"command": "npm run build --prod"}, Q),
    (("Bash(npm run test *)",), NONE, NONE, "Bash", {"command": "npm run test"}, A),
    (("Bash(npm run test *)",), NONE, NONE, "Bash", {"command": "npm run test --watch"}, A),
    (("Bash(npm run test *)",), NONE, NONE, "Bash", {"command": "npm run testing"}, Q),
    (("Bash(npm run test:*)",), NONE, NONE, "Bash", {"command": "npm run test -- --coverage"}, A),
    (("Bash(npm run test:*)",), NONE, NONE, "Bash", {"command": "npm run test:unit"}, Q),
    (("Bash(make *)",), NONE, NONE, "Bash", {"command": "make"}, A),
    (("Bash(make *)",), NONE, NONE, "Bash", {"command": "make build"}, A),
    (("Bash(make *)",), NONE, NONE, "Bash", {"command": "makefoo build"}, Q),
    (("Bash(make*)",), NONE, NONE, "Bash", {"command": "makefoo build"}, A),
    (("Bash(* --version)",), NONE, NONE, "Bash", {"command": "node --version"}, A),
    (("Bash(* --version)",), NONE, NONE, "Bash", {"command": "node --help"}, Q),
    (("Bash(git * main)",), NONE, NONE, "Bash", {"command": "git checkout main"}, A),
    (("Bash(git * main)",), NONE, NONE, "Bash", {"command": "git push origin main"}, A),
    (("Bash(git * main)",), NONE, NONE, "Bash", {"command": "git checkout dev"}, Q),
    (("Bash(curl http://site.com/:*)",), NONE, NONE, "Bash", {"command": "curl http://site.com/x"}, Q),
    (("Bash(curl http://site.com/:*)",), NONE, NONE, "Bash", {"command": "curl http://site.com/ -o x"}, A),
    # compound commands: every segment must match
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "npm test && rm -rf /tmp/x"}, Q),
    (("Bash(npm test:*)", "Bash(rm -rf ./tmp)"), NONE, NONE, "Bash", {"command": "npm test && rm -rf ./tmp"}, A),
    (("Bash(safe-cmd:*)",), NONE, NONE, "Bash", {"command": "safe-cmd; other-cmd"}, Q),
    (("Bash(safe-cmd:*)",), NONE, NONE, "Bash", {"command": "safe-cmd | other-cmd"}, Q),
    (("Bash(safe-cmd:*)",), NONE, NONE, "Bash", {"command": "safe-cmd & other-cmd"}, Q),
    (("Bash(safe-cmd:*)",), NONE, NONE, "Bash", {"command": "safe-cmd\nother-cmd"}, Q),
    (("Bash(safe-cmd:*)",), NONE, NONE, "Bash", {"command": "safe-cmd $(other-cmd)"}, Q),
    # wrappers: harmless ones are stripped for allow rules; sudo and unsafe variables are not
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "timeout 30 npm test"}, A),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "nohup nice -n 5 npm test"}, A),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "NODE_ENV=test npm test"}, A),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "sudo npm test"}, Q),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "LD_PRELOAD=/tmp/x.so npm test"}, Q),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "env PATH=/tmp npm test"}, Q),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "echo x | xargs npm test"}, A),
    (("Bash(make:*)",), NONE, NONE, "Bash", {"command": "CC='sh -c evil' make"}, Q),
    (("Bash(pytest:*)",), NONE, NONE, "Bash", {"command": "PYTEST_ADDOPTS='-p evil' pytest"}, Q),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "npm_config_script_shell=/tmp/x npm test"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "GIT_PAGER=cat git log -3"}, A),
    (NONE, NONE, NONE, "Bash", {"command": "GIT_PAGER='sh -c evil' git log"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "LC_ALL=C sort README.md"}, A),
    (NONE, NONE, NONE, "Bash", {"command": "RIPGREP_CONFIG_PATH=./rc rg TODO"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "printf -v name x"}, Q),
    (("Bash(npm test:*)",), NONE, NONE, "Bash", {"command": "echo x | xargs -I{} npm test {}"}, Q),
    # redirections: inside the workspace an allow rule covers them; outside or into .git it asks
    (("Bash(python:*)",), NONE, NONE, "Bash", {"command": "python script.py > output.txt"}, A),
    (("Bash(echo:*)",), NONE, NONE, "Bash", {"command": "echo key >> ~/.ssh/authorized_keys"}, Q),
    (("Bash(echo:*)",), NONE, NONE, "Bash", {"command": "echo x > .git/hooks/pre-commit"}, Q),
    # deny rules see through everything
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "rm -rf build"}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "true && rm file"}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "/bin/rm -rf x"}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "sudo -u root rm -rf x"}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "echo $(rm -rf x)"}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": 'bash -c "rm -rf x"'}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "find . -name '*.o' -exec rm {} \\;"}, D),
    (NONE, NONE, ("Bash(rm *)",), "Bash", {"command": "'r''m' -rf x"}, D),
    (NONE, NONE, ("Bash(curl *)",), "Bash", {"command": "cat urls.txt | xargs curl"}, D),
    (("Bash(aws s3 ls)",), NONE, ("Bash(aws *)",), "Bash", {"command": "aws s3 ls"}, D),
    (("Bash(git push origin main)",), ("Bash(git push *)",), NONE, "Bash", {"command": "git push origin main"}, Q),
    (NONE, NONE, ("Bash",), "Bash", {"command": "ls"}, D),
    (("Bash",), NONE, NONE, "Bash", {"command": "rm -rf x"}, A),
    (("Bash(*)",), NONE, NONE, "Bash", {"command": "rm -rf x"}, A),
    # the built-in read-only set, dangerous flags and secrets
    (NONE, NONE, NONE, "Bash", {"command": "ls -la src"}, A),
    (NONE, NONE, NONE, "Bash", {"command": "git status && git log --oneline -5 | head -3"}, A),
    (NONE, NONE, NONE, "Bash", {"command": "git push"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "find . -name x -delete"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "rg --pre cat TODO"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "git -c core.pager=evil log"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "sort -o out.txt README.md"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "ls > listing.txt"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "cat /etc/passwd"}, Q),
    (NONE, NONE, NONE, "Bash", {"command": "cat .env"}, D),
    (NONE, NONE, NONE, "Bash", {"command": "grep KEY .env"}, D),
    (NONE, NONE, NONE, "Bash", {"command": "wc -l < .env"}, D),
    (("Read(./.env)",), NONE, NONE, "Bash", {"command": "cat .env"}, A),
    # Read and Edit: gitignore-style patterns
    (NONE, NONE, NONE, "Read", {"file_path": "src/app.py"}, A),
    (NONE, NONE, NONE, "Read", {"file_path": ".env"}, D),
    (NONE, NONE, NONE, "Read", {"file_path": ".env.example"}, A),
    (("Read(./.env)",), NONE, NONE, "Read", {"file_path": ".env"}, A),
    (NONE, NONE, ("Read(./src/**)",), "Read", {"file_path": "src/app.py"}, D),
    (NONE, NONE, ("Read(*.py)",), "Read", {"file_path": "src/app.py"}, D),
    (NONE, NONE, ("Read(/src/*.py)",), "Read", {"file_path": "src/app.py"}, D),
    (NONE, NONE, ("Read(./src)",), "Read", {"file_path": "src/app.py"}, D),
    (NONE, NONE, ("Read(//{ws}/src/**)",), "Read", {"file_path": "src/app.py"}, D),
    (NONE, NONE, ("Read(./docs/**)",), "Read", {"file_path": "src/app.py"}, A),
    (NONE, ("Read(./README.md)",), NONE, "Read", {"file_path": "README.md"}, Q),
    (NONE, NONE, ("Read",), "Grep", {"path": "."}, D),
    (NONE, NONE, ("Read(./config/**)",), "Glob", {"path": "config"}, D),
    (NONE, NONE, NONE, "Edit", {"file_path": "src/app.py"}, Q),
    (("Edit(src/**)",), NONE, NONE, "Edit", {"file_path": "src/app.py"}, A),
    (("Edit(src/**)",), NONE, NONE, "Write", {"file_path": "src/app.py"}, A),
    (("Edit(src/**)",), NONE, NONE, "Edit", {"file_path": "README.md"}, Q),
    (("Write(src/**)",), NONE, NONE, "Write", {"file_path": "src/app.py"}, Q),
    (NONE, NONE, ("Edit",), "MultiEdit", {"file_path": "src/app.py"}, D),
    (("Edit(src/**)",), NONE, NONE, "Edit", {"file_path": "../outside.py"}, Q),
    # WebFetch, MCP, Agent, the rest
    (NONE, NONE, NONE, "WebFetch", {"url": "https://example.com/a"}, Q),
    (("WebFetch(domain:example.com)",), NONE, NONE, "WebFetch", {"url": "https://example.com/a"}, A),
    (("WebFetch(domain:example.com)",), NONE, NONE, "WebFetch", {"url": "https://evil.com/example.com"}, Q),
    (("WebFetch(domain:*.example.com)",), NONE, NONE, "WebFetch", {"url": "https://docs.example.com/"}, A),
    (NONE, NONE, ("WebFetch",), "WebFetch", {"url": "https://example.com/"}, D),
    (NONE, NONE, NONE, "mcp__github__create_issue", {"title": "x"}, Q),
    (("mcp__github",), NONE, NONE, "mcp__github__create_issue", {"title": "x"}, A),
    (("mcp__github__*",), NONE, NONE, "mcp__github__create_issue", {"title": "x"}, A),
    (("mcp__github__create_issue",), NONE, NONE, "mcp__github__delete_repo", {"name": "x"}, Q),
    (NONE, NONE, ("mcp__*",), "mcp__github__create_issue", {"title": "x"}, D),
    (("mcp__*",), NONE, NONE, "mcp__github__create_issue", {"title": "x"}, Q),
    (("mcp__git",), NONE, NONE, "mcp__github__create_issue", {"title": "x"}, Q),
    (NONE, NONE, NONE, "Agent", {"subagent_type": "reviewer", "prompt": "p", "description": "d"}, A),
    (NONE, NONE, ("Agent(reviewer)",), "Agent", {"subagent_type": "reviewer", "prompt": "p", "description": "d"}, D),
    (NONE, NONE, ("Task(reviewer)",), "Agent", {"subagent_type": "reviewer", "prompt": "p", "description": "d"}, D),
    (NONE, NONE, ("Agent(reviewer)",), "Agent", {"subagent_type": "writer", "prompt": "p", "description": "d"}, A),
    (NONE, NONE, NONE, "TodoWrite", {"todos": []}, A),
    (("SaveMemory",), NONE, NONE, "SaveMemory", {"fact": "x"}, Q),
    (NONE, NONE, ("SaveMemory",), "SaveMemory", {"fact": "x"}, D),
]


def _fill(rules: tuple[str, ...], workspace: Path) -> tuple[str, ...]:
    real = str(workspace.resolve()).lstrip("/")
    return tuple(r.replace("{ws}", real) for r in rules)


@pytest.mark.parametrize(
    ("allow", "ask", "deny", "tool", "args", "expected"),
    TABLE,
    ids=[f"{i:02d}-{row[3]}-{next(iter(row[4].values()), '')!s:.40}" for i, row in enumerate(TABLE)],
)
def test_rule_table(
    engine_for: EngineFactory,
    workspace: Path,
    allow: tuple[str, ...],
    ask: tuple[str, ...],
    deny: tuple[str, ...],
    tool: str,
    args: dict[str, Any],
    expected: Verdict,
) -> None:
    engine = engine_for(allow=_fill(allow, workspace), ask=_fill(ask, workspace), deny=_fill(deny, workspace))
    evaluation = run(engine, tool, **args)
    why = (evaluation.reason, [(s.text, s.verdict, s.reason) for s in evaluation.segments])
    assert evaluation.verdict is expected, why
    assert (evaluation.request is not None) == (expected is Verdict.ASK)


def test_table_is_large_enough() -> None:
    assert len(TABLE) >= 60
