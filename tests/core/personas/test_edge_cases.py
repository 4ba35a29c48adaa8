"""The 28 edge cases the loader must survive (docs/personas.md), one fixture each (fixtures/edge/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.personas.helpers import EDGE, codes
from workbench.core.personas.discovery import discover
from workbench.core.personas.loader import load_persona_file
from workbench.core.personas.model import Persona
from workbench.core.toolnames import CANONICAL_TOOLS

pytestmark = pytest.mark.timeout(30)


def load(name: str, **kwargs: object) -> Persona:
    return load_persona_file(EDGE / name, **kwargs)  # type: ignore[arg-type]


def test_01_bom_and_crlf() -> None:
    assert (EDGE / "01_bom_crlf.md").read_bytes().startswith(b"\xef\xbb\xbf---\r\n")
    p = load("01_bom_crlf.md")
    assert p.name == "bom-crlf" and p.tools.granted == ["Read", "Grep"]
    assert p.system_prompt == "You review code.\nBe brief."
    assert {"W_BOM", "I_CRLF"} <= set(codes(p.diagnostics))


def test_02_utf16_and_cp1252() -> None:
    p = load("02a_utf16.txt")
    assert p.name == "utf16-persona" and p.description == "Saved as UTF-16 — with a dash."
    assert "I_UTF16" in codes(p.diagnostics)
    q = load("02b_cp1252.txt")
    assert q.description == "Café notes, saved as Windows-1252."
    diag = next(d for d in q.diagnostics if d.code == "W_NOT_UTF8")
    assert diag.line == 3


def test_03_mojibake_detected_and_repaired_per_line() -> None:
    p = load("03_mojibake.md")
    assert "🧠 Mia (Structure)" in p.system_prompt
    assert "every level – structurally" in p.system_prompt
    diag = next(d for d in p.diagnostics if d.code == "W_MOJIBAKE")
    assert diag.data["lines"] == [6, 7] and diag.data["repaired"] == 2
    kept = load("03_mojibake.md", repair_mojibake=False)
    assert "ðŸ§" in kept.system_prompt


def test_04_leading_blank_lines_parse_but_warn() -> None:
    p = load("04_leading_blank.md")
    assert p.name == "leading-blank" and p.name_source == "frontmatter"
    assert "W_LEADING_BLANK" in codes(p.diagnostics)
    assert p.compat == {"claude_code": "would-skip", "claude_code_reason": "blank lines before the frontmatter hide it"}


def test_05_missing_closer_means_no_frontmatter_and_only_read_only_tools() -> None:
    p = load("05_unterminated.md")
    assert "E_UNTERMINATED_FRONTMATTER" in codes(p.diagnostics) and p.has_errors
    assert p.tools.granted == ["Read", "LS", "Glob", "Grep", "ReadManyFiles"] and not p.tools.inherit_all
    assert p.system_prompt.startswith("---\nname: never-closed")
    assert p.name_source == "h1" and p.name == "never-closed"
    assert p.compat["claude_code"] == "would-skip"


def test_06_horizontal_rule_in_body_is_untouched() -> None:
    p = load("06_hr_in_body.md")
    assert p.system_prompt == "First part.\n\n---\n\nname: not-a-key\n\nSecond part."
    assert p.name == "ruled-body" and p.extra == {}


def test_07_unquoted_colon_in_one_line_value_is_retried() -> None:
    p = load("07_colon_value.md")
    assert p.description == "Use this agent for reviews. This includes: style, bugs and tests."
    assert p.model.requested == "haiku"
    assert "I_YAML_QUOTED_RETRY" in codes(p.diagnostics)
    assert p.compat["claude_code"] == "loads"


def test_08_multiline_unindented_description_goes_lenient() -> None:
    p = load("08_multiline_unindented.md")
    assert "W_YAML_LENIENT" in codes(p.diagnostics)
    assert p.compat["claude_code"] == "would-skip"
    assert "user: Please review my change." in p.description
    assert p.description_examples[0]["user"] == "Please review my change."
    assert p.tools.granted == ["Read", "Grep"]
    assert "user" not in p.extra and "assistant" not in p.extra


def test_09_hash_in_value_is_not_a_comment() -> None:
    p = load("09_hash_in_value.md")
    assert p.description == "Expert in C# and F# #tags for .NET"


def test_10_literal_backslash_n_becomes_newline_in_description_only() -> None:
    p = load("10_literal_newline.md")
    assert p.description.startswith("First line.\nSecond line.\n\n<example>")
    assert p.description_examples == [
        {
            "text": 'Context: a test.\nuser: "hello"\nassistant: "hi"\n<commentary>\nWhy it fits.\n</commentary>',
            "commentary": "Why it fits.",
            "context": "a test.",
            "user": "hello",
            "assistant": "hi",
        }
    ]
    assert p.options["initialPrompt"] == "keep \\n as is"
    assert p.system_prompt == "You keep \\n literal in the body."


def test_11_duplicate_keys() -> None:
    p = load("11_duplicate_keys.md")
    assert "W_YAML_LENIENT" in codes(p.diagnostics)
    assert codes(p.diagnostics).count("W_DUPLICATE_KEY") == 3
    assert p.name == "second-name"  # the last value
    assert p.tools.granted == ["Read"]  # the more restrictive: the intersection
    assert p.permission_mode == "plan"  # the tighter mode


def test_12_yaml11_values_stay_strings() -> None:
    p = load("12_yaml11_coercions.md")
    assert p.name == "yes" and p.description == "3000"
    assert p.model.requested == "4.5" and p.model.kind == "unknown"
    assert p.max_turns == 12


def test_13_tab_indented_keys_are_keys() -> None:
    p = load("13_tabs.md")
    assert "W_YAML_LENIENT" in codes(p.diagnostics)
    assert p.name == "tabbed" and p.description == "Indented with a tab."
    assert p.tools.granted == ["Read"]


def test_14_non_mapping_frontmatter() -> None:
    p = load("14a_list_frontmatter.md")
    assert "E_FRONTMATTER_NOT_MAPPING" in codes(p.diagnostics)
    assert (p.name, p.name_source) == ("list-frontmatter", "h1")
    assert p.description == "You are listed."
    q = load("14b_scalar_frontmatter.md")
    assert "E_FRONTMATTER_NOT_MAPPING" in codes(q.diagnostics)
    assert (q.name, q.name_source) == ("14b-scalar-frontmatter", "filename")
    assert q.description == "You are a scalar helper."


def test_15_missing_name_and_description_are_derived() -> None:
    p = load("15_missing_name_description.md")
    assert (p.name, p.name_source) == ("release-notes", "h1")
    assert p.description == "You write release notes from the git log."
    assert "W_DESCRIPTION_DERIVED" in codes(p.diagnostics)
    assert p.compat["claude_code"] == "would-skip"


@pytest.mark.parametrize(
    ("fixture", "name", "claude_code"),
    [
        ("16a_uppercase.md", "code-reviewer", "unverified"),  # its documentation does not say it skips these
        ("16b_colon.md", "plugin-reviewer", "would-skip"),
        ("16c_leading_dash.md", "dash", "would-skip"),
    ],
)
def test_16_invalid_names_are_slugified(fixture: str, name: str, claude_code: str) -> None:
    p = load(fixture)
    assert p.name == name
    assert "W_NAME_NORMALIZED" in codes(p.diagnostics)
    assert p.compat["claude_code"] == claude_code


def test_17_same_name_gets_unique_ids_and_deterministic_precedence(tmp_path: Path) -> None:
    loaded = discover(tmp_path, [EDGE / "17_same_name"], include_defaults=False)
    # files of one folder tie: none takes the bare name, and each id says where in the folder it is
    assert [p.id for p in loaded.personas] == ["twin~alpha", "twin~beta", "twin~sub/gamma"]
    assert all("W_DUPLICATE_NAME" in codes(p.diagnostics) for p in loaded.personas)
    twin = loaded.get("twin")
    assert twin is not None and twin.description == "The first twin."
    again = discover(tmp_path, [EDGE / "17_same_name"], include_defaults=False)
    assert [p.id for p in again.personas] == [p.id for p in loaded.personas]


@pytest.mark.parametrize(
    ("fixture", "declared", "granted"),
    [
        ("18a_tools_comma.md", "list", ["Read", "Glob", "Grep", "Bash"]),
        ("18b_tools_list.md", "list", ["Read", "Edit"]),
        ("18c_tools_flow.md", "list", ["Read", "Write"]),
        ("18d_tools_empty_string.md", "empty", []),
        ("18e_tools_empty_list.md", "empty", []),
        ("18f_tools_null.md", "empty", []),
        ("18i_tools_bool.md", "empty", []),
    ],
)
def test_18_tools_forms(fixture: str, declared: str, granted: list[str]) -> None:
    p = load(fixture)
    assert p.tools.declared == declared
    assert p.tools.granted == granted
    assert "E_NO_TOOLS" not in codes(p.diagnostics)


def test_18_tools_star_with_disallowed() -> None:
    p = load("18g_tools_star.md")
    assert p.tools.declared == "all"
    assert p.tools.granted == [t for t in CANONICAL_TOOLS if t not in ("Bash", "WebFetch")]
    assert p.tools.disallowed == ["Bash", "WebFetch"]
    assert not p.tools.inherit_all and p.tools.mcp == ["mcp__*"]


def test_18_tools_mapping_is_opencode() -> None:
    p = load("18h_tools_mapping.md")
    assert p.dialect == "opencode" and (p.name, p.name_source) == ("18h-tools-mapping", "filename")
    assert p.tools.source == "opencode"
    assert "Write" not in p.tools.granted and "Bash" not in p.tools.granted and "Read" in p.tools.granted
    assert p.model.kind == "provider" and p.model.resolved == "claude-sonnet-4-20250514"
    rules = {(r.kind, r.rules) for r in p.policies}
    assert ("ask", ("Edit", "Write", "MultiEdit")) in rules
    assert ("deny", ("Bash(git push*)",)) in rules and ("ask", ("Bash",)) in rules


def test_18_tools_bool_warns() -> None:
    assert "W_TOOLS_BOOLEAN" in codes(load("18i_tools_bool.md").diagnostics)


def test_19_specifiers_are_kept_whole_and_become_rules(tmp_path: Path) -> None:
    p = load("19_specifiers.md")
    assert p.tools.granted == ["Read", "Bash", "Agent"]
    assert p.tools.rules == ["Bash(git status:*)", "Agent(worker, researcher)", "Bash(npm run test *)"]
    assert p.tools.scoped == ["Bash", "Agent"]  # Read is listed bare
    assert [m[0] for m in p.agent_mentions] == ["worker", "researcher"]
    loaded = discover(tmp_path, [EDGE / "19_specifiers.md"], include_defaults=False)
    missing = [d.data["agent"] for d in loaded.personas[0].diagnostics if d.code == "W_MISSING_AGENT"]
    assert missing == ["worker", "researcher"]


def test_20_aliases_case_variants_and_unknown_tools() -> None:
    p = load("20a_tool_variants.md")
    assert p.tools.granted == ["Read", "Glob", "Bash"]
    assert [(d.code, d.line) for d in p.diagnostics if d.code == "W_UNKNOWN_TOOL"] == [("W_UNKNOWN_TOOL", 4)]
    assert p.tools.aliases_used == {"read": "Read", "READ": "Read", "FindFiles": "Glob", "run_shell_command": "Bash"}
    q = load("20b_all_unknown.md")
    assert q.tools.granted == [] and "E_NO_TOOLS" in codes(q.diagnostics) and q.has_errors


def test_21_mcp_names_unavailable_without_servers() -> None:
    p = load("21_mcp_names.md")
    assert p.tools.mcp == []
    assert [u.canonical for u in p.tools.unavailable] == [
        "mcp__docs",
        "mcp__search__*",
        "mcp__context7__resolve-library-id",
        "mcp__files__read_text",
        "mcp__missing__tool",
    ]
    assert codes(p.diagnostics).count("W_MCP_SERVER_MISSING") == 5


def test_21_mcp_names_with_configured_servers() -> None:
    servers = {"docs": None, "search": ["query"], "context7": ["resolve-library-id"], "files": ["read_text"]}
    p = load("21_mcp_names.md", mcp_servers=servers)
    assert p.tools.mcp == [
        "mcp__context7__resolve-library-id",
        "mcp__docs",
        "mcp__files__read_text",
        "mcp__search__*",
    ]
    assert [u.canonical for u in p.tools.unavailable] == ["mcp__missing__tool"]


@pytest.mark.parametrize(
    ("fixture", "kind", "resolved", "warning"),
    [
        ("22a_model_alias_case.md", "alias", "claude-opus-5-5", None),
        ("22b_model_full_id.md", "id", "claude-opus-5", None),
        ("22c_model_inherit.md", "inherit", None, None),
        ("22d_model_provider.md", "provider", None, "W_MODEL_PROVIDER"),
        ("22e_model_unknown.md", "unknown", None, "W_UNKNOWN_MODEL"),
        ("22f_model_not_string.md", "unknown", None, "W_UNKNOWN_MODEL"),
    ],
)
def test_22_model_values(fixture: str, kind: str, resolved: str | None, warning: str | None) -> None:
    p = load(fixture)
    assert (p.model.kind, p.model.resolved) == (kind, resolved)
    found = {c for c in codes(p.diagnostics) if c.startswith("W_")}
    assert found == ({warning} if warning else set())


def test_23_bypass_permissions_is_ignored_unless_trusted() -> None:
    p = load("23_bypass_permissions.md")
    assert p.permission_mode is None and "W_PERMISSION_MODE_IGNORED" in codes(p.diagnostics)
    trusted = load("23_bypass_permissions.md", trust_permission_mode=True)
    assert trusted.permission_mode == "bypassPermissions"


def test_24_empty_body_is_an_error() -> None:
    p = load("24_empty_body.md")
    assert p.system_prompt == "" and "E_EMPTY_PROMPT" in codes(p.diagnostics) and p.has_errors


def test_25_binary_file_is_refused() -> None:
    p = load("25_binary.txt")
    assert codes(p.diagnostics) == ["E_BINARY"] and p.system_prompt == ""


def test_26_yaml_in_a_fenced_block_is_ignored() -> None:
    p = load("26_fenced_yaml.md")
    assert p.name == "fenced-yaml" and p.tools.declared == "absent"
    assert "name: evil" in p.system_prompt


def test_27_other_extensions_explicit_only(tmp_path: Path) -> None:
    p = load("27_extension.txt")
    assert p.name == "text-extension" and not p.has_errors
    # A folder named explicitly takes its .txt files (the issue: any extension when explicit) ...
    folder = tmp_path / "agents"
    folder.mkdir()
    (folder / "x.txt").write_bytes((EDGE / "27_extension.txt").read_bytes())
    assert [p.name for p in discover(tmp_path, [folder], include_defaults=False).personas] == ["text-extension"]
    # ... while a scanned project folder takes .md only unless .txt is opted in.
    project = tmp_path / "proj"
    (project / ".claude" / "agents").mkdir(parents=True)
    (project / ".claude" / "agents" / "x.txt").write_bytes((EDGE / "27_extension.txt").read_bytes())
    scanned = [p.name for p in discover(project).personas]
    assert "text-extension" not in scanned
    assert "text-extension" in [p.name for p in discover(project, include_txt=True).personas]


def test_28_very_long_single_line_description() -> None:
    p = load("28_long_description.md")
    assert len(p.description) > 3000 and "\n" not in p.description
    assert p.description.endswith("and nothing else.")


def test_02_mixed_encodings_are_decoded_per_line() -> None:
    from workbench.core.personas.decode import decode_bytes

    decoded = decode_bytes("---\nname: x\ndescription: café ☕\n---\n".encode() + b"caf\xe9 au lait\n")
    assert decoded.text == "---\nname: x\ndescription: café ☕\n---\ncafé au lait\n"
    assert [(d.code, d.line, d.data["lines"]) for d in decoded.diagnostics] == [("W_NOT_UTF8", 5, [5])]
