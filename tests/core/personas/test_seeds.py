"""Each seed persona as loaded, through the Python API and through `workbench personas show --json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.core.personas.helpers import SEED_IDS, codes, run_cli, show_json
from workbench.core.models import DEFAULT_ALIASES
from workbench.core.personas.discovery import discover
from workbench.core.personas.loader import load_persona_file
from workbench.core.toolnames import CANONICAL_TOOLS

pytestmark = pytest.mark.timeout(60)

SONNET = DEFAULT_ALIASES["sonnet"]


def seed_file(seeds: Path, number: str) -> Path:
    return next(seeds.glob(f"{number}_*.txt"))


def warnings_of(data: dict[str, Any]) -> set[str]:
    return {d["code"] for d in data["diagnostics"] if d["severity"] in ("warning", "error")}


def check_000(d: dict[str, Any]) -> None:
    assert (d["dialect"], d["name"], d["name_source"]) == ("claude-code", "backend-architect", "frontmatter")
    assert d["description"].startswith("Use PROACTIVELY for backend system design")
    assert d["tools"]["source"] == "frontmatter"
    assert set(d["tools"]["granted"]) == {"Read", "Write", "Bash", "MultiEdit"}
    assert d["tools"]["unavailable"] == []
    assert d["model"] == {**d["model"], "requested": "sonnet", "resolved": SONNET}
    assert warnings_of(d) == {"W_BODY_TOOLS_MISMATCH", "W_DANGLING_REFERENCE", "W_DUPLICATE_NAME"}
    assert codes(d["diagnostics"]).count("W_DANGLING_REFERENCE") == 7
    mismatch = next(x for x in d["diagnostics"] if x["code"] == "W_BODY_TOOLS_MISMATCH")
    assert mismatch["data"]["body_only"] == [
        "Grep",
        "Glob",
        "WebSearch",
        "TodoWrite",
        "mcp__ref-tools",
        "mcp__supabase__search_docs",
        "mcp__perplexity",
        "mcp__claude-context",
    ]
    assert set(mismatch["data"]["frontmatter_only"]) == {"Write", "Bash", "MultiEdit"}
    policies = {p["id"]: p for p in d["policies"]}
    assert set(policies) == {"git-approval", "audit-log"}
    assert policies["git-approval"]["kind"] == "ask"
    assert policies["git-approval"]["rules"] == ["Bash(git *)", "Bash(git)"]
    assert policies["git-approval"]["remember"] is False
    assert policies["audit-log"]["kind"] == "audit"
    note = d["tool_name_note"]
    assert "Tools available to you in this session: Read, Write, MultiEdit, Bash." in note
    assert "MCP servers ref-tools/supabase/perplexity/claude-context" in note
    assert d["compat"]["claude_code"] == "loads"


def check_001(d: dict[str, Any]) -> None:
    assert (d["dialect"], d["name"], d["name_source"]) == ("ouroboros-spec", "backend-architect", "h1")
    assert d["description"] == (
        "You are a Backend Architect with extensive experience in designing scalable, maintainable backend "
        "systems and APIs."
    )
    assert d["tools"]["source"] == "body-heuristic"
    assert set(d["tools"]["granted"]) == {
        "Glob",
        "LS",
        "Read",
        "ReadManyFiles",
        "Grep",
        "Edit",
        "Write",
        "Bash",
        "TodoWrite",
        "SaveMemory",
        "WebFetch",
        "WebSearch",
    }
    assert [u["name"] for u in d["tools"]["unavailable"]] == ["Image Generator"]
    assert d["tools"]["unavailable"][0]["reason"].startswith("unsupported")
    assert d["model"]["kind"] == "inherit" and d["model"]["resolved"] is None
    assert warnings_of(d) == {"W_DESCRIPTION_DERIVED", "W_UNSUPPORTED_TOOL", "W_DUPLICATE_NAME"}
    assert "I_TOOLS_FROM_BODY" in codes(d["diagnostics"])
    assert d["compat"]["claude_code"] == "would-skip"
    assert [(p["id"], p["kind"], p["rules"], p["remember"]) for p in d["policies"]] == [
        ("save-memory-ask", "ask", ["SaveMemory"], False)
    ]
    note = d["tool_name_note"]
    for pair in ("FindFiles→Glob", "ReadFolder→LS", "ReadFile→Read", "SearchText→Grep", "WriteFile→Write"):
        assert pair in note
    assert "Shell/Local Shell→Bash" in note and "update_plan→TodoWrite" in note
    assert "Save Memory→SaveMemory" in note and "GoogleSearch→WebSearch" in note
    assert note.endswith("Not available: Image Generator.")


def check_002(d: dict[str, Any]) -> None:
    assert (d["dialect"], d["name"], d["name_source"]) == ("claude-code", "backend-architect", "frontmatter")
    assert d["description"].startswith("Acts as a generative architect")
    assert set(d["tools"]["granted"]) == {
        "Read",
        "Write",
        "Edit",
        "MultiEdit",
        "Grep",
        "Glob",
        "Bash",
        "LS",
        "WebSearch",
        "WebFetch",
        "TodoWrite",
        "Agent",
    }
    assert d["tools"]["aliases_used"] == {"Task": "Agent"}
    assert [u["canonical"] for u in d["tools"]["unavailable"]] == [
        "mcp__context7__resolve-library-id",
        "mcp__context7__get-library-docs",
        "mcp__sequential-thinking__sequentialthinking",
    ]
    assert d["model"]["resolved"] == SONNET
    assert warnings_of(d) == {"W_MOJIBAKE", "W_MCP_SERVER_MISSING", "W_MISSING_AGENT", "W_DUPLICATE_NAME"}
    servers = [x["data"]["server"] for x in d["diagnostics"] if x["code"] == "W_MCP_SERVER_MISSING"]
    assert servers == ["context7", "sequential-thinking"]
    missing = next(x for x in d["diagnostics"] if x["code"] == "W_MISSING_AGENT")
    assert missing["data"]["agent"] == "context-manager"
    contract = d["output_contract"]
    assert contract is not None and contract["ordered"] is True and len(contract["headings"]) == 7
    assert contract["headings"][0].startswith("1. Executive Summary")
    assert contract["headings"][6].startswith("7. Key Considerations")


def check_003(d: dict[str, Any]) -> None:
    assert (d["dialect"], d["name"]) == ("claude-code", "backend-architect")
    assert d["description"].startswith("Specialized agent for autonomous backend development")
    assert d["tools"]["declared"] == "absent" and d["tools"]["inherit_all"] is True
    assert d["tools"]["granted"] == CANONICAL_TOOLS
    assert d["model"]["kind"] == "inherit"
    assert warnings_of(d) == {"W_DUPLICATE_NAME"}
    assert d["color"] == "blue"
    assert d["policies"] == []


def check_004(d: dict[str, Any]) -> None:
    assert (d["dialect"], d["name"], d["id"]) == ("claude-code", "backend-architect-dev", "backend-architect-dev")
    assert len(d["description_examples"]) == 4
    assert d["description"].count("\n") == 38
    assert "\\n" not in d["description"]
    assert d["description_examples"][0]["user"].startswith("I want to build a REST API")
    assert d["tools"]["declared"] == "absent"
    assert d["model"]["resolved"] == SONNET
    retry = next(x for x in d["diagnostics"] if x["code"] == "I_YAML_QUOTED_RETRY")
    assert "mapping values are not allowed" in retry["message"]  # libyaml: "... in this context"
    assert warnings_of(d) == set()
    assert d["color"] == "blue"


CHECKS = {"000": check_000, "001": check_001, "002": check_002, "003": check_003, "004": check_004}


def test_seed_set_ids_through_the_api(seeds_dir: Path, tmp_path: Path) -> None:
    loaded = discover(tmp_path, [seeds_dir], include_txt=True)
    ids = {Path(p.source.path).name[:3]: p.id for p in loaded.personas if p.source.scope == "explicit"}
    assert ids == SEED_IDS
    assert loaded.failures == []
    # The bare name resolves to the explicit (highest precedence) file first, in path order.
    first = loaded.get("backend-architect")
    assert first is not None and first.id == SEED_IDS["000"]


@pytest.mark.parametrize("number", sorted(CHECKS))
def test_seed_row_through_the_api(seeds_dir: Path, tmp_path: Path, number: str) -> None:
    loaded = discover(tmp_path, [seeds_dir], include_txt=True)
    persona = loaded.get(SEED_IDS[number])
    assert persona is not None
    CHECKS[number](persona.to_json())


@pytest.mark.parametrize("number", sorted(CHECKS))
def test_seed_row_through_the_cli(seeds_dir: Path, number: str) -> None:
    proc = run_cli("personas", "show", SEED_IDS[number], "--agents", str(seeds_dir), "--all-ext", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["id"] == SEED_IDS[number]
    assert len(data["source"]["sha256"]) == 64
    assert data["source"]["path"].endswith(seed_file(seeds_dir, number).name)
    CHECKS[number](data)


def test_one_seed_file_named_alone_overrides_the_bundled_persona(seeds_dir: Path) -> None:
    data = show_json(seed_file(seeds_dir, "003"))
    assert data["id"] == "backend-architect"
    assert "I_OVERRIDES" in codes(data["diagnostics"]) and "W_DUPLICATE_NAME" not in codes(data["diagnostics"])


def test_seed_002_mojibake_is_repaired_in_the_prompt(seeds_dir: Path) -> None:
    persona = load_persona_file(seed_file(seeds_dir, "002"))
    assert "🧠 Mia" in persona.system_prompt and "🌊 Ripple" in persona.system_prompt
    assert "coherent at every level – structurally" in persona.system_prompt
    assert "ðŸ" not in persona.system_prompt and "â€" not in persona.system_prompt
    raw = load_persona_file(seed_file(seeds_dir, "002"), repair_mojibake=False)
    assert "ðŸ§" in raw.system_prompt and "W_MOJIBAKE" in codes(raw.diagnostics)


def test_seed_002_mcp_tools_granted_when_servers_are_configured(seeds_dir: Path) -> None:
    servers = {"context7": ["resolve-library-id", "get-library-docs"], "sequential-thinking": None}
    persona = load_persona_file(seed_file(seeds_dir, "002"), mcp_servers=servers)
    assert persona.tools.mcp == sorted(
        [
            "mcp__context7__resolve-library-id",
            "mcp__context7__get-library-docs",
            "mcp__sequential-thinking__sequentialthinking",
        ]
    )
    assert persona.tools.unavailable == []
    assert "W_MCP_SERVER_MISSING" not in codes(persona.diagnostics)


def test_seed_000_alone_has_no_duplicate(seeds_dir: Path) -> None:
    """Outside a load set there is nothing to collide with; the id is the bare name."""
    persona = load_persona_file(seed_file(seeds_dir, "000"))
    assert persona.id == "backend-architect"
    assert "W_DUPLICATE_NAME" not in codes(persona.diagnostics)
    assert persona.source.scope == "explicit"
