"""Persona grants against configured MCP servers: seed 002 with stand-in servers, and grant filtering."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.mcp.conftest import RAW, STANDINS, stdio, write_mcp_json
from workbench.core.mcp.integration import attach_mcp, configured_servers, grant_allows, open_mcp
from workbench.core.mcp.manager import McpManager
from workbench.core.personas.loader import load_persona_file
from workbench.core.tools.base import Tool

pytestmark = pytest.mark.timeout(60)

SEED_002_MCP = [
    "mcp__context7__get-library-docs",
    "mcp__context7__resolve-library-id",
    "mcp__sequential-thinking__sequentialthinking",
]


def seed_002(seeds_dir: Path) -> Path:
    [path] = sorted(seeds_dir.glob("002_*.txt"))
    return path


async def test_seed_002_mcp_tools_granted_with_configured_servers(seeds_dir: Path, project: Path) -> None:
    without = load_persona_file(seed_002(seeds_dir), mcp_servers={})
    assert without.tools.mcp == []
    assert sorted(u.name for u in without.tools.unavailable if u.name.startswith("mcp__")) == SEED_002_MCP
    assert [d.code for d in without.diagnostics].count("W_MCP_SERVER_MISSING") == 2

    write_mcp_json(
        project,
        {"context7": stdio(STANDINS, "context7"), "sequential-thinking": stdio(STANDINS, "sequential-thinking")},
    )
    manager = await open_mcp(project, trust_project=True)
    try:
        assert manager.server_tools() == {
            "context7": ["resolve-library-id", "get-library-docs"],
            "sequential-thinking": ["sequentialthinking"],
        }
        persona = load_persona_file(seed_002(seeds_dir), mcp_servers=manager.server_tools())
        assert sorted(persona.tools.mcp) == SEED_002_MCP
        assert not any(u.name.startswith("mcp__") for u in persona.tools.unavailable)
        assert "W_MCP_SERVER_MISSING" not in [d.code for d in persona.diagnostics]
        registry: dict[str, Tool] = {}
        added = attach_mcp(registry, manager, persona=persona)
        assert sorted(t.name for t in added) == SEED_002_MCP == sorted(registry)
        result = await registry["mcp__context7__resolve-library-id"].run({"libraryName": "react"}, None)
        assert result.content == "/stand-in/react"
    finally:
        await manager.stop()


async def test_seed_002_untrusted_project_leaves_them_unavailable(seeds_dir: Path, project: Path) -> None:
    write_mcp_json(project, {"context7": stdio(STANDINS, "context7")})
    manager = await open_mcp(project)  # never asked: not trusted
    try:
        persona = load_persona_file(seed_002(seeds_dir), mcp_servers=manager.server_tools())
        assert persona.tools.mcp == []
        assert attach_mcp({}, manager, persona=persona) == []
    finally:
        await manager.stop()


def write_persona(folder: Path, name: str, tools: str | None, extra: str = "") -> Path:
    path = folder / f"{name}.md"
    line = f"tools: {tools}\n" if tools is not None else ""
    text = f"---\nname: {name}\ndescription: test persona\n{line}{extra}---\nYou help.\n"
    path.write_text(text, encoding="utf-8")
    return path


async def test_grants_include_and_exclude_mcp_tools(project: Path, tmp_path: Path) -> None:
    write_mcp_json(project, {"basic": stdio(RAW), "other": stdio(STANDINS, "context7")})
    manager = await open_mcp(project, trust_project=True)
    try:
        servers = manager.server_tools()
        cases = {
            "exact": ("Read, mcp__basic__ping", ["mcp__basic__ping"]),
            "server": ("Read, mcp__basic", [t.name for t in manager.tools() if t.name.startswith("mcp__basic__")]),
            "star": ("mcp__other__*", ["mcp__other__resolve-library-id", "mcp__other__get-library-docs"]),
            "none": ("Read, Grep", []),
            "inherit": (None, [t.name for t in manager.tools()]),
            "missing-tool": ("Read, mcp__basic__nope", []),
            "inherit-minus": (None, [t.name for t in manager.tools() if t.name.startswith("mcp__basic__")]),
        }
        for name, (tools, expected) in cases.items():
            extra = "disallowedTools: mcp__other\n" if name == "inherit-minus" else ""
            persona = load_persona_file(write_persona(tmp_path, name, tools, extra), mcp_servers=servers)
            registry: dict[str, Tool] = {}
            attach_mcp(registry, manager, persona=persona)
            assert list(registry) == expected, name
        missing = load_persona_file(write_persona(tmp_path, "m", "Read, mcp__basic__nope"), mcp_servers=servers)
        assert [u.reason for u in missing.tools.unavailable] == ["MCP server 'basic' has no tool 'nope'"]
    finally:
        await manager.stop()


def test_grant_allows_forms() -> None:
    from workbench.core.personas.model import ToolGrant

    grant = ToolGrant("list", "frontmatter", [], ["mcp__a", "mcp__b__*", "mcp__c__x"], [], [], [], [])
    assert grant_allows(grant, "mcp__a__anything")
    assert grant_allows(grant, "mcp__b__y")
    assert grant_allows(grant, "mcp__c__x")
    assert not grant_allows(grant, "mcp__c__y")
    assert not grant_allows(grant, "mcp__ab__x")
    assert not grant_allows(grant, "mcp__d__x")
    inherit = ToolGrant("absent", "none", [], [], [], ["mcp__a__secret", "mcp__b"], [], [], inherit_all=True)
    assert grant_allows(inherit, "mcp__a__public")
    assert not grant_allows(inherit, "mcp__a__secret")
    assert not grant_allows(inherit, "mcp__b__anything")
    assert not grant_allows(ToolGrant("list", "frontmatter", ["Read"], [], [], [], [], []), "mcp__a__x")


async def test_seed_002_grants_from_configuration_alone(seeds_dir: Path, project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    write_mcp_json(
        project,
        {
            "context7": stdio(STANDINS, "context7", "--marker", str(marker)),
            "sequential-thinking": stdio(STANDINS, "sequential-thinking"),
        },
    )
    assert configured_servers(project) == {}  # not trusted: nothing may start
    servers = configured_servers(project, trust_project=True)
    assert servers == {"context7": None, "sequential-thinking": None}
    persona = load_persona_file(seed_002(seeds_dir), mcp_servers=servers)
    assert sorted(persona.tools.mcp) == SEED_002_MCP
    assert not marker.exists()  # no server was started to find this out
    manager = await open_mcp(project, trust_project=True)  # the marker does appear once one really starts
    await manager.stop()
    assert marker.exists()


def test_attach_mcp_refuses_what_it_cannot_extend() -> None:
    with pytest.raises(TypeError, match="neither a tool registry nor has add_tools"):
        attach_mcp(object(), McpManager([]))
