"""`workbench sessions list | show | export` on transcripts written by a real session."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, run_cli
from workbench import headless
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use


async def test_list_show_and_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    script = [reply(text("Reading."), tool_use("Read", {"file_path": "app.py"})), reply(text("## Answer\nIt greets."))]
    with MessagesPeer(script) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out = io.StringIO()
        code = await headless.run(RunOptions(prompt="what does app.py do?", cwd=repo), out, io.StringIO())
    assert code == 0
    listed = run_cli(["sessions", "--cwd", str(repo), "list"], base_url=None, home=isolated_env)
    assert listed.returncode == 0 and "what does app.py do?" in listed.stdout and "1 turn(s)" in listed.stdout
    session_id = listed.stdout.split()[0]
    report_file = tmp_path / "report.md"
    exported = run_cli(
        ["sessions", "--cwd", str(repo), "export", session_id[:12], "--format", "md", "-o", str(report_file)],
        base_url=None,
        home=isolated_env,
    )
    assert exported.returncode == 0, exported.stderr
    report = report_file.read_text()
    assert report.startswith(f"# Session {session_id}")
    assert "what does app.py do?" in report and "#### `Read` (ok, `allow`" in report and "It greets." in report
    assert "def greet(name):" in report  # the tool output, as evidence
    shown = run_cli(["sessions", "--cwd", str(repo), "show", "latest"], base_url=None, home=isolated_env)
    assert shown.returncode == 0 and f"# Session {session_id}" in shown.stdout
    missing = run_cli(["sessions", "--cwd", str(repo), "show", "nope"], base_url=None, home=isolated_env)
    assert missing.returncode == 2 and "no session 'nope'" in missing.stderr
