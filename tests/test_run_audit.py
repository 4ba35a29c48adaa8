"""The audit log is on by default, as the README says: every session writes one (0600, rotated by size), the export
includes it, the demo's too; `[audit] enabled = false` turns it off and the session says so."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, sessions_folder, write_config
from workbench import demo, headless
from workbench.core.approvals import Decision
from workbench.core.policy.audit import AuditLog, CallRecord, audit_files
from workbench.core.session_store import SessionStore, export_markdown
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use


async def _run(repo: Path, monkeypatch: pytest.MonkeyPatch, fmt: str = "json") -> tuple[int, str, str]:
    with MessagesPeer([reply(tool_use("Read", {"file_path": "app.py"})), reply(text("Read it."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out, err = io.StringIO(), io.StringIO()
        code = await headless.run(RunOptions(prompt="read app.py", cwd=repo, output_format=fmt), out, err)
    return code, out.getvalue(), err.getvalue()


async def test_every_session_writes_its_audit_log(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    code, out, _ = await _run(repo, monkeypatch)
    assert code == 0
    session_id = json.loads(out)["session_id"]
    log = sessions_folder(isolated_env) / f"{session_id}.audit.jsonl"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    [record] = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["tool"] == "Read" and record["session"] == session_id and record["outcome"]["ok"] is True
    report = export_markdown(session_id, repo)
    assert "No audit log" not in report and "1 tool call(s)." in report and "| 1 |" in report


async def test_audit_off_by_config_is_said(tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(isolated_env, "[audit]\nenabled = false\n")
    repo = git_repo(tmp_path / "repo")
    code, _, err = await _run(repo, monkeypatch, fmt="text")
    assert code == 0
    assert not list(sessions_folder(isolated_env).glob("*.audit.jsonl*"))
    assert "the audit log is off ([audit] enabled = false" in err


def test_the_log_rotates_by_size_and_the_export_reads_every_part(tmp_path: Path) -> None:
    path = tmp_path / "s.audit.jsonl"
    log = AuditLog(path, session="s", persona_id="p", max_bytes=2_000, keep=2)
    for n in range(12):
        log.record(CallRecord(tool="Bash", input={"command": f"echo {n} " + "x" * 200}, started=0.0, duration_ms=1,
                              decision="ask", approval=Decision(allow=True, by="user")))  # fmt: skip
    parts = audit_files(path)
    assert [p.name for p in parts] == ["s.audit.jsonl.2", "s.audit.jsonl.1", "s.audit.jsonl"]  # oldest first
    assert all(p.stat().st_size <= 2_000 and stat.S_IMODE(p.stat().st_mode) == 0o600 for p in parts)
    commands = [json.loads(line)["input"]["command"].split()[1] for p in parts for line in p.read_text().splitlines()]
    assert commands == sorted(commands, key=int) and commands[-1] == "11"  # in order; the oldest rotated away


async def test_the_demo_export_includes_its_audit_log(tmp_path: Path) -> None:
    class Approve:
        async def decide(self, request: object) -> Decision:
            return Decision(allow=True, by="user")

    ws = demo.prepare_demo_workspace(tmp_path / "ws")
    session = demo.demo_session(Approve(), workspace=ws, delay=0)
    try:
        async for _ in session.run_turn(demo.DEMO_PROMPT):
            pass
    finally:
        await session.aclose()
    report = export_markdown(session.id, ws)
    assert "No audit log" not in report and "## Audit log" in report
    store = SessionStore(ws)
    calls = [json.loads(line)["tool"] for line in store.audit_path(session.id).read_text().splitlines()]
    assert {"Read", "Grep", "Edit", "Bash"} <= set(calls)
