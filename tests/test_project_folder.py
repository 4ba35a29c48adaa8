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
