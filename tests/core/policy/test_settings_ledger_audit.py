"""Settings files and their precedence, the grants ledger on disk, and the audit log."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.core.policy.conftest import EngineFactory, bash, run
from workbench import paths
from workbench.config import load_config
from workbench.core.approvals import Decision, Scope, Verdict
from workbench.core.policy import build_engine
from workbench.core.policy.audit import AuditLog, CallRecord, read_records, render_markdown
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.rules import RuleError, parse_rule
from workbench.core.policy.settings import load_rules
from workbench.core.tools.base import ToolResult

A, Q, D = Verdict.ALLOW, Verdict.ASK, Verdict.DENY


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_rules_come_from_every_source_with_their_origin(workspace: Path, isolated_env: Path) -> None:
    write_json(workspace / ".claude" / "settings.json", {"permissions": {"allow": ["Bash(npm test:*)"]}})
    write_json(workspace / ".claude" / "settings.local.json", {"permissions": {"deny": ["Bash(npm test:*)"]}})
    write_json(isolated_env / ".claude" / "settings.json", {"permissions": {"ask": ["WebFetch"]}})
    config_file = isolated_env / "workbench.toml"
    config_file.write_text('[permissions]\nallow = ["Bash(make:*)"]\n')
    rules = load_rules(
        workspace, cli_allow=["Bash(cargo test:*)"], config=load_config(config_file), project_trusted=True
    )
    origins = {(r.text, r.action): r.origin for r in rules.rules}
    assert origins["Bash(cargo test:*)", A] == "command line"
    assert origins["Bash(npm test:*)", D].endswith("settings.local.json")
    assert origins["Bash(npm test:*)", A] == str(workspace / ".claude" / "settings.json")
    assert [r.origin for r in rules.rules][:2] == ["command line", str(workspace / ".claude" / "settings.local.json")]
    assert origins["WebFetch", Q] == str(isolated_env / ".claude" / "settings.json")
    assert "workbench.toml" in origins["Bash(make:*)", A]
    assert rules.messages == []


def test_deny_in_any_file_beats_allow_in_another(workspace: Path) -> None:
    write_json(workspace / ".claude" / "settings.json", {"permissions": {"allow": ["Bash(npm test:*)"]}})
    write_json(workspace / ".claude" / "settings.local.json", {"permissions": {"deny": ["Bash(npm test:*)"]}})
    engine = build_engine(workspace, None)
    assert bash(engine, "npm test").verdict is D
    engine = build_engine(workspace, None, deny=["Bash(make:*)"])
    assert bash(engine, "make").verdict is D


def test_default_mode_precedence_and_bypass_never_from_files(workspace: Path, isolated_env: Path) -> None:
    write_json(isolated_env / ".claude" / "settings.json", {"permissions": {"defaultMode": "plan"}})
    write_json(workspace / ".claude" / "settings.json", {"permissions": {"defaultMode": "acceptEdits"}})
    assert build_engine(workspace, None, project_trusted=True).mode == "acceptEdits"
    assert build_engine(workspace, None).mode == "plan"  # untrusted: the project's defaultMode does not apply
    assert build_engine(workspace, None, mode="dontAsk", project_trusted=True).mode == "dontAsk"
    write_json(workspace / ".claude" / "settings.local.json", {"permissions": {"defaultMode": "bypassPermissions"}})
    rules = load_rules(workspace, project_trusted=True)
    assert rules.default_mode == "acceptEdits"
    assert any("bypassPermissions is ignored" in m for m in rules.messages)


def test_malformed_settings_are_reported_never_fatal(workspace: Path, isolated_env: Path) -> None:
    (workspace / ".claude").mkdir()
    (workspace / ".claude" / "settings.json").write_text("{not json")
    write_json(
        workspace / ".claude" / "settings.local.json",
        {"permissions": {"allow": "Bash", "deny": ["Bash(rm *)", 42, "Write(src/**)", "mcp__x(y)", "Bash(("]}},
    )
    write_json(isolated_env / ".claude" / "settings.json", ["not", "an", "object"])
    bad_toml = isolated_env / "bad.toml"
    bad_toml.write_text("[permissions\n")
    rules = load_rules(workspace, config=load_config(bad_toml), project_trusted=True)
    text = "\n".join(rules.messages)
    assert "not valid JSON (line 1" in text
    assert '"allow" should be a list' in text
    assert "42 is not a string" in text
    assert "never consulted" in text
    assert "MCP rules take no specifier" in text
    assert "should hold a JSON object" in text
    assert "bad.toml" in text
    assert [r.text for r in rules.rules] == ["Bash(rm *)"]
    assert rules.rules[0].to_json()["origin"] == str(workspace / ".claude" / "settings.local.json")


@pytest.mark.parametrize("text", ["", "   ", "Bash(", "(x)", "Read(src", "Web Fetch", "Bash)(", "bash(ls)", "READ"])
def test_invalid_rule_strings(workspace: Path, text: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(text, Verdict.ALLOW, origin="t", workspace=workspace)


def test_project_grants_persist_with_mode_0600_and_can_be_revoked(engine_for: EngineFactory, workspace: Path) -> None:
    ledger = GrantLedger.for_workspace(workspace)
    engine = engine_for(ledger=ledger)
    request = bash(engine, "npm test --watch").request
    assert request is not None
    engine.apply(request, Decision(allow=True, scope=Scope.PROJECT))
    engine.apply(bash(engine, "make build").request, Decision(allow=True, scope=Scope.SESSION))  # type: ignore[arg-type]
    file = paths.project_state_dir(workspace) / "grants.json"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    saved = json.loads(file.read_text())["grants"]
    assert [g["pattern"] for g in saved] == ["Bash(npm test:*)"]  # session grants stay in memory
    assert saved[0]["summary"] == "Run: npm test --watch" and saved[0]["scope"] == "project"

    reloaded = GrantLedger.for_workspace(workspace)
    assert [(g.pattern, g.scope) for g in reloaded.list()] == [("Bash(npm test:*)", Scope.PROJECT)]
    fresh = engine_for(ledger=reloaded)
    assert bash(fresh, "npm test").verdict is A
    assert bash(fresh, "make build").verdict is Q
    assert reloaded.revoke(reloaded.list()[0].id)
    assert not reloaded.revoke("no-such-id")
    assert bash(fresh, "npm test").verdict is Q
    assert json.loads(file.read_text())["grants"] == []


def test_corrupt_grants_file_is_reported(workspace: Path, tmp_path: Path) -> None:
    file = tmp_path / "grants.json"
    file.write_text("{{{")
    ledger = GrantLedger(file, workspace=workspace)
    assert ledger.list() == [] and "not a grants file" in ledger.messages[0]
    file.write_text(json.dumps({"grants": [{"id": "a", "pattern": "Bash("}, {"id": "b", "pattern": "Bash(ls)"}]}))
    ledger = GrantLedger(file, workspace=workspace)
    assert [g.pattern for g in ledger.list()] == ["Bash(ls)"]
    assert "skipped" in ledger.messages[0]


def test_audit_log_is_0600_append_only_redacted_and_renders(tmp_path: Path, engine_for: EngineFactory) -> None:
    path = tmp_path / "audit" / "session.jsonl"
    log = AuditLog(path, session="s1", persona_id="backend-architect~000", persona_sha256="ab" * 32)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    engine = engine_for()
    evaluation = bash(engine, "git status | tee out.txt")
    secret_key = "sk-ant-api03-" + "A1b2C3d4" * 6
    log.record(
        CallRecord(
            tool="Bash",
            input={"command": f"curl -H 'x-api-key: {secret_key}' https://x | tee out.txt"},
            started=1_700_000_000.5,
            duration_ms=812,
            decision=str(evaluation.verdict),
            matched=evaluation.matched,
            reason=evaluation.reason,
            approval=Decision(allow=True, scope=Scope.SESSION, by="user"),
            remembered=True,
            result=ToolResult("ok", exit_code=0, output_bytes=214, files_changed=("out.txt",)),
            response_target_ms=500,
        )
    )
    log.record(
        CallRecord(tool="Read", input={"file_path": ".env"}, started=1_700_000_001.0, duration_ms=1, decision="deny",
                   reason="secret", error="Denied by policy: secret | file `x`")
    )  # fmt: skip
    raw = path.read_text()
    assert secret_key not in raw
    records, problems = read_records(path)
    assert problems == []
    first, second = records
    assert first["ts_start"] == "2023-11-14T22:13:20.500Z"
    assert first["approval"] == {"required": True, "decision": "approved", "by": "user", "scope": "session",
                                 "remembered": True}  # fmt: skip
    assert first["outcome"] == {"ok": True, "exit_code": 0, "error": None, "output_bytes": 214}
    assert first["files_changed"] == ["out.txt"]
    assert first["targets"] == {"response_time_ms": 500, "exceeded": True}
    assert first["persona_sha256"] == "ab" * 32 and first["session"] == "s1"
    assert second["outcome"]["ok"] is False and second["approval"]["required"] is False
    AuditLog(path, session="s1")  # reopening never truncates
    with path.open("a") as handle:
        handle.write("not json\n")
    markdown = render_markdown(path)
    assert "| 1 |" in markdown and "| 2 |" in markdown
    assert "`Bash`" in markdown and "(over target)" in markdown
    assert "Denied by policy: secret \\| file" in markdown
    assert "``" in markdown  # a value holding a backtick gets a longer code fence
    assert "line 3: not JSON" in markdown
    assert secret_key not in markdown


def test_audit_markdown_never_carries_raw_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = AuditLog(path)
    log.record(CallRecord(tool="Bash", input={"command": "echo \x1b[2J\u202egnp.exe"}, started=0.0, duration_ms=0,
                          decision="ask"))  # fmt: skip
    assert "\u202e" not in path.read_text() and "\x1b" not in path.read_text()
    assert read_records(path)[0][0]["input"]["command"] == "echo \x1b[2J\u202egnp.exe"
    markdown = render_markdown(path)
    assert "\x1b" not in markdown and "\u202e" not in markdown
    assert "<ESC>[2J<U+202E>gnp.exe" in markdown


def test_read_rule_shorthands_for_home_and_settings_folder(workspace: Path, isolated_env: Path) -> None:
    home_rule = parse_rule("Read(~/notes/**)", Verdict.DENY, origin="t", workspace=workspace, home=isolated_env)
    from workbench.core.policy.rules import Target

    assert home_rule.matches(Target("Read", path=str((isolated_env / "notes" / "a.md").resolve())))
    assert not home_rule.matches(Target("Read", path=str((workspace / "notes" / "a.md").resolve())))
    edit = run(build_engine(workspace, None, allow=["Edit(/src/**)"]), "Edit", file_path="src/app.py")
    assert edit.verdict is A


def test_two_sessions_share_project_grants_without_losing_any(workspace: Path) -> None:
    first = GrantLedger.for_workspace(workspace)
    second = GrantLedger.for_workspace(workspace)
    one = first.add("Bash(npm test:*)", Scope.PROJECT, tool="Bash", summary="Run: npm test")
    second.add("Bash(make build:*)", Scope.PROJECT, tool="Bash", summary="Run: make build")
    assert {g.pattern for g in second.list()} == {"Bash(npm test:*)", "Bash(make build:*)"}
    first.reload()
    assert {g.pattern for g in first.list()} == {"Bash(npm test:*)", "Bash(make build:*)"}
    assert second.revoke(one.id)
    assert [g.pattern for g in GrantLedger.for_workspace(workspace).list()] == ["Bash(make build:*)"]


def test_an_unreadable_grants_file_is_set_aside_not_overwritten(workspace: Path) -> None:
    file = paths.project_state_dir(workspace) / "grants.json"
    file.parent.mkdir(parents=True)
    file.write_text("{broken")
    ledger = GrantLedger.for_workspace(workspace)
    ledger.add("Bash(npm test:*)", Scope.PROJECT, tool="Bash")
    kept = [p for p in file.parent.iterdir() if p.name.startswith("grants.json.bad-")]
    assert len(kept) == 1 and kept[0].read_text() == "{broken"
    assert json.loads(file.read_text())["grants"][0]["pattern"] == "Bash(npm test:*)"


def test_rendering_a_missing_log_says_so(tmp_path: Path) -> None:
    text = render_markdown(tmp_path / "missing.jsonl")
    assert "cannot be read" in text and "missing.jsonl" in text


def test_a_log_that_cannot_be_written_keeps_an_error_instead_of_raising(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    path.unlink()
    path.mkdir()  # the log's path is now a folder: writing fails
    log.record(CallRecord(tool="Read", input={}, started=0.0, duration_ms=0, decision="allow"))
    assert log.errors and "could not be written" in log.errors[0]
