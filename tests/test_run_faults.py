"""Headless runs through faults: exit codes, the json result, and the transcript after each."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.core.agent.helpers import git_repo
from workbench import headless
from workbench.core.session_store import SessionStore
from workbench.headless import RunOptions
from workbench.testing import MessagesPeer, Turn, cut, reply, sse_error, stall, status, text, tool_use

FAST = "[agent]\nretry_base_s = 0.01\nretry_max = 2\nread_timeout_s = 0.5\nretry_after_cap_s = 0.2\n"


@pytest.fixture
def repo(tmp_path: Path, isolated_env: Path) -> Path:
    config = isolated_env / ".workbench" / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(FAST)
    return git_repo(tmp_path / "repo")


async def _run(repo: Path, peer: MessagesPeer, monkeypatch: pytest.MonkeyPatch, **kw: object) -> tuple[int, dict]:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
    out, err = io.StringIO(), io.StringIO()
    opts = RunOptions(prompt="do it", cwd=repo, output_format="json", **kw)  # type: ignore[arg-type]
    code = await headless.run(opts, out, err)
    return code, json.loads(out.getvalue())


@pytest.mark.parametrize(
    "fault",
    [status(429, retry_after=30), status(529), cut(900, "chunked"), cut(900, "close"), sse_error(5), stall(600, 3)],
    ids=["429", "529", "cut-chunked", "cut-close", "sse-error", "stall"],
)
async def test_fault_then_answer_exits_0(repo: Path, fault: Turn, monkeypatch: pytest.MonkeyPatch) -> None:
    with MessagesPeer([fault, reply(text("All good."))]) as peer:
        code, result = await _run(repo, peer, monkeypatch)
    assert code == 0 and result["final_text"] == "All good." and result["errors"] == []
    loaded = SessionStore(repo).load(result["session_id"])
    assert [e.type for e in loaded.events].count("retrying") == 1 and loaded.skipped_lines == 0
    assert [m["role"] for m in loaded.messages] == ["user", "assistant"]


@pytest.mark.parametrize(("fault", "kind"), [(status(401), "auth"), (cut(900), "connection")])
async def test_api_failure_exits_1_with_a_clear_error(
    repo: Path, fault: Turn, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MessagesPeer([fault, fault, fault]) as peer:
        code, result = await _run(repo, peer, monkeypatch)
    assert code == 1 and result["stop_reason"] == "error"
    assert [e["kind"] for e in result["errors"]] == [kind] and result["errors"][0]["hint"]
    loaded = SessionStore(repo).load(result["session_id"])
    assert loaded.events[-1].type == "turn_done" and [m["role"] for m in loaded.messages] == ["user"]


async def test_max_turns_exits_4(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop = [reply(tool_use("Read", {"file_path": "app.py"})) for _ in range(3)]
    with MessagesPeer(loop) as peer:
        code, result = await _run(repo, peer, monkeypatch, max_turns=2)
        assert len(peer.message_requests) == 2
    assert code == 4 and result["stop_reason"] == "max_turns" and len(result["tool_calls"]) == 2


async def test_record_writes_a_cassette(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cassette = tmp_path / "run.cassette.jsonl"
    with MessagesPeer([reply(text("Recorded."))]) as peer:
        code, result = await _run(repo, peer, monkeypatch, record=cassette)
    assert code == 0 and result["final_text"] == "Recorded."
    lines = [json.loads(line) for line in cassette.read_text().splitlines()]
    exchanges = [r for r in lines if r.get("kind") == "exchange"]
    assert len(exchanges) == 1 and "Recorded." in exchanges[0]["response"]["body"]


async def test_piped_text_output_has_no_half_answer_after_a_retry(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MessagesPeer([cut(1200, "chunked"), reply(text("The whole answer, once."))]) as peer:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", peer.url)
        out, err = io.StringIO(), io.StringIO()
        code = await headless.run(RunOptions(prompt="go", cwd=repo), out, err)
    assert code == 0 and out.getvalue() == "The whole answer, once.\n"
    assert "retrying" in err.getvalue()
