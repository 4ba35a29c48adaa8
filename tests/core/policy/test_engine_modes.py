"""Modes, file tools, secrets through Read/Grep/Glob, persona restrictions, SaveMemory, and remembered grants."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.policy.conftest import GIT_POLICY, MEMORY_POLICY, EngineFactory, bash, make_persona, run
from workbench.core.approvals import Decision, Scope, Verdict
from workbench.core.personas.loader import load_persona_file
from workbench.core.policy.engine import tighten
from workbench.core.tools.base import CallPreview, ToolKind

A, Q, D = Verdict.ALLOW, Verdict.ASK, Verdict.DENY

CALLS = {
    "read": ("Read", {"file_path": "src/app.py"}),
    "edit": ("Edit", {"file_path": "src/app.py"}),
    "write-git": ("Write", {"file_path": ".git/hooks/pre-commit"}),
    "edit-outside": ("Edit", {"file_path": "../elsewhere.py"}),
    "bash-readonly": ("Bash", {"command": "ls -la"}),
    "bash": ("Bash", {"command": "npm test"}),
    "fetch": ("WebFetch", {"url": "https://example.com/"}),
    "todo": ("TodoWrite", {"todos": []}),
    "memory": ("SaveMemory", {"fact": "likes tabs"}),
    "mcp": ("mcp__db__query", {"sql": "select 1"}),
    "secret": ("Read", {"file_path": ".env"}),
}

EXPECTED = {
    "default": {"read": A, "edit": Q, "write-git": Q, "edit-outside": Q, "bash-readonly": A, "bash": Q,
                "fetch": Q, "todo": A, "memory": Q, "mcp": Q, "secret": D},
    "acceptEdits": {"read": A, "edit": A, "write-git": Q, "edit-outside": Q, "bash-readonly": A, "bash": Q,
                    "fetch": Q, "todo": A, "memory": Q, "mcp": Q, "secret": D},
    "plan": {"read": A, "edit": D, "write-git": D, "edit-outside": D, "bash-readonly": A, "bash": D,
             "fetch": D, "todo": A, "memory": D, "mcp": D, "secret": D},
    "dontAsk": {"read": A, "edit": D, "write-git": D, "edit-outside": D, "bash-readonly": A, "bash": D,
                "fetch": D, "todo": A, "memory": D, "mcp": D, "secret": D},
    "bypassPermissions": {"read": A, "edit": A, "write-git": Q, "edit-outside": Q, "bash-readonly": A,
                          "bash": A, "fetch": A, "todo": A, "memory": Q, "mcp": A, "secret": D},
}  # fmt: skip


@pytest.mark.parametrize("mode", list(EXPECTED))
@pytest.mark.parametrize("call", list(CALLS))
def test_modes(engine_for: EngineFactory, mode: str, call: str) -> None:
    engine = engine_for(mode=mode, bypass_allowed=True)
    tool, args = CALLS[call]
    evaluation = run(engine, tool, **args)
    assert evaluation.verdict is EXPECTED[mode][call], evaluation.reason


def test_plan_mode_denies_even_allowed_commands(engine_for: EngineFactory) -> None:
    engine = engine_for(mode="plan", allow=["Bash(npm test:*)", "Edit(src/**)"])
    assert bash(engine, "npm test").verdict is D
    assert run(engine, "Edit", file_path="src/app.py").verdict is D
    assert "plan mode" in bash(engine, "npm test").reason


def test_bypass_only_from_the_users_flag(engine_for: EngineFactory) -> None:
    with pytest.raises(ValueError, match="user's own flag"):
        engine_for(mode="bypassPermissions")
    with pytest.raises(ValueError, match="unknown permission mode"):
        engine_for(mode="yolo")
    persona = make_persona(permission_mode="bypassPermissions")
    engine = engine_for(persona=persona)
    assert engine.mode == "default"
    assert bash(engine, "npm test").verdict is Q


def test_persona_permission_mode_only_tightens(engine_for: EngineFactory) -> None:
    assert engine_for(mode="acceptEdits", persona=make_persona(permission_mode="plan")).mode == "plan"
    assert engine_for(mode="plan", persona=make_persona(permission_mode="acceptEdits")).mode == "plan"
    assert tighten("bypassPermissions", "default") == "default"
    assert tighten("default", "bypassPermissions") == "default"
    assert tighten("dontAsk", "default") == "dontAsk"


def test_deny_and_secret_rules_hold_under_bypass(engine_for: EngineFactory) -> None:
    engine = engine_for(mode="bypassPermissions", bypass_allowed=True, deny=["Bash(rm *)"])
    assert bash(engine, "rm -rf src").verdict is D
    assert bash(engine, "cat .env").verdict is D
    assert run(engine, "Read", file_path=".env").verdict is D


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("Read", {"file_path": ".env"}),
        ("Read", {"file_path": "config/.env.production"}),
        ("Read", {"file_path": "src/../.env"}),
        ("Grep", {"path": ".env"}),
        ("Glob", {"path": "config/.env.production"}),
        ("LS", {"path": ".env"}),
        ("ReadManyFiles", {"path": ".env"}),
    ],
)
def test_secret_files_are_denied_through_every_read_tool(
    engine_for: EngineFactory, tool: str, args: dict[str, str]
) -> None:
    evaluation = run(engine_for(allow=["Read"]), tool, **args)
    assert evaluation.verdict is D
    assert "secret" in evaluation.reason


def test_a_symlink_to_a_secret_is_a_secret(engine_for: EngineFactory, workspace: Path) -> None:
    (workspace / "notes.txt").symlink_to(workspace / ".env")
    assert run(engine_for(), "Read", file_path="notes.txt").verdict is D


def test_explicit_read_rule_allows_a_secret(engine_for: EngineFactory) -> None:
    engine = engine_for(allow=["Read(./config/.env.production)"])
    assert run(engine, "Read", file_path="config/.env.production").verdict is A
    assert run(engine, "Read", file_path=".env").verdict is D


def test_reads_outside_the_workspace_ask(engine_for: EngineFactory, workspace: Path) -> None:
    evaluation = run(engine_for(), "Read", file_path="../proj_evil/x.txt")
    assert evaluation.verdict is Q
    assert evaluation.request is not None
    real = str((workspace.parent / "proj_evil" / "x.txt").resolve())
    assert evaluation.request.proposals[str(Scope.SESSION)] == f"Read(/{real})"


def test_save_memory_asks_every_time_and_is_never_remembered(engine_for: EngineFactory) -> None:
    engine = engine_for(persona=make_persona([MEMORY_POLICY]), allow=["SaveMemory"])
    evaluation = run(engine, "SaveMemory", fact="x")
    assert evaluation.verdict is Q
    request = evaluation.request
    assert request is not None and not request.rememberable and request.proposals == {}
    assert engine.apply(request, Decision(allow=True, scope=Scope.SESSION)).scope is Scope.ONCE
    assert run(engine, "SaveMemory", fact="x").verdict is Q
    assert engine.ledger.list() == []


def test_edit_request_carries_the_diff_and_an_exact_path_pattern(engine_for: EngineFactory) -> None:
    engine = engine_for()
    evaluation = run(engine, "Edit", file_path="src/app.py")
    request = evaluation.request
    assert request is not None
    assert request.diff is not None and request.diff.startswith("---")
    assert request.proposals[str(Scope.SESSION)] == "Edit(./src/app.py)"
    engine.apply(request, Decision(allow=True, scope=Scope.SESSION))
    assert run(engine, "Write", file_path="src/app.py").verdict is A
    assert run(engine, "Edit", file_path="src/other.py").verdict is Q


def test_webfetch_grants_are_per_domain(engine_for: EngineFactory) -> None:
    engine = engine_for()
    request = run(engine, "WebFetch", url="https://docs.python.org/3/").request
    assert request is not None
    assert request.proposals[str(Scope.PROJECT)] == "WebFetch(domain:docs.python.org)"
    engine.apply(request, Decision(allow=True, scope=Scope.PROJECT))
    assert run(engine, "WebFetch", url="https://docs.python.org/3/library/").verdict is A
    assert run(engine, "WebFetch", url="https://evil.example/docs.python.org").verdict is Q


def test_denied_answers_are_not_remembered(engine_for: EngineFactory) -> None:
    engine = engine_for()
    request = bash(engine, "npm test").request
    assert request is not None
    decision = engine.apply(request, Decision(allow=False, scope=Scope.PROJECT, reason="not now"))
    assert not decision.allow and decision.reason == "not now"
    assert engine.ledger.list() == []


def test_seed_000_persona_asks_for_git(engine_for: EngineFactory, seeds_dir: Path) -> None:
    persona = load_persona_file(seeds_dir / "000_5a8db1f8ea2aebb8.txt")
    engine = engine_for(persona=persona, allow=["Bash(git *)"])
    evaluation = bash(engine, "npm test && git commit -am wip")
    assert evaluation.verdict is Q
    assert evaluation.request is not None and not evaluation.request.rememberable
    assert "persona:git-approval" in evaluation.matched


def test_seed_001_persona_asks_for_save_memory(engine_for: EngineFactory, seeds_dir: Path) -> None:
    persona = load_persona_file(seeds_dir / "001_396b3d90c630b733.txt")
    engine = engine_for(persona=persona, mode="bypassPermissions", bypass_allowed=True)
    evaluation = run(engine, "SaveMemory", fact="x")
    assert evaluation.verdict is Q
    assert evaluation.request is not None and not evaluation.request.rememberable


def test_many_file_reads_leave_secrets_out_but_deny_rules_deny_the_call(engine_for: EngineFactory) -> None:
    engine = engine_for(deny=["Read(./config/**)"])
    many = CallPreview(summary="Read 3 files", paths=(".env", "src/app.py", "README.md"))
    evaluation = engine.evaluate("ReadManyFiles", ToolKind.READ, {"paths": ["."]}, many, call_id="c")
    assert evaluation.verdict is A and ".env" in evaluation.reason
    only = CallPreview(summary="Read 1 file", paths=(".env",))
    assert engine.evaluate("ReadManyFiles", ToolKind.READ, {"paths": [".env"]}, only, call_id="c").verdict is D
    denied = CallPreview(summary="Read 2 files", paths=("src/app.py", "config/settings.toml"))
    assert engine.evaluate("ReadManyFiles", ToolKind.READ, {"paths": ["."]}, denied, call_id="c").verdict is D


def test_bash_cwd_from_the_preview(engine_for: EngineFactory) -> None:
    engine = engine_for()
    preview = CallPreview(summary="Run", command="cat ../.env", meta={"cwd": "src"})
    assert engine.evaluate("Bash", ToolKind.EXEC, {"command": "cat ../.env"}, preview, call_id="c").verdict is D


def test_an_internal_error_denies_instead_of_crashing(engine_for: EngineFactory) -> None:
    engine = engine_for()
    broken = CallPreview(summary="Read", paths=(b"not-a-str",))  # type: ignore[arg-type]
    evaluation = engine.evaluate("Read", ToolKind.READ, {"file_path": "x"}, broken, call_id="c")
    assert evaluation.verdict is D and "denied to be safe" in evaluation.reason


def test_a_delegated_persona_keeps_the_parents_restrictions(engine_for: EngineFactory) -> None:
    parent = engine_for(persona=make_persona([GIT_POLICY]), mode="acceptEdits")
    child = parent.for_child(make_persona([MEMORY_POLICY], permission_mode="plan"))
    assert child.mode == "plan"
    assert bash(child, "git status").verdict is D  # plan mode denies what the parent's git rule would ask
    loose = parent.for_child(make_persona())
    assert loose.mode == "acceptEdits"
    assert bash(loose, "git status").verdict is Q
    assert run(loose, "Edit", file_path="src/app.py").verdict is A
