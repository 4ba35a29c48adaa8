"""Secrets through real tool calls: what Read, Grep and a refused command return reaches the model, the
transcript, the audit log and the export redacted; the session's folders are private."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo, sessions_folder
from workbench import headless
from workbench.core.secrets import MARK
from workbench.core.session_store import export_markdown
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, reply, text, tool_use

PW = "hunter2hunter2"
TOKEN = "ghp_" + "a1B2" * 9


async def test_read_grep_and_a_refusal_are_redacted_everywhere(
    tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    (repo / "settings.cfg").write_text(f"[db]\nuser = ada\nDB_PASSWORD = {PW}\n")
    (repo / "deploy.yaml").write_text(f'env:\n  token: "{TOKEN}"\n')
    calls = [
        tool_use("Read", {"file_path": "settings.cfg"}),
        tool_use("Grep", {"pattern": "PASSWORD|token", "output_mode": "content"}),
        tool_use("Bash", {"command": f"export DB_PASSWORD={PW} && psql"}),
    ]
    with MessagesPeer([reply(*calls), reply(text("Done."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out = io.StringIO()
        code = await headless.run(
            RunOptions(prompt="check the config", cwd=repo, output_format="json"), out, io.StringIO()
        )
        results = [b for b in peer.message_requests[-1].messages[-1]["content"] if b["type"] == "tool_result"]
    assert code == 3, out.getvalue()  # the command was refused: nobody can approve it headless
    assert PW not in out.getvalue()  # the json result quotes the model's command: a CI log keeps it
    assert len(results) == 3
    for block in results:  # what the model is sent back
        assert PW not in block["content"] and TOKEN not in block["content"]
    assert f"DB_PASSWORD = {MARK}" in results[0]["content"] and "settings.cfg:3:DB_PASSWORD" in results[1]["content"]
    session_id = json.loads(out.getvalue())["session_id"]
    folder = sessions_folder(isolated_env)
    transcript = (folder / f"{session_id}.jsonl").read_text()
    audit = (folder / f"{session_id}.audit.jsonl").read_text()
    report = export_markdown(session_id, repo)
    for where, written in (("transcript", transcript), ("audit log", audit), ("export", report)):
        assert PW not in written and TOKEN not in written, where
    assert '"reason":"export DB_PASSWORD=[REDACTED]' in audit  # the policy's reason quotes the command
    for folder_path in (folder, folder.parent, folder.parent.parent, folder.parent.parent.parent):
        assert stat.S_IMODE(folder_path.stat().st_mode) == 0o700, folder_path
