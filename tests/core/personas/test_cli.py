"""`workbench personas list|show|check` as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.personas.helpers import EDGE, ROOT, run_cli

pytestmark = pytest.mark.timeout(60)


def test_check_bundled_agents_prints_nothing() -> None:
    files = sorted(str(p) for p in (ROOT / "agents").glob("*.md"))
    assert len(files) >= 3
    proc = run_cli("personas", "check", *files)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_check_format_and_exit_codes(tmp_path: Path) -> None:
    warn = tmp_path / "warn.md"
    warn.write_text("---\nname: warn\ndescription: x\nmodel: gpt-5\n---\n\nBody.\n")
    proc = run_cli("personas", "check", str(warn))
    assert proc.returncode == 0
    assert proc.stdout == f"{warn}:4: warning W_UNKNOWN_MODEL unknown model 'gpt-5'; the session model is used\n"
    empty = EDGE / "24_empty_body.md"
    proc = run_cli("personas", "check", str(warn), str(empty))
    assert proc.returncode == 1
    assert f"{empty}:5: error E_EMPTY_PROMPT" in proc.stdout


def test_check_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\nname: a\ndescription: x\ntools: Nope\n---\n\nBody.\n")
    proc = run_cli("personas", "check", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{tmp_path / 'a.md'}:4: error E_NO_TOOLS the tool list names tools but none of them is available, so "
        "the persona can't start; name at least one available tool, or remove the tools line to give it every tool",
        f"{tmp_path / 'a.md'}:4: warning W_UNKNOWN_TOOL unknown tool 'Nope' ignored",
    ]


def test_list_human_and_json(tmp_path: Path) -> None:
    proc = run_cli("personas", "list", "--agents", str(EDGE / "17_same_name"), "--cwd", str(tmp_path))
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "DIALECT", "MODEL", "TOOLS", "WORST", "SOURCE"]
    row = next(line for line in lines if line.startswith("twin~alpha"))
    assert row.split()[1:6] == ["twin", "claude-code", "inherit", "(claude-sonnet-5-5)", "all"]
    assert "W_DUPLICATE_NAME" in row
    assert any(line.startswith("debugger ") for line in lines)
    data = json.loads(run_cli("personas", "list", "--json", "--cwd", str(tmp_path)).stdout)
    names = [p["name"] for p in data["personas"]]
    assert "code-reviewer" in names and data["failures"] == []
    assert "system_prompt" not in data["personas"][0]
    reviewer = next(p for p in data["personas"] if p["id"] == "code-reviewer")
    assert reviewer["tool_count"] == 4 and reviewer["worst"] is None


def test_list_all_ext_reads_txt(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    folder.mkdir(parents=True)
    (folder / "t.txt").write_bytes((EDGE / "27_extension.txt").read_bytes())
    plain = run_cli("personas", "list", "--cwd", str(tmp_path)).stdout
    every = run_cli("personas", "list", "--cwd", str(tmp_path), "--all-ext").stdout
    assert "text-extension" not in plain and "text-extension" in every
    explicit = run_cli("personas", "list", "--agents", str(folder), "--cwd", str(tmp_path)).stdout
    assert "text-extension" in explicit


def test_show_by_id_human(tmp_path: Path) -> None:
    proc = run_cli("personas", "show", "backend-architect", "--cwd", str(tmp_path))
    assert proc.returncode == 0
    out = proc.stdout
    assert out.startswith("backend-architect\n")
    assert "  model       sonnet -> claude-sonnet-5-5" in out
    assert "git-approval: ask Bash(git *), Bash(git), never remembered" in out
    assert "required sections, in order:" in out


def test_show_json_keys(tmp_path: Path) -> None:
    data = json.loads(run_cli("personas", "show", "code-reviewer", "--json", "--cwd", str(tmp_path)).stdout)
    for key in ("id", "name", "dialect", "description", "model", "tools", "policies", "output_contract"):
        assert key in data
    assert set(data["model"]) >= {"requested", "resolved"}
    assert data["tools"]["granted"] == ["Read", "LS", "Glob", "Grep"] and data["tools"]["unavailable"] == []
    assert data["output_contract"] is None
    assert set(data["source"]) >= {"path", "sha256"}
    assert all(set(d) >= {"code", "severity", "message", "line"} for d in data["diagnostics"])


def test_show_unknown_id_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli("personas", "show", "no-such-persona", "--cwd", str(tmp_path))
    assert proc.returncode == 2 and "no persona 'no-such-persona'" in proc.stderr and "Traceback" not in proc.stderr


def test_show_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli("personas", "show", str(tmp_path))
    assert proc.returncode == 2 and "is a folder" in proc.stderr


def test_bad_arguments_do_not_trace(tmp_path: Path) -> None:
    proc = run_cli("personas", "frobnicate")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run_cli("personas", "list", "--cwd", str(tmp_path / "missing"))
    assert proc.returncode == 1 and "is not a folder" in proc.stderr and "Traceback" not in proc.stderr


def test_untrusted_text_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    evil = tmp_path / "evil.md"
    evil.write_text(
        '---\nname: evil\ndescription: "bad \\e[31mred\\e[0m \\u009b2J and \\u202Eoverride"\n'
        'model: "x\\e]0;t\\a"\n---\n\n'
        "Body \x1b[2J.\n"
    )
    for args in (
        ["show", str(evil)],
        ["show", str(evil), "--json"],
        ["check", str(evil)],
        ["list", "--agents", str(evil)],
    ):
        proc = run_cli("personas", *args, "--cwd", str(tmp_path)) if args[0] == "list" else run_cli("personas", *args)
        text = proc.stdout + proc.stderr
        assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text and "\x07" not in text, args
    shown = run_cli("personas", "show", str(evil)).stdout
    assert "\\x1b[31mred" in shown
    data = json.loads(run_cli("personas", "show", str(evil), "--json").stdout)
    assert data["description"].startswith("bad \x1b[31mred")  # the data itself is kept, only escaped on output


def test_check_an_agents_json_file(tmp_path: Path) -> None:
    path = tmp_path / "agents.json"
    path.write_text(
        json.dumps({"ok": {"description": "x", "prompt": "Hi."}, "bad": {"description": "y", "prompt": ""}})
    )
    proc = run_cli("personas", "check", str(path))
    assert proc.returncode == 1
    assert proc.stdout == f"{path}#bad:1: error E_EMPTY_PROMPT the body (the system prompt) is empty\n"


def test_trust_and_conflict_flags(tmp_path: Path) -> None:
    bypass = EDGE / "23_bypass_permissions.md"
    plain = json.loads(run_cli("personas", "show", str(bypass), "--json").stdout)
    trusted = json.loads(run_cli("personas", "show", str(bypass), "--json", "--trust-persona-permission-mode").stdout)
    assert (plain["permission_mode"], trusted["permission_mode"]) == (None, "bypassPermissions")
    conflict = tmp_path / "c.md"
    conflict.write_text("---\nname: c\ndescription: x\ntools: Read, Write\n---\n\nBody.\n\n## Tools\nRead, Grep\n")
    strict = json.loads(run_cli("personas", "show", str(conflict), "--json", "--tool-conflict", "strict").stdout)
    assert strict["tools"]["granted"] == ["Read"]
    union = json.loads(
        run_cli("personas", "show", str(conflict), "--json", "--tool-conflict", "union", "--trust-persona-tools").stdout
    )
    assert union["tools"]["granted"] == ["Read", "Grep", "Write"]
