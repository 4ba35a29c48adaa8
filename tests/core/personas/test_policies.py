"""Mandates extracted from the body (docs/personas.md, "Mandates become rules"): only restrictions and logging."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.personas.policies import extract

pytestmark = pytest.mark.timeout(10)


@pytest.mark.parametrize(
    "line",
    [
        "- **NO Git operations without explicit user approval**",
        "4. **Git Operations**: MUST request user approval for ALL Git commands",
        "- No unauthorized Git operations",
        "Always ask for permission before any git command.",
        "Never run git commands without explicit user approval.",
    ],
)
def test_git_mandates(line: str) -> None:
    found = extract(f"You help.\n\n{line}\n", 5)
    rule = next(p for p in found.policies if p.id == "git-approval")
    assert rule.rules == ("Bash(git *)", "Bash(git)") and rule.remember is False and rule.source_line == 7


@pytest.mark.parametrize(
    "line",
    [
        "Use git to inspect history.",
        "Each digit needs approval.",
        "Data Security: encryption, audit trails",
        "```\ngit push # needs approval\n```",
    ],
)
def test_no_false_git_or_audit_rules(line: str) -> None:
    assert extract(f"You help.\n{line}\n", 1).policies == []


def test_audit_and_save_memory() -> None:
    found = extract("- All operations must maintain audit trails\n- `Save Memory` (only when the user asks)\n", 1)
    assert [(p.id, p.kind, p.rules) for p in found.policies] == [
        ("audit-log", "audit", ()),
        ("save-memory-ask", "ask", ("SaveMemory",)),
    ]


def test_output_contract_from_subheadings_and_numbered_items() -> None:
    body = (
        "## Mandated Output Structure\n\nIt MUST follow this.\n\n"
        "### 1. Summary\n\ntext\n\n#### Detail, not a section\n\n### 2. Risks: what\n\n## Next\n"
    )
    contract = extract(body, 1).output_contract
    assert contract is not None and contract.headings == ("1. Summary", "2. Risks: what")
    import re

    assert re.search(contract.patterns[1], "intro\n## 2. Risks and more\n")
    assert re.search(contract.patterns[0], "**Summary**\n")
    numbered = "## Output format\n\nAlways use:\n\n1. **Findings**: what\n2. **Verdict**: yes or no\n"
    found = extract(numbered, 1).output_contract
    assert found is not None and found.headings == ("Findings", "Verdict")
    assert extract("## Output format\n\n1. a\n2. b\n", 1).output_contract is None  # no mandate


def test_referenced_paths(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    body = (
        f"- Read `{tmp_path}/docs` first\n- Then /nonexistent/place/file.md.\n"
        "- `POST /users` and `GET /orders/{id}` are API routes\n- see https://example.com/a/b and CI/CD\n"
        "- ./docs/ exists, ./missing/x.md does not\n```\n/in/code/block\n```\n"
    )
    refs = {r.path: r.exists for r in extract(body, 10, base_dir=tmp_path).referenced_paths}
    assert refs == {
        f"{tmp_path}/docs": True,
        "/nonexistent/place/file.md": False,
        "./docs/": True,
        "./missing/x.md": False,
    }


def test_agent_mentions() -> None:
    body = "Hand off to the Security Auditor when needed.\nEscalate to the User when blocked. Consult the Team.\n"
    found = extract(body, 3, "First consulting the Context Manager.", 3)
    assert [s for s, _ in found.agent_mentions] == ["context-manager", "security-auditor"]


def test_config_extends_git_and_production_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.core.personas.loader import load_persona_file

    config = tmp_path / "config.toml"
    config.write_text(
        '[personas]\ngit_commands = ["gh"]\nproduction_ask = ["Bash(kubectl *)", 3]\nrequire_bash_description = true\n'
    )
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    persona = tmp_path / "p.md"
    persona.write_text(
        "---\nname: p\ndescription: x\n---\n\n- NO Git operations without explicit user approval\n"
        "- No production changes without approval\n- Describe commands before running them.\n"
    )
    rules = {p.id: p.rules for p in load_persona_file(persona).policies}
    assert rules["git-approval"] == ("Bash(git *)", "Bash(git)", "Bash(gh *)", "Bash(gh)")
    assert rules["production-approval"] == ("Bash(kubectl *)",)
    assert rules["bash-description"] == ("Bash",)
    monkeypatch.delenv("WORKBENCH_CONFIG")
    assert [p.id for p in load_persona_file(persona).policies] == ["git-approval"]  # advisory by default
