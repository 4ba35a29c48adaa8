"""`--agent acp:…`: a scripted ACP agent driven by `workbench run`, its requests served under our gate."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.core.agent.helpers import git_repo
from workbench.core.acp.wire import check_frames
from workbench.core.session_store import SessionStore

AGENT = Path(__file__).with_name("scripted_agent.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = git_repo(tmp_path / "repo")
    (root / ".env").write_text("API_KEY=sk-ant-not-for-agents\n")
    (tmp_path / "outside.txt").write_text("outside the workspace\n")
    return root


def agent_spec(tmp_path: Path, steps: list[dict[str, Any]]) -> tuple[str, Path]:
    script, log = tmp_path / "script.json", tmp_path / "agent-log.json"
    script.write_text(json.dumps(steps))
    return "acp:" + shlex.join([sys.executable, str(AGENT), str(script), str(log)]), log


def run(repo: Path, spec: str, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "workbench", "run", "go", "--cwd", str(repo), "--agent", spec, *extra]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)


def test_agent_requests_go_through_the_gate_headless(repo: Path, tmp_path: Path) -> None:
    steps = [
        {"say": "Looking around.\n"},
        {"read": "README.md"},
        {"read": ".env"},
        {"read": "../outside.txt"},
        {"ran": "grep TODO", "kind": "search"},
        {"ask": "Edit app.py", "kind": "edit", "path": "app.py"},
        {"write": "notes.txt", "content": "hello\n"},
        {"say": "All done."},
    ]
    spec, log = agent_spec(tmp_path, steps)
    done = run(repo, spec, "--output-format", "json")
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    agent = json.loads(log.read_text())
    by_step = {json.dumps(r["step"]): r for r in agent["results"]}
    assert by_step[json.dumps({"read": "README.md"})]["content"] == "# demo\n"
    env_refusal = by_step[json.dumps({"read": ".env"})]["error"]
    assert "secret or credential file" in env_refusal and "sk-ant" not in json.dumps(agent)
    assert "outside the workspace" in by_step[json.dumps({"read": "../outside.txt"})]["error"]
    assert by_step[json.dumps(steps[5])]["permission"] == "no"
    assert "no one to ask in headless mode" in by_step[json.dumps(steps[6])]["error"]
    assert not (repo / "notes.txt").exists()
    # The agent's text is the run's answer; our refusals and its own tool are in the result.
    assert "Looking around." in result["final_text"] and "All done." in result["final_text"]
    assert result["persona_id"].startswith("acp:") and result["denied_calls"] == 2
    tools = [(c["tool"], c["decision"]) for c in result["tool_calls"]]
    assert ("Read", "allow") in tools and ("Read", "invalid") in tools
    assert ("agent:search", "outside gate") in tools and ("agent:edit", "denied") in tools
    assert ("Write", "denied") in tools
    notices = " ".join(n["message"] for n in result["notices"])
    assert "outside our gate" in notices and "outside our gate: search ×1" in notices  # the refused edit never ran
    # Every call we served is in the audit log; every frame we sent conforms to the schema.
    audit = SessionStore(repo).audit_path(result["session_id"]).read_text().splitlines()
    assert [json.loads(line)["tool"] for line in audit] == ["Read", "Read", "Read", "agent:edit", "Write"]
    assert check_frames(agent["received"], sent_by="client", received=agent["sent"]) == []


def test_terminal_runs_through_the_bash_tool(repo: Path, tmp_path: Path) -> None:
    spec, log = agent_spec(tmp_path, [{"terminal": "echo from-the-terminal"}, {"terminal": "rm -rf build"}])
    done = run(repo, spec, "--output-format", "json", "--allow", "Bash(echo:*)")
    agent = json.loads(log.read_text())
    echo, rm = agent["results"]
    assert echo["exit_code"] == 0 and "from-the-terminal" in echo["output"]
    assert "no one to ask in headless mode" in rm["error"]
    assert done.returncode == 3
    assert check_frames(agent["received"], sent_by="client", received=agent["sent"]) == []


def test_a_missing_agent_is_bad_input(repo: Path) -> None:
    done = run(repo, "acp:no-such-agent-anywhere --acp")
    assert done.returncode == 2 and "no-such-agent-anywhere is not installed" in done.stderr


def test_an_agent_that_dies_mid_turn_is_an_error(repo: Path, tmp_path: Path) -> None:
    spec, _log = agent_spec(tmp_path, [{"say": "Starting."}, {"exit": 3}])
    done = run(repo, spec, "--output-format", "json")
    result = json.loads(done.stdout)
    assert done.returncode == 1 and result["stop_reason"] == "error"
    assert result["errors"][0]["kind"] == "agent" and "the agent failed" in result["errors"][0]["message"]
    assert "Starting." in result["final_text"]
