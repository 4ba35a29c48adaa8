"""Discovery: folders, precedence, unique ids and load-set checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.personas.helpers import codes
from workbench import paths
from workbench.core.personas.discovery import discover, project_dirs

pytestmark = pytest.mark.timeout(20)


def persona(folder: Path, file: str, name: str, text: str = "You help.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file
    path.write_text(f"---\nname: {name}\ndescription: {file} in {folder.name}\n---\n\n{text}\n")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


def test_every_source_folder_is_scanned(repo: Path, isolated_env: Path) -> None:
    cwd = repo / "pkg" / "sub"
    cwd.mkdir(parents=True)
    persona(repo / ".claude" / "agents", "root.md", "root-agent")
    persona(repo / "pkg" / ".claude" / "agents" / "nested", "deep.md", "deep-agent")
    persona(isolated_env / ".claude" / "agents", "mine.md", "user-agent")
    persona(repo / ".opencode" / "agent", "oc.md", "oc-agent")
    persona(isolated_env / ".gemini" / "agents", "gem.md", "gem-agent")
    persona(repo.parent / ".claude" / "agents", "outside.md", "outside-repo")  # above the repo root: not read
    loaded = discover(cwd)
    scopes = {p.name: p.source.scope for p in loaded.personas}
    assert scopes["root-agent"] == "project" and scopes["deep-agent"] == "project"
    assert scopes["user-agent"] == "user" and scopes["oc-agent"] == "opencode" and scopes["gem-agent"] == "gemini"
    assert scopes["backend-architect"] == "bundled"
    assert "outside-repo" not in scopes
    assert loaded.get("oc-agent") is not None and loaded.get("oc-agent").dialect == "opencode"  # type: ignore[union-attr]


def test_precedence_for_a_bare_name(repo: Path, isolated_env: Path, tmp_path: Path) -> None:
    cwd = repo / "pkg"
    persona(isolated_env / ".claude" / "agents", "a.md", "backend-architect", "user copy")
    persona(repo / ".claude" / "agents", "b.md", "backend-architect", "repo root copy")
    persona(cwd / ".claude" / "agents", "c.md", "backend-architect", "closest copy")
    loaded = discover(cwd, repo_trusted=True)
    chosen = loaded.get("backend-architect")
    assert chosen is not None and chosen.system_prompt == "closest copy"
    ids = sorted(p.id for p in loaded.personas if p.name == "backend-architect")
    # the closest copy overrides the others, which stay reachable by where they come from
    assert ids == [
        "backend-architect",
        "backend-architect~bundled",
        "backend-architect~project",
        "backend-architect~user",
    ]
    assert loaded.get("backend-architect~project").system_prompt == "repo root copy"  # type: ignore[union-attr]
    explicit = persona(tmp_path / "cli", "d.md", "backend-architect", "explicit copy")
    with_cli = discover(cwd, [explicit], repo_trusted=True)
    first = with_cli.get("backend-architect")
    assert first is not None and first.system_prompt == "explicit copy" and first.source.scope == "explicit"
    by_path = with_cli.get(str(repo / ".claude" / "agents" / "b.md"))
    assert by_path is not None and by_path.system_prompt == "repo root copy"
    by_id = with_cli.get("backend-architect~user")
    assert by_id is not None and by_id.source.scope == "user"


def test_an_untrusted_repository_never_takes_a_name(repo: Path, isolated_env: Path) -> None:
    """Issue 11 finding 6: a repository's code-reviewer.md (in any of its persona folders) does not shadow the
    bundled read-only one until the project is trusted; it loads, under its own id, with a warning."""
    for folder in (".claude/agents", ".opencode/agent", ".gemini/agents"):
        path = repo / folder / "code-reviewer.md"
        path.parent.mkdir(parents=True)
        path.write_text("---\nname: code-reviewer\ndescription: x\ntools: Read, Write, Bash\n---\n\nReview.\n")
    persona(isolated_env / ".claude" / "agents", "mine.md", "mine", "user copy")
    persona(repo / ".claude" / "agents", "mine.md", "mine", "repo copy")
    persona(repo / ".claude" / "agents", "only.md", "only-here")
    loaded = discover(repo)  # no stored answer: untrusted
    assert loaded.repo_trusted is False
    reviewer = loaded.get("code-reviewer")
    assert reviewer is not None and reviewer.source.scope == "bundled" and "Bash" not in reviewer.tools.granted
    mine = loaded.get("mine")
    assert mine is not None and mine.system_prompt == "user copy"
    repo_ones = [p for p in loaded.personas if p.source.untrusted]
    assert len(repo_ones) == 5 and all(p.id != p.name for p in repo_ones if p.name != "only-here")
    assert loaded.personas[-len(repo_ones) :] == repo_ones  # last, after the bundled ones
    assert all("W_UNTRUSTED_SHADOW" in codes(p.diagnostics) for p in repo_ones if p.name != "only-here")
    only = loaded.get("only-here")  # a name nobody else has: still reachable
    assert only is not None and only.source.untrusted and only.id == "only-here"
    trusted = discover(repo, repo_trusted=True).get("code-reviewer")
    assert trusted is not None and trusted.source.scope == "project" and "Bash" in trusted.tools.granted


def test_same_stem_in_two_scopes_still_gets_unique_ids(repo: Path, isolated_env: Path) -> None:
    persona(isolated_env / ".claude" / "agents", "helper.md", "helper")
    persona(repo / ".claude" / "agents", "helper.md", "helper")
    ids = [p.id for p in discover(repo).personas if p.name == "helper"]
    assert len(ids) == len(set(ids)) == 2


def test_project_dirs_stop_at_the_repo_root(repo: Path, tmp_path: Path) -> None:
    deep = repo / "a" / "b"
    deep.mkdir(parents=True)
    assert project_dirs(deep) == [deep.resolve(), (repo / "a").resolve(), repo.resolve()]
    outside = tmp_path / "plain"
    outside.mkdir()
    assert project_dirs(outside) == [outside.resolve()]


def test_folder_scans_take_markdown_and_skip_hidden_files(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    persona(folder, "a.md", "a")
    persona(folder, "b.txt", "b")
    persona(folder, "c.png", "c")
    persona(folder, ".hidden.md", "hidden")
    persona(folder / ".git", "d.md", "d")
    scanned = [p.name for p in discover(tmp_path).personas if p.source.scope == "project"]
    assert scanned == ["a"]
    # Named on the command line, the folder is explicit: .txt counts too, other files and hidden ones do not.
    explicit = [p.name for p in discover(tmp_path, [folder], include_defaults=False).personas]
    assert explicit == ["a", "b"]


def test_missing_agent_is_a_load_set_check(tmp_path: Path) -> None:
    folder = tmp_path / "agents"
    persona(folder, "lead.md", "lead", "Start by consulting the Context Manager.")
    loaded = discover(tmp_path, [folder], include_defaults=False)
    assert "W_MISSING_AGENT" in codes(loaded.personas[0].diagnostics)
    persona(folder, "cm.md", "context-manager")
    loaded = discover(tmp_path, [folder], include_defaults=False)
    assert "W_MISSING_AGENT" not in codes(loaded.get("lead").diagnostics)  # type: ignore[union-attr]


def test_bundled_personas_load_cleanly(tmp_path: Path) -> None:
    loaded = discover(tmp_path)
    bundled = [p for p in loaded.personas if p.source.scope == "bundled"]
    assert {p.name for p in bundled} >= {"backend-architect", "code-reviewer", "debugger", "test-writer"}
    for p in bundled:
        assert [d for d in p.diagnostics if d.severity.rank >= 2] == [], p.name
        assert p.model.requested and p.model.resolved and p.color and p.tools.declared == "list"
    architect = loaded.get("backend-architect")
    assert architect is not None and architect.output_contract is not None
    assert [r.id for r in architect.policies] == ["git-approval"]
    reviewer = loaded.get("code-reviewer")
    assert reviewer is not None and reviewer.tools.granted == ["Read", "LS", "Glob", "Grep"]
    assert Path(architect.source.path).parent == paths.bundled_agents_dir()


def test_agents_json_file(tmp_path: Path) -> None:
    import json

    spec = {
        "reviewer": {
            "description": "Reviews code.",
            "prompt": "You review. Never run git commands without explicit user approval.",
            "tools": ["Read", "Grep", "Bash(git diff:*)"],
            "model": "opus",
            "maxTurns": 5,
        },
        "empty": {"description": "x", "prompt": ""},
        "broken": 3,
    }
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(spec))
    loaded = discover(tmp_path, [path], include_defaults=False)
    reviewer = loaded.get("reviewer")
    assert reviewer is not None and reviewer.source.scope == "explicit"
    assert reviewer.tools.granted == ["Read", "Grep", "Bash"] and reviewer.tools.rules == ["Bash(git diff:*)"]
    assert reviewer.model.resolved == "claude-opus-5-5" and reviewer.max_turns == 5
    assert [p.id for p in reviewer.policies] == ["git-approval"]
    assert reviewer.system_prompt == spec["reviewer"]["prompt"]  # type: ignore[index]
    empty = loaded.get("empty")
    assert empty is not None and codes(empty.diagnostics) == ["E_EMPTY_PROMPT"] and empty.diagnostics[0].line is None
    assert [(d.code, d.message) for _, d in loaded.failures] == [
        ("E_JSON_NOT_MAPPING", "agent 'broken' is not an object")
    ]
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": ')
    assert [d.code for _, d in discover(tmp_path, [bad], include_defaults=False).failures] == ["E_JSON_INVALID"]
