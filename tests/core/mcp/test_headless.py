"""`workbench run` with MCP servers, in a subprocess, against the Messages API peer and a real stdio server.

Project servers start only once the project is trusted (`--trust-project`, or `workbench trust`); then a call
the model makes is allowed by an `--allow` rule, its result goes back to the model, and it is in the audit log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.mcp.conftest import RAW, stdio, write_mcp_json
from workbench import paths
from workbench.cli.run import parser as run_parser
from workbench.testing import MessagesPeer, reply, text, tool_use

pytestmark = [
    pytest.mark.timeout(90),
    pytest.mark.skipif(
        "--trust-project" not in run_parser().format_help(),
        reason=(
            "`workbench run` has no --trust-project flag yet: workbench/cli/run.py must parse it and "
            "workbench/headless.py must pass it on (project servers start headless only for a trusted project)"
        ),
    ),
]


def setup_project(tmp_path: Path) -> tuple[Path, Path, Path]:
    workspace = tmp_path / "repo"
    workspace.mkdir()
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    marker = tmp_path / "server-started"
    write_mcp_json(workspace, {"basic": stdio(RAW, "--marker", str(marker))})
    persona = tmp_path / "echoer.md"
    persona.write_text("---\nname: echoer\ndescription: echoes\ntools: Read, mcp__basic\n---\nYou echo.\n")
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("[audit]\nalways = true\n")
    return workspace, persona, marker


def run(peer: MessagesPeer, workspace: Path, persona: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANTHROPIC_BASE_URL=peer.url, ANTHROPIC_API_KEY="test-key")
    args = ["run", "echo it", "--cwd", str(workspace), "--persona", str(persona), "--output-format", "json"]
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args, *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_trusted_by_flag_call_allowed_by_rule_and_audited(tmp_path: Path) -> None:
    workspace, persona, marker = setup_project(tmp_path)
    script = [reply(tool_use("mcp__basic__ping", {}, id="toolu_h")), reply(text("It said pong."))]
    with MessagesPeer(script) as peer:
        out = run(peer, workspace, persona, "--trust-project", "--allow", "mcp__basic__ping")
        requests = peer.message_requests
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    [call] = summary["tool_calls"]
    assert call["tool"] == "mcp__basic__ping" and call["is_error"] is False
    assert "mcp__basic__ping" in requests[0].tool_names()
    results = [b for m in requests[1].messages for b in m.get("content", []) if b.get("type") == "tool_result"]
    assert "pong" in json.dumps(results[-1]["content"])
    assert marker.exists()
    [audit] = list(paths.data_dir().rglob("*.audit.jsonl"))
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["tool"] for r in records] == ["mcp__basic__ping"]
    pid = int(marker.read_text().split()[0])
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(")")[-1][:3]


def test_without_the_flag_no_project_server_starts(tmp_path: Path) -> None:
    workspace, persona, marker = setup_project(tmp_path)
    script = [reply(tool_use("mcp__basic__ping", {}, id="toolu_n")), reply(text("No tool."))]
    with MessagesPeer(script) as peer:
        out = run(peer, workspace, persona, "--allow", "mcp__basic__ping")
        offered = peer.message_requests[0].tool_names()
    assert not marker.exists(), "a project server started without --trust-project"
    assert not any(name.startswith("mcp__") for name in offered)
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["tool_calls"][0]["is_error"] is True
