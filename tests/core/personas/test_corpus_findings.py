"""What running the loader over public agent collections found (issue 15, findings 1-4 and 7), each on a fixture of
the same shape written for these tests (tests/fixtures/corpus: must check clean; tests/fixtures/findings)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.core.personas.helpers import ROOT, codes, run_cli
from workbench.core.approvals import Verdict
from workbench.core.personas.discovery import discover
from workbench.core.personas.loader import load_persona_file
from workbench.core.policy.engine import PolicyEngine
from workbench.core.policy.ledger import GrantLedger
from workbench.core.policy.rules import RuleSet
from workbench.core.tools.base import CallPreview, ToolKind

pytestmark = pytest.mark.timeout(60)

FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = FIXTURES / "corpus"
FINDINGS = FIXTURES / "findings"


def test_the_corpus_shapes_check_clean() -> None:
    proc = run_cli("personas", "check", str(CORPUS))
    assert proc.returncode == 0, proc.stdout
    noisy = [line for line in proc.stdout.splitlines() if ": warning " in line or ": error " in line]
    assert noisy == []


def test_1_no_tools_advice_names_only_options_that_exist() -> None:
    persona = load_persona_file(FINDINGS / "no-tools.md")
    [error] = [d for d in persona.diagnostics if d.code == "E_NO_TOOLS"]
    helps = "".join(
        run_cli(*words, "--help").stdout for words in (("run",), ("personas", "check"), ("personas", "show"))
    )
    for option in re.findall(r"--[a-z][a-z-]+", error.message):
        assert option in helps, f"the advice names {option}, which no command has"
    assert "remove the tools line" in error.message


def _git_repo(folder: Path) -> Path:
    folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    return folder


def test_2_a_trusted_projects_mcp_json_server_counts_as_configured(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "repo")
    (repo / ".mcp.json").write_text(json.dumps({"mcpServers": {"docs": {"command": "docs-server"}}}))
    persona = FINDINGS / "mcp-grant.md"
    untrusted = json.loads(run_cli("personas", "show", str(persona), "--json", "--cwd", str(repo)).stdout)
    messages = [d["message"] for d in untrusted["diagnostics"] if d["code"] == "W_MCP_SERVER_MISSING"]
    assert messages and all("is configured in" in m and "not trusted" in m for m in messages)
    assert all("is not configured" not in m for m in messages)
    assert run_cli("mcp", "trust", "--cwd", str(repo)).returncode == 0
    for words in (("show", str(persona), "--json"), ("list", "--json", "--agents", str(persona))):
        out = run_cli("personas", *words, "--cwd", str(repo)).stdout
        assert "W_MCP_SERVER_MISSING" not in out and "mcp__docs__search" in out
    proc = run_cli("personas", "check", str(persona), "--cwd", str(repo))
    assert proc.returncode == 0 and proc.stdout == ""


def test_3_a_project_persona_overrides_the_bundled_one_of_its_name(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "repo")
    agents = repo / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "debugger.md").write_bytes((CORPUS / "claude" / "debugger.md").read_bytes())
    loaded = discover(repo, repo_trusted=True)
    mine = loaded.get("debugger")
    assert mine is not None and mine.source.scope == "project" and mine.id == "debugger"
    assert "W_DUPLICATE_NAME" not in codes(mine.diagnostics) and "I_OVERRIDES" in codes(mine.diagnostics)
    bundled = loaded.get("debugger~bundled")
    assert bundled is not None and bundled.source.scope == "bundled"
    assert "I_OVERRIDDEN" in codes(bundled.diagnostics)
    # until the project is trusted, its persona never takes a name another persona has
    untrusted = discover(repo, repo_trusted=False)
    chosen = untrusted.get("debugger")
    assert chosen is not None and chosen.source.scope == "bundled"
    shadow = untrusted.get("debugger~debugger")
    assert shadow is not None and "W_UNTRUSTED_SHADOW" in codes(shadow.diagnostics)


def test_3_same_named_files_in_subfolders_say_which_folder(tmp_path: Path) -> None:
    loaded = discover(tmp_path, [FINDINGS / "same-name"], include_defaults=False)
    assert sorted(p.id for p in loaded.personas) == [
        "api-designer~backend/api-designer",
        "api-designer~frontend/api-designer",
    ]
    backend = loaded.get("api-designer~backend/api-designer")
    assert backend is not None and "backend" in backend.source.path


def _bash_verdict(engine: PolicyEngine, command: str) -> Verdict:
    preview = CallPreview(summary=command, command=command)
    return engine.evaluate("Bash", ToolKind.EXEC, {"command": command}, preview, call_id="c").verdict


def test_4_opencode_bash_map_lets_the_last_matching_pattern_win(tmp_path: Path) -> None:
    persona = load_persona_file(FINDINGS / "opencode-ls-only.md")
    assert persona.dialect == "opencode"
    engine = PolicyEngine(tmp_path, rules=RuleSet(), persona=persona, ledger=GrantLedger(tmp_path / "grants.json"))
    assert _bash_verdict(engine, "ls") is Verdict.ALLOW
    assert _bash_verdict(engine, "ls -la src") is Verdict.ALLOW
    assert _bash_verdict(engine, "cat README.md") is Verdict.DENY
    assert _bash_verdict(engine, "ls && cat README.md") is Verdict.DENY
    assert _bash_verdict(engine, "lsof") is Verdict.DENY


def test_4_a_later_catch_all_overrides_earlier_patterns() -> None:
    from workbench.core.personas.grants import resolve_grant

    fm = {"mode": "subagent", "permission": {"bash": {"rm *": "deny", "*": "ask"}}}
    result = resolve_grant("opencode", fm, {}, "Body.", 5, None)
    rules = {p.rules: p.unless for p in result.policies}
    assert rules == {("Bash(rm *)",): ("*",), ("Bash",): ()}


def test_7_library_ids_routes_and_created_files_are_not_dangling() -> None:
    for name in ("library-docs.md", "api-designer.md", "report-writer.md"):
        persona = load_persona_file(CORPUS / "claude" / name)
        assert "W_DANGLING_REFERENCE" not in codes(persona.diagnostics), name


@pytest.mark.parametrize("name", ["dotted-name.md", "spaced-name.md"])
def test_7_no_claim_that_claude_code_skips_dots_or_spaces(name: str) -> None:
    persona = load_persona_file(FINDINGS / name)
    [normalized] = [d for d in persona.diagnostics if d.code == "W_NAME_NORMALIZED"]
    assert "would skip" not in normalized.message and "skips" not in normalized.message
    assert persona.compat["claude_code"] == "unverified"


def test_7_a_number_first_claude_4_id_is_flagged() -> None:
    persona = load_persona_file(FINDINGS / "wrong-model-id.md")
    [suspect] = [d for d in persona.diagnostics if d.code == "W_MODEL_ID_SUSPECT"]
    assert "claude-sonnet-4" in suspect.message
    fine = load_persona_file(CORPUS / "claude" / "library-docs.md")
    assert "W_MODEL_ID_SUSPECT" not in codes(fine.diagnostics)


def test_7_readme_and_show_agree_on_an_unquoted_colon() -> None:
    data = json.loads(run_cli("personas", "show", str(CORPUS / "claude" / "colon-description.md"), "--json").stdout)
    assert data["compat"]["claude_code"] == "loads"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    skipped = readme.split("files Claude Code would skip", 1)[1].split(";", 1)[0]
    assert "unquoted `: `" not in skipped


def test_7_the_seed_with_real_dangling_paths_keeps_them(seeds_dir: Path) -> None:
    persona = load_persona_file(next(seeds_dir.glob("000_*.txt")))
    assert codes(persona.diagnostics).count("W_DANGLING_REFERENCE") == 7
