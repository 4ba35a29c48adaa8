"""A real project folder through `workbench run` and the Messages API test server (issue 15, "done when"): what
the repository supplies (personas, OpenCode permission maps, MCP servers, hooks, commands, memory files) reaches
the model, or is refused, as the docs say."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.core.agent.helpers import git_repo
from tests.core.mcp.conftest import stdio, write_mcp_json
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def trust(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "mcp", "trust", "--cwd", str(repo)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


async def run(
    repo: Path, script: list[Any], monkeypatch: pytest.MonkeyPatch, *, fmt: str = "json", **kw: Any
) -> tuple[int, str, str, list[Any]]:
    """(exit code, stdout, stderr, the requests the model got)."""
    with MessagesPeer(script) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
        out, err = io.StringIO(), io.StringIO()
        kw.setdefault("prompt", "go")
        code = await headless.run(RunOptions(cwd=repo, output_format=fmt, **kw), out, err)
        requests = list(peer.message_requests)
    return code, out.getvalue(), err.getvalue(), requests


def result_line(stdout: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return data


def tool_results(request: Any) -> list[dict[str, Any]]:
    return [
        b
        for m in request.messages
        for b in m.get("content", [])
        if isinstance(b, dict) and b.get("type") == "tool_result"
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return git_repo(tmp_path / "repo")


async def test_a_project_debugger_overrides_the_bundled_one(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agents = repo / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "debugger.md").write_bytes((FIXTURES / "corpus" / "claude" / "debugger.md").read_bytes())
    trust(repo)
    code, out, err, requests = await run(repo, [reply(text("On it."))], monkeypatch, persona="debugger")
    assert code == 0, err
    assert result_line(out)["persona_id"] == "debugger"
    assert "You are a debugger for this team's services." in requests[0].system_text()


async def test_an_untrusted_project_debugger_does_not_shadow_the_bundled_one(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agents = repo / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "debugger.md").write_bytes((FIXTURES / "corpus" / "claude" / "debugger.md").read_bytes())
    code, out, err, requests = await run(repo, [reply(text("On it."))], monkeypatch, persona="debugger")
    assert code == 0, err
    assert result_line(out)["persona_id"] == "debugger"
    assert "You are a debugger for this team's services." not in requests[0].system_text()  # the bundled one
    code, out, err, requests = await run(repo, [reply(text("On it."))], monkeypatch, persona="debugger~debugger")
    assert code == 0, err  # still there to choose by its id, under the policy an untrusted persona gets
    assert "You are a debugger for this team's services." in requests[0].system_text()


async def test_an_opencode_bash_map_allows_ls_and_denies_cat_by_policy(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "notes.txt").write_text("secret plans\n")
    script = [
        reply(
            tool_use("Bash", {"command": "ls"}, id="toolu_ls"),
            tool_use("Bash", {"command": "cat notes.txt"}, id="toolu_cat"),
        ),
        reply(text("Listed.")),
    ]
    persona = str(FIXTURES / "findings" / "opencode-ls-only.md")
    code, out, _, requests = await run(repo, script, monkeypatch, persona=persona)
    calls = {c["call_id"]: c for c in result_line(out)["tool_calls"]}
    assert calls["toolu_ls"]["is_error"] is False and calls["toolu_ls"]["decision"] == "allow"
    assert calls["toolu_cat"]["decision"] == "deny"  # the policy's, not an approval nobody could give
    results = {r["tool_use_id"]: r for r in tool_results(requests[1])}
    assert "notes.txt" in json.dumps(results["toolu_ls"]["content"])
    assert "secret plans" not in json.dumps(results["toolu_cat"]["content"])
    assert "Denied by policy" in json.dumps(results["toolu_cat"]["content"])
    assert code == headless.EXIT_DENIED


@pytest.mark.parametrize("fmt", ["text", "json", "stream-json"])
async def test_a_failing_mcp_server_is_named_in_every_output(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    from workbench import paths

    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "mcp.json").write_text(
        json.dumps({"mcpServers": {"broken-docs": stdio(str(tmp_path / "missing-server.py"))}})
    )
    write_mcp_json(repo, {})
    code, out, err, _ = await run(repo, [reply(text("Fine."))], monkeypatch, fmt=fmt)
    assert code == 0, err
    if fmt == "text":
        shown = err
    elif fmt == "json":
        shown = json.dumps(result_line(out)["notices"])
    else:
        events = [json.loads(line) for line in out.splitlines()]
        shown = json.dumps([e for e in events if e["type"] == "notice"])
    assert "broken-docs" in shown and "failed to start" in shown


async def test_mcp_trust_applies_to_workbench_run(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.mcp.conftest import RAW

    write_mcp_json(repo, {"basic": stdio(RAW)})
    _, _, _, before = await run(repo, [reply(text("No."))], monkeypatch)
    assert "mcp__basic__ping" not in before[0].tool_names()
    trust(repo)
    _, _, _, after = await run(repo, [reply(text("Yes."))], monkeypatch)
    assert "mcp__basic__ping" in after[0].tool_names()


def project_hooks(repo: Path, hooks: dict[str, Any]) -> None:
    (repo / ".claude").mkdir(exist_ok=True)
    (repo / ".claude" / "settings.json").write_text(json.dumps({"hooks": hooks}))


BLOCK_LS = {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "echo 'no ls today' >&2; exit 2"}]}]
}


@pytest.mark.parametrize("trusted", [True, False])
async def test_a_pre_tool_use_hook_that_exits_2_blocks_an_allowed_call(
    repo: Path, monkeypatch: pytest.MonkeyPatch, trusted: bool
) -> None:
    project_hooks(repo, BLOCK_LS)
    if trusted:
        trust(repo)
    script = [reply(tool_use("Bash", {"command": "ls"}, id="toolu_ls")), reply(text("Done."))]
    code, out, _, requests = await run(repo, script, monkeypatch, fmt="stream-json")
    [result] = tool_results(requests[1])
    events = [json.loads(line) for line in out.splitlines()]
    hooks = [e for e in events if e["type"] == "hook_ran"]
    if trusted:
        assert "no ls today" in json.dumps(result["content"]) and result.get("is_error") is True
        assert "app.py" not in json.dumps(result["content"])  # ls did not run
        assert [(h["hook_event"], h["outcome"], h["call_id"]) for h in hooks] == [("PreToolUse", "blocked", "toolu_ls")]
        assert code == 0
    else:
        assert "app.py" in json.dumps(result["content"]) and hooks == []
        notices = " ".join(e["message"] for e in events if e["type"] == "notice")
        assert "not trusted" in notices and ".claude/settings.json: hooks (PreToolUse)" in notices


async def test_slash_review_expands_the_projects_command(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = repo / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "review.md").write_text(
        "---\ndescription: Review a file\n---\nReview $ARGUMENTS for bugs; cite lines.\n"
    )
    code, out, err, requests = await run(repo, [reply(text("Reviewed."))], monkeypatch, prompt="/review src/a.py")
    assert code == 0, err
    last = requests[0].messages[-1]
    assert last["role"] == "user" and "Review src/a.py for bugs; cite lines." in json.dumps(last["content"])
    assert "/review src/a.py" not in json.dumps(last["content"])
    assert "expanded /review from .claude/commands/review.md" in json.dumps(result_line(out)["notices"])


async def test_a_command_that_cannot_expand_sends_nothing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.mcp.conftest import RICH

    write_mcp_json(repo, {"rich": stdio(RICH)})
    trust(repo)
    code, _, err, requests = await run(
        repo, [reply(text("never"))], monkeypatch, prompt="/mcp__rich__review", fmt="text"
    )
    assert requests == [] and code == headless.EXIT_INPUT and "needs file" in err


async def test_agents_md_and_claude_md_reach_the_model(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "CLAUDE.md").write_text("Use tabs in Makefiles.\n")
    (repo / "AGENTS.md").write_text("Run make test before you finish.\n")
    _, _, _, requests = await run(repo, [reply(text("Noted."))], monkeypatch)
    system = requests[0].system_text()
    assert "Use tabs in Makefiles." in system and "Run make test before you finish." in system


async def test_an_mcp_image_reaches_the_model_as_an_image_block(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.mcp.conftest import RICH

    write_mcp_json(repo, {"rich": stdio(RICH)})
    trust(repo)
    script = [reply(tool_use("mcp__rich__snapshot", {}, id="toolu_img")), reply(text("A tiny picture."))]
    code, _, err, requests = await run(repo, script, monkeypatch, allow=["mcp__rich__snapshot"])
    assert code == 0, err
    [result] = tool_results(requests[1])
    kinds = [b["type"] for b in result["content"]]
    assert kinds == ["text", "image"]
    assert result["content"][1]["source"]["media_type"] == "image/png"


async def test_mcp_prompts_and_resource_mentions(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.mcp.conftest import RICH

    write_mcp_json(repo, {"rich": stdio(RICH)})
    trust(repo)
    _, _, _, requests = await run(repo, [reply(text("ok"))], monkeypatch, prompt="/mcp__rich__review src/a.py")
    assert "Please review src/a.py." in json.dumps(requests[0].messages[-1]["content"])
    prompt = "summarise @rich:file:///guide.md and look at @rich:file:///logo.png"
    _, _, _, requests = await run(repo, [reply(text("ok"))], monkeypatch, prompt=prompt)
    content = requests[0].messages[-1]["content"]
    assert prompt in json.dumps(content) and "Always write tests." in json.dumps(content)
    assert [b["type"] for b in content if b["type"] == "image"] == ["image"]


async def test_user_prompt_submit_and_stop_hooks(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keep_going = "grep -q '\"stop_hook_active\": true' && exit 0; echo 'run the tests first' >&2; exit 2"
    hooks = {
        "UserPromptSubmit": [
            {"hooks": [{"type": "command", "command": "grep -q forbidden && exit 2; echo 'It is Friday.'"}]}
        ],
        "Stop": [{"hooks": [{"type": "command", "command": keep_going}]}],
    }
    project_hooks(repo, hooks)
    trust(repo)
    code, _, _, requests = await run(repo, [reply(text("first")), reply(text("tests pass"))], monkeypatch)
    assert code == 0 and len(requests) == 2
    assert "It is Friday." in json.dumps(requests[0].messages[-1]["content"])
    assert "A Stop hook asks you to go on: run the tests first" in json.dumps(requests[1].messages[-1]["content"])
    code, _, _, requests = await run(repo, [reply(text("never"))], monkeypatch, prompt="a forbidden word")
    assert requests == [] and code == headless.EXIT_DENIED


async def test_skills_are_listed_and_read_on_demand(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    skill = repo / ".claude" / "skills" / "changelog"
    skill.mkdir(parents=True)
    (skill / "SKILL.md").write_text(
        "---\nname: changelog\ndescription: Writes changelog entries.\n---\nGroup by type.\n"
    )
    script = [reply(tool_use("Skill", {"skill": "changelog"}, id="toolu_sk")), reply(text("Grouped."))]
    code, _, err, requests = await run(repo, script, monkeypatch)
    assert code == 0, err
    system = requests[0].system_text()
    assert "- changelog: Writes changelog entries." in system and "Group by type." not in system
    assert "Skill" in requests[0].tool_names()
    [result] = tool_results(requests[1])
    assert "Group by type." in json.dumps(result["content"])


async def test_export_shows_what_the_persona_was_told_and_the_hooks(
    repo: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path, tmp_path: Path
) -> None:
    from tests.core.agent.helpers import run_cli
    from workbench.core.agent.memory import PROJECT_DOC_MAX_BYTES

    (repo / "CLAUDE.md").write_text("x" * (PROJECT_DOC_MAX_BYTES + 10))
    (repo / "AGENTS.md").write_text("agents\n")
    project_hooks(repo, BLOCK_LS)
    trust(repo)
    script = [reply(tool_use("Bash", {"command": "ls"}, id="toolu_ls")), reply(text("Done."))]
    _, out, _, _ = await run(repo, script, monkeypatch)
    assert "cut at" in json.dumps(result_line(out)["notices"])  # the run says so too
    session = result_line(out)["session_id"]
    report = tmp_path / "report.md"
    args = ["sessions", "--cwd", str(repo), "export", session[:12], "--format", "md", "-o", str(report)]
    assert run_cli(args, base_url=None, home=isolated_env).returncode == 0
    text_ = report.read_text()
    told = text_.split("## What the persona was told", 1)[1]
    assert "CLAUDE.md`: 32,768 of 32,778 bytes — `cut at 32,768 of 32,778 bytes" in told
    assert "AGENTS.md`: 0 of 6 bytes — `left out" in told
    assert "Hook `PreToolUse` `echo 'no ls today' >&2; exit 2` (`blocked`, exit 2" in text_


async def test_subagents_run_the_sessions_hooks(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.agent.test_delegation import Router, agent_call, write_personas

    write_personas(repo / ".claude" / "agents", ["lead", "runner"])
    once = "grep -q '\"stop_hook_active\": true' && exit 0; echo 'cite the line' >&2; exit 2"
    project_hooks(repo, {"SubagentStop": [{"hooks": [{"type": "command", "command": once}]}], **BLOCK_LS})
    trust(repo)
    router = Router.of(
        lead=[agent_call("runner"), reply(text("Reviewed."))],
        runner=[
            reply(tool_use("Bash", {"command": "ls"}, id="toolu_child_ls")),
            reply(text("Looks fine.")),
            reply(text("Line 2 is fine.")),
        ],
    )
    code, out, err, requests = await run(repo, router.turns(), monkeypatch, persona="lead", fmt="stream-json")
    assert router.seen == ["lead", "runner", "runner", "runner", "lead"], err
    events = [json.loads(line) for line in out.splitlines()]
    hooks = [(e["hook_event"], e["outcome"], e["agent_path"]) for e in events if e["type"] == "hook_ran"]
    assert hooks == [
        ("PreToolUse", "blocked", ["runner"]),
        ("SubagentStop", "blocked", ["runner"]),
        ("SubagentStop", "ok", ["runner"]),
    ]
    assert "A SubagentStop hook asks you to go on: cite the line" in json.dumps(requests[3].messages[-1]["content"])
    agent = next(e for e in events if e["type"] == "tool_call_finished" and e["agent_path"] == [])
    assert "Line 2 is fine." in agent["output"] and code == 0


async def test_hook_runs_in_text_and_json_output(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project_hooks(repo, BLOCK_LS)
    trust(repo)
    script = [reply(tool_use("Bash", {"command": "ls"}, id="toolu_ls")), reply(text("Done."))]
    _, _, err, _ = await run(repo, script, monkeypatch, fmt="text")
    assert "· hook PreToolUse \"echo 'no ls today' >&2; exit 2\" [blocked, exit 2]: no ls today" in err
    _, out, _, _ = await run(repo, list(script), monkeypatch)
    [hook] = result_line(out)["hooks"]
    assert (hook["event"], hook["outcome"], hook["call_id"]) == ("PreToolUse", "blocked", "toolu_ls")


def test_a_mention_is_a_whole_word() -> None:
    from workbench.core.project import _mentioned

    assert _mentioned("@docs:file:///a.md", "see @docs:file:///a.md.")
    assert not _mentioned("@docs:file:///a.md", "see @docs:file:///a.md.bak")
    assert not _mentioned("@docs:file:///a.md", "mail x@docs:file:///a.md")


def test_workbench_run_expands_a_command_from_the_command_line(repo: Path, isolated_env: Path) -> None:
    from tests.core.agent.helpers import run_cli

    commands = repo / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "review.md").write_text("Review $1 and list its bugs.\n")
    with MessagesPeer([reply(text("No bugs."))]) as peer:
        done = run_cli(["run", "/review src/a.py", "--cwd", str(repo)], base_url=peer.url, home=isolated_env)
        [request] = peer.message_requests
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "No bugs."
    assert "Review src/a.py and list its bugs." in json.dumps(request.messages[-1]["content"])
    assert "expanded /review from .claude/commands/review.md" in done.stderr
