"""Grant resolution details: conflict policies, dialects, disallowed specifiers, the tool-name note."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.personas.helpers import codes
from workbench.core.personas.loader import load_persona_file
from workbench.core.personas.model import Persona
from workbench.core.toolnames import CANONICAL_TOOLS

pytestmark = pytest.mark.timeout(10)

CONFLICT = """---
name: conflicted
description: Frontmatter and body disagree.
tools: Read, Write
---

You help.

## Allowed Tools
Read, Grep, Glob

## MCP Server Access
mcp__docs, mcp__web__fetch
"""


def write(tmp_path: Path, text: str, name: str = "p.md") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(path: Path, **kwargs: object) -> Persona:
    return load_persona_file(path, **kwargs)  # type: ignore[arg-type]


def test_frontmatter_wins_by_default(tmp_path: Path) -> None:
    p = load(write(tmp_path, CONFLICT))
    assert p.tools.granted == ["Read", "Write"]
    assert p.tools.advisory_tools == ["Grep", "Glob", "mcp__docs", "mcp__web__fetch"]
    mismatch = next(d for d in p.diagnostics if d.code == "W_BODY_TOOLS_MISMATCH")
    assert mismatch.line == 10 and mismatch.data["frontmatter_only"] == ["Write"]
    assert p.tool_name_note == (
        "Tools available to you in this session: Read, Write. Tools named elsewhere in these instructions "
        "(Grep, Glob, MCP servers docs/web) are not available."
    )


def test_strict_intersects(tmp_path: Path) -> None:
    p = load(write(tmp_path, CONFLICT), tool_conflict="strict")
    assert p.tools.granted == ["Read"] and "I_TOOL_CONFLICT_STRICT" in codes(p.diagnostics)


def test_union_needs_trust(tmp_path: Path) -> None:
    untrusted = load(write(tmp_path, CONFLICT), tool_conflict="union")
    assert untrusted.tools.granted == ["Read", "Write"]
    assert "W_TOOL_CONFLICT_UNTRUSTED" in codes(untrusted.diagnostics)
    trusted = load(
        write(tmp_path, CONFLICT), tool_conflict="union", trust_persona_tools=True, mcp_servers={"docs": None}
    )
    assert trusted.tools.granted == ["Read", "Glob", "Grep", "Write"]
    assert trusted.tools.mcp == ["mcp__docs"]  # MCP only from configured servers, even when trusted
    assert "mcp__web__fetch" in [u.canonical for u in trusted.tools.unavailable]


def test_disallowed_specifier_becomes_a_deny_rule(tmp_path: Path) -> None:
    text = "---\nname: d\ndescription: x\ntools: Bash, Read\ndisallowedTools: Bash(rm *), Read\n---\n\nBody.\n"
    p = load(write(tmp_path, text))
    assert p.tools.granted == ["Bash"] and p.tools.disallowed == ["Read"]
    deny = next(r for r in p.policies if r.id == "disallowed-tools")
    assert (deny.kind, deny.rules, deny.source_line) == ("deny", ("Bash(rm *)",), 5)


def test_disallowed_mcp_server_removes_its_tools(tmp_path: Path) -> None:
    text = "---\nname: d\ndescription: x\ndisallowedTools: mcp__docs\n---\n\nBody.\n"
    p = load(write(tmp_path, text), mcp_servers={"docs": ["a"], "web": None})
    assert not p.tools.inherit_all and p.tools.mcp == ["mcp__web"]
    assert p.tools.granted == list(CANONICAL_TOOLS)
    unknown_servers = load(write(tmp_path, text))
    assert unknown_servers.tools.mcp == []  # can't express "all but docs" without the server list


def test_disallowed_builtin_keeps_all_mcp(tmp_path: Path) -> None:
    text = "---\nname: d\ndescription: x\ndisallowedTools: Write, Edit\n---\n\nBody.\n"
    p = load(write(tmp_path, text))
    assert not p.tools.inherit_all and p.tools.mcp == ["mcp__*"]
    assert "Write" not in p.tools.granted and "Edit" not in p.tools.granted and "Bash" in p.tools.granted


def test_gemini_subagent(tmp_path: Path) -> None:
    text = (
        "---\nname: gem\ndescription: Gemini subagent.\nkind: local\n"
        "tools:\n  - read_file\n  - run_shell_command\n  - mcp_docs_search\nmax_turns: 7\n---\n\nYou help.\n"
    )
    p = load(write(tmp_path, text), mcp_servers={"docs": ["search"]})
    assert p.dialect == "gemini-subagent"
    assert p.tools.granted == ["Read", "Bash"] and p.tools.mcp == ["mcp__docs__search"]
    assert p.max_turns == 7 and p.options["kind"] == "local"
    by_path = load(write(tmp_path, "---\nname: g2\ndescription: x\n---\n\nBody.\n", ".gemini/agents/g2.md"))
    assert by_path.dialect == "gemini-subagent"


def test_opencode_by_path(tmp_path: Path) -> None:
    p = load(write(tmp_path, "---\ndescription: review\n---\n\nBody.\n", ".opencode/agent/review.md"))
    assert p.dialect == "opencode" and (p.name, p.name_source) == ("review", "filename")


def test_plain_markdown_body_list_becomes_the_grant(tmp_path: Path) -> None:
    text = "# Helper\n\nYou help.\n\n## Tools\n- `ReadFile`, `SearchText`\n"
    p = load(write(tmp_path, text))
    assert p.dialect == "plain-markdown" and p.tools.source == "body-heuristic"
    assert p.tools.granted == ["Read", "Grep"]
    assert p.tool_name_note == "Tool names in this workbench: ReadFile→Read, SearchText→Grep."


def test_claude_code_without_tools_keeps_body_list_advisory(tmp_path: Path) -> None:
    text = "---\nname: c\ndescription: x\n---\n\nYou help.\n\n## Tools\nRead, Grep\n"
    p = load(write(tmp_path, text))
    assert p.tools.inherit_all and p.tools.advisory_tools == ["Read", "Grep"]
    assert "W_BODY_TOOLS_MISMATCH" not in codes(p.diagnostics)


def test_mcp_tool_missing_from_a_known_server(tmp_path: Path) -> None:
    text = "---\nname: m\ndescription: x\ntools: mcp__docs__nope, mcp__docs__yes\n---\n\nBody.\n"
    p = load(write(tmp_path, text), mcp_servers={"docs": ["yes"]})
    assert p.tools.mcp == ["mcp__docs__yes"] and "W_MCP_TOOL_MISSING" in codes(p.diagnostics)


def test_a_tools_section_without_known_tools_is_ignored(tmp_path: Path) -> None:
    text = "# Ops Helper\n\nYou deploy.\n\n## Tools\n- `docker`, `kubectl`\n- Docker, Helm\n"
    p = load(write(tmp_path, text))
    assert p.tools.declared == "absent" and p.tools.inherit_all
    assert not p.has_errors and "W_UNKNOWN_TOOL" not in codes(p.diagnostics)


def test_unknown_tool_like_names_in_a_real_tool_section_are_reported(tmp_path: Path) -> None:
    text = "# Helper\n\nYou help.\n\n## Toolkit\n- `ReadFile`, `DiagramMaker`, `kubectl`\n"
    p = load(write(tmp_path, text))
    assert p.tools.granted == ["Read"]
    assert [u.name for u in p.tools.unavailable] == ["DiagramMaker"]
