"""Helpers for the policy tests: a real git workspace, personas with mechanical rules, and an engine factory."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from workbench.core.approvals import Verdict
from workbench.core.personas.model import ModelRef, Persona, PolicyRule, SourceInfo, ToolGrant
from workbench.core.policy.engine import Evaluation, PolicyEngine
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.rules import RuleSet
from workbench.core.tools.base import CallPreview, ToolKind

GIT_POLICY = PolicyRule("git-approval", "ask", ("Bash(git *)", "Bash(git)"), False, 45, "NO Git operations")
MEMORY_POLICY = PolicyRule("save-memory-ask", "ask", ("SaveMemory",), False, 12, "Save Memory only on request")

KINDS = {
    "Read": ToolKind.READ,
    "LS": ToolKind.READ,
    "Glob": ToolKind.READ,
    "Grep": ToolKind.READ,
    "ReadManyFiles": ToolKind.READ,
    "Write": ToolKind.WRITE,
    "Edit": ToolKind.WRITE,
    "MultiEdit": ToolKind.WRITE,
    "Bash": ToolKind.EXEC,
    "TodoWrite": ToolKind.STATE,
    "WebFetch": ToolKind.NETWORK,
    "WebSearch": ToolKind.NETWORK,
    "SaveMemory": ToolKind.MEMORY,
    "Agent": ToolKind.DELEGATE,
}


def make_persona(policies: Iterable[PolicyRule] = (), permission_mode: str | None = None) -> Persona:
    return Persona(
        id="tester",
        name="tester",
        name_source="frontmatter",
        dialect="claude-code",
        description="test persona",
        description_examples=[],
        system_prompt="You test.",
        tools=ToolGrant("all", "none", [], [], [], [], [], [], inherit_all=True),
        model=ModelRef(None, "inherit", None),
        permission_mode=permission_mode,
        color=None,
        policies=list(policies),
        advisories=[],
        output_contract=None,
        referenced_paths=[],
        extra={},
        source=SourceInfo("tester.md", "explicit", "0" * 64),
        diagnostics=[],
    )


def preview_for(tool: str, args: dict[str, Any]) -> CallPreview:
    """What a tool's preview would report, for the calls these tests make."""
    if tool == "Bash":
        return CallPreview(summary=f"Run: {args['command']}", command=args["command"])
    if tool == "WebFetch":
        return CallPreview(summary=f"Fetch {args['url']}", url=args["url"])
    if "file_path" in args:
        return CallPreview(summary=f"{tool} {args['file_path']}", paths=(args["file_path"],), diff="--- a\n+++ b\n")
    if "path" in args:
        return CallPreview(summary=f"{tool} {args['path']}", paths=(args["path"],))
    return CallPreview(summary=tool)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "README.md").write_text("# proj\n")
    (root / ".env").write_text("API_KEY=sk-ant-api03-secretsecretsecret\n")
    (root / "config").mkdir()
    (root / "config" / ".env.production").write_text("DB_PASSWORD=hunter2\n")
    (root / ".env.example").write_text("API_KEY=\n")
    return root


EngineFactory = Callable[..., PolicyEngine]


@pytest.fixture
def engine_for(workspace: Path, tmp_path: Path) -> EngineFactory:
    def build(
        *,
        allow: Iterable[str] = (),
        ask: Iterable[str] = (),
        deny: Iterable[str] = (),
        mode: str = "default",
        persona: Persona | None = None,
        ledger: GrantLedger | None = None,
        bypass_allowed: bool = False,
    ) -> PolicyEngine:
        rules = RuleSet.from_lists(workspace=workspace, allow=allow, ask=ask, deny=deny, origin="test")
        book = ledger if ledger is not None else GrantLedger(tmp_path / "grants.json", workspace=workspace)
        return PolicyEngine(
            workspace, mode=mode, rules=rules, persona=persona, ledger=book, bypass_allowed=bypass_allowed
        )

    return build


def run(engine: PolicyEngine, tool: str, call_id: str = "call-1", **args: Any) -> Evaluation:
    return engine.evaluate(tool, KINDS.get(tool, ToolKind.EXTERNAL), args, preview_for(tool, args), call_id=call_id)


def bash(engine: PolicyEngine, command: str, call_id: str = "call-1") -> Evaluation:
    return run(engine, "Bash", call_id, command=command)


def verdicts(evaluation: Evaluation) -> list[tuple[str, Verdict]]:
    return [(s.text, s.verdict) for s in evaluation.segments]
