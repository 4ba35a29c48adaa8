"""The four YAML stages: pre-quote, string-only strict load, quote-and-retry, lenient lines."""

from __future__ import annotations

import pytest
import yaml

from workbench.core.personas.yamlparse import (
    StringOnlyLoader,
    parse_frontmatter,
    parse_lenient,
    prequote_comments,
    quote_problematic_values,
    restrictive_merge,
)

pytestmark = pytest.mark.timeout(10)


def test_string_only_loader_keeps_every_scalar_a_string() -> None:
    data = yaml.load("a: yes\nb: 3000\nc: 4.5\nd: null\ne: [1, on]\n", Loader=StringOnlyLoader)
    assert data == {"a": "yes", "b": "3000", "c": "4.5", "d": "null", "e": ["1", "on"]}


def test_duplicate_keys_are_a_strict_error() -> None:
    with pytest.raises(yaml.YAMLError, match="duplicate key 'name'"):
        yaml.load("name: a\nname: b\n", Loader=StringOnlyLoader)


def test_prequote_only_touches_values_with_an_inline_hash() -> None:
    text = "name: x\ndescription: C# and F# #tags\nnote: 'quoted # kept'\n"
    assert prequote_comments(text) == "name: x\ndescription: \"C# and F# #tags\"\nnote: 'quoted # kept'\n"


def test_quote_problematic_values_mirrors_claude_code() -> None:
    text = 'description: This includes: a, b\ntools: [Read, Write]\nx: |\nmodel: sonnet\npath: C:\\dir "q"*\n'
    assert quote_problematic_values(text) == (
        'description: "This includes: a, b"\ntools: [Read, Write]\nx: |\nmodel: sonnet\npath: "C:\\\\dir \\"q\\"*"\n'
    )


def test_stages_and_line_numbers() -> None:
    strict = parse_frontmatter("name: a\ndescription: b", 2)
    assert strict.stage == "strict" and strict.key_lines == {"name": 2, "description": 3}
    retry = parse_frontmatter("name: a\ndescription: x: y", 2)
    assert retry.stage == "retry" and retry.data["description"] == "x: y"
    assert [(d.code, d.line) for d in retry.diagnostics] == [("I_YAML_QUOTED_RETRY", 3)]
    lenient = parse_frontmatter("name: a\ndescription: first\nuser: hi\n  - x: [", 2)
    assert lenient.stage == "lenient" and lenient.would_skip
    assert lenient.data == {"name": "a", "description": "first\nuser: hi\n- x: ["}


def test_lenient_block_list_and_quotes() -> None:
    data, diags = parse_lenient("name: \"quoted\"\ntools:\n  - Read\n  - 'Grep'\ncolor: blue", 2)
    assert data == {"name": "quoted", "tools": ["Read", "Grep"], "color": "blue"} and diags == []


def test_restrictive_merge() -> None:
    assert restrictive_merge("tools", "Read, Write", ["read", "Grep"]) == ["Read"]
    assert restrictive_merge("tools", "*", "Read") == ["Read"]
    assert restrictive_merge("tools", "Read", "") == []
    assert restrictive_merge("disallowedTools", "Bash", "WebFetch, bash") == ["Bash", "WebFetch"]
    assert restrictive_merge("permissionMode", "plan", "acceptEdits") == "plan"
    assert restrictive_merge("permissionMode", "default", "dontAsk") == "dontAsk"
    assert restrictive_merge("model", "opus", "haiku") == "haiku"


def test_aliases_are_refused_even_small_ones() -> None:
    result = parse_frontmatter("a: &x hello\nb: *x\n", 2)
    assert result.stage == "refused" and result.data == {}
    assert [(d.code, d.line) for d in result.diagnostics] == [("E_YAML_ALIAS", 3)]


def test_pure_python_loader_refuses_aliases_too() -> None:
    from workbench.core.personas.yamlparse import AliasRefused

    with pytest.raises(AliasRefused):
        yaml.load("a: &x [1]\nb: *x\n", Loader=StringOnlyLoader)


def test_deep_nesting_is_refused_before_parsing() -> None:
    result = parse_frontmatter("name: a\ntools: " + "[" * 200 + "]" * 200, 2)
    assert result.stage == "lenient"
    assert "nesting deeper than 100 levels" in result.diagnostics[0].message
