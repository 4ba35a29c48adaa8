"""`workbench mcp list|trust|untrust` end to end, in a subprocess, against real servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.mcp.conftest import RAW, pid_alive, stdio, write_mcp_json
from workbench import paths
from workbench.core.mcp.trust import decision

pytestmark = pytest.mark.timeout(60)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "mcp", *args],
        capture_output=True,
        text=True,
        timeout=45,
        env=dict(os.environ),
    )


def test_list_untrusted_then_flag_then_trust(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    write_mcp_json(project, {"proj": stdio(RAW, "--marker", str(marker)), "raw": stdio(RAW)})
    user_file = paths.user_home() / ".claude.json"
    user_file.write_text(json.dumps({"mcpServers": {"user-raw": stdio(RAW), "broken": {"args": []}}}))

    out = run_cli("list", "--cwd", str(project))
    assert out.returncode == 0, out.stderr
    assert "proj  [project]" in out.stdout
    assert "status: not started: project not trusted" in out.stdout
    assert "user-raw  [user]" in out.stdout and "mcp__user-raw__ping" in out.stdout
    assert "warning: " in out.stdout and "'broken'" in out.stdout
    assert "workbench mcp trust" in out.stdout
    assert not marker.exists()

    flagged = run_cli("list", "--cwd", str(project), "--trust-project-mcp", "--json")
    assert flagged.returncode == 0, flagged.stderr
    data = json.loads(flagged.stdout)
    assert data["project_trusted"] is False
    servers = {s["name"]: s for s in data["servers"]}
    assert servers["proj"]["status"] == "started"
    assert servers["proj"]["tools"] == ["mcp__proj__ping", "mcp__proj__media"]
    assert servers["raw"]["tools"] == ["mcp__raw__ping", "mcp__raw__media"] and len(servers["raw"]["errors"]) == 4
    assert marker.exists()
    marker.unlink()

    assert decision(project) is None  # the flag remembered nothing; `trust` does
    trusted = run_cli("trust", "--cwd", str(project))
    assert trusted.returncode == 0 and "trusted" in trusted.stdout and decision(project) is True
    listed = run_cli("list", "--cwd", str(project), "--json")
    assert {s["name"]: s["status"] for s in json.loads(listed.stdout)["servers"]}["proj"] == "started"
    assert marker.exists()
    assert run_cli("untrust", "--cwd", str(project)).returncode == 0
    assert decision(project) is False


def test_list_with_nothing_configured_and_bad_folder(project: Path) -> None:
    out = run_cli("list", "--cwd", str(project))
    assert out.returncode == 0 and "No MCP servers configured" in out.stdout
    bad = run_cli("list", "--cwd", str(project / "missing"))
    assert bad.returncode == 2 and "not a folder" in bad.stderr and "Traceback" not in bad.stderr


def test_untrusted_text_never_reaches_the_terminal_raw(project: Path) -> None:
    write_mcp_json(project, {"evil\x1b[2J": {"command": "no-such-binary-\x1b]0;title\x07"}})
    out = run_cli("list", "--cwd", str(project), "--trust-project")
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout
    assert "<U+001B>" in out.stdout


def test_ctrl_c_during_list_stops_the_servers(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "hung.pid"
    hang = f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    write_mcp_json(project, {"hung": {"command": sys.executable, "args": ["-c", hang]}})
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "mcp", "list", "--cwd", str(project), "--trust-project"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert not pid_alive(int(marker.read_text()))
